// The reader desk: polls the latest reads at my readers; when following, a card put on
// the reader opens its page (or its open case). Values go in through textContent only.
(function () {
  "use strict";
  const POLL_MS = 500;
  const FOLLOW_KEY = "legitymacje.desk.follow";

  function cell(text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }

  function withNote(td, text, className) {
    if (!text) return td;
    const note = document.createElement("span");
    note.className = className;
    note.textContent = text;
    td.append(document.createElement("br"), note);
    return td;
  }

  function row(read) {
    const tr = document.createElement("tr");
    tr.dataset.readId = String(read.id);
    tr.appendChild(cell(read.read_at, "mono"));
    tr.appendChild(cell(read.reader));
    const card = cell("");
    if (read.open_url) {
      const link = document.createElement("a");
      link.href = read.open_url;
      link.textContent = read.card;
      card.appendChild(link);
    } else {
      card.textContent = read.card;
    }
    tr.appendChild(withNote(card, read.chip_serial, "muted mono"));
    const result = cell("");
    const badge = document.createElement("span");
    badge.className = "badge diagnosis-" + String(read.diagnosis).replace(/[^a-z_]/g, "");
    badge.textContent = read.diagnosis_label;
    result.appendChild(badge);
    tr.appendChild(withNote(result, read.outcome, "muted"));
    const remedy = withNote(cell(read.remedy), read.detail, "muted mono");
    if (read.report_url) {
      const report = document.createElement("a");
      report.className = "button danger";
      report.href = read.report_url;
      report.textContent = read.report_label;
      remedy.append(document.createElement("br"), report);
    }
    if (read.next_url) {  // the refusal's next step, as on the card page
      const next = document.createElement("a");
      next.className = "button primary next-step";
      next.href = read.next_url;
      next.textContent = read.next_label;
      remedy.append(document.createElement("br"), next);
    }
    tr.appendChild(remedy);
    return tr;
  }

  function start(section) {
    const body = section.querySelector("[data-reads-body]");
    const table = section.querySelector("[data-reads-table]");
    const empty = section.querySelector("[data-reads-empty]");
    const follow = section.querySelector("[data-follow]");
    follow.checked = window.localStorage.getItem(FOLLOW_KEY) !== "off";
    follow.addEventListener("change", function () {
      window.localStorage.setItem(FOLLOW_KEY, follow.checked ? "on" : "off");
    });
    let since = section.dataset.since;

    function show(reads) {
      let opened = null;
      reads.slice().reverse().forEach(function (read) {
        const fresh = row(read);
        const old = body.querySelector('tr[data-read-id="' + Number(read.id) + '"]');
        if (old) {
          old.replaceWith(fresh);
          return;
        }
        body.insertBefore(fresh, body.firstChild);
        fresh.classList.add("new");
        if (read.open_url) opened = read.open_url;
      });
      table.hidden = body.rows.length === 0;
      empty.hidden = body.rows.length > 0;
      if (opened && follow.checked) window.location.assign(opened);
    }

    function poll() {
      fetch(section.dataset.deskUrl + "?since=" + encodeURIComponent(since),
            {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
          if (answer) {
            since = answer.now;
            show(answer.reads);
          }
        })
        .catch(function () { /* offline for a moment: the next poll catches up */ })
        .finally(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.querySelectorAll("#reader-desk").forEach(start);
}());
