// Live card reads: polls the JSON list twice a second and adds or replaces rows.
// Every value goes in through textContent: chip and reader data are never markup.
(function () {
  "use strict";
  const POLL_MS = 500;  // pcscd sees a card within 400 ms; together under a second

  function cell(text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    return td;
  }

  function row(read) {
    const tr = document.createElement("tr");
    tr.dataset.readId = String(read.id);
    tr.appendChild(cell(read.read_at, "mono"));
    tr.appendChild(cell(read.reader));
    const result = cell("");
    const badge = document.createElement("span");
    badge.className = "badge diagnosis-" + String(read.diagnosis).replace(/[^a-z_]/g, "");
    badge.textContent = read.diagnosis_label;
    const outcome = document.createElement("span");
    outcome.className = "muted";
    outcome.textContent = read.outcome;
    result.append(badge, document.createElement("br"), outcome);
    tr.appendChild(result);
    const remedy = cell(read.remedy);
    if (read.detail) {
      const detail = document.createElement("span");
      detail.className = "muted mono";
      detail.textContent = read.detail;
      remedy.append(document.createElement("br"), detail);
    }
    if (read.report_url) {
      const report = document.createElement("a");
      report.className = "button danger";
      report.href = read.report_url;
      report.textContent = read.report_label;
      remedy.append(document.createElement("br"), report);
    }
    tr.appendChild(remedy);
    return tr;
  }

  function start(section) {
    const url = section.dataset.readsUrl;
    const body = section.querySelector("[data-reads-body]");
    const empty = section.querySelector("[data-reads-empty]");
    const table = section.querySelector("[data-reads-table]");
    let waiting = section.querySelector("[data-waiting-request]");

    function showPending(pending) {
      if (!pending) return;
      if (!waiting) {
        waiting = document.createElement("p");
        waiting.className = "alert info";
        waiting.setAttribute("role", "status");
        section.querySelector(".table-wrap").before(waiting);
      }
      if (waiting.dataset.waitingRequest !== String(pending.id)) {
        waiting.dataset.waitingRequest = String(pending.id);
        waiting.textContent = pending.text;
        waiting.hidden = false;
      }
    }
    // Without data-since the page rendered no rows: the first poll brings them at once.
    let since = section.dataset.since || "";

    function show(reads) {
      // The server sends newest first; insert oldest first so the newest ends on top.
      reads.slice().reverse().forEach(function (read) {
        const fresh = row(read);
        const old = body.querySelector('tr[data-read-id="' + Number(read.id) + '"]');
        if (old) {
          old.replaceWith(fresh);
        } else {
          body.insertBefore(fresh, body.firstChild);
          fresh.classList.add("new");
        }
        if (waiting && String(read.request_id) === waiting.dataset.waitingRequest) {
          waiting.hidden = true;
        }
      });
      if (empty) empty.hidden = body.rows.length > 0;
      if (table) table.hidden = body.rows.length === 0;
    }

    function poll() {
      fetch(since ? url + "&since=" + encodeURIComponent(since) : url, {
        credentials: "same-origin", headers: {"Accept": "application/json"},
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (data) {
        since = data.now;
        showPending(data.pending);
        show(data.reads);
      }).catch(function () { /* network hiccup: try again on the next tick */ })
        .finally(function () { window.setTimeout(poll, POLL_MS); });
    }
    window.setTimeout(poll, section.dataset.since ? POLL_MS : 0);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-reads-url]").forEach(start);
  });
})();
