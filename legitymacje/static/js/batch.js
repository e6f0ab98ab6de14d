// The batch page's live list: polls the JSON twice a second, replaces a card's row with
// its latest news or adds it on top, and keeps the counts. Values go in as textContent.
(function () {
  "use strict";
  const POLL_MS = 500;

  function part(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = text;
    return node;
  }

  function row(data) {
    const li = document.createElement("li");
    li.className = "batch-row status-" + String(data.status).replace(/[^a-z]/g, "");
    li.dataset.key = data.key;
    li.appendChild(part("span", "batch-time mono", data.at));
    const card = part("span", "batch-card", "");
    if (data.card_url) {
      const link = part("a", "mono", data.card);
      link.href = data.card_url;
      card.append(link, " " + data.holder);
    } else {
      card.textContent = data.card;
    }
    li.appendChild(card);
    li.appendChild(part("strong", "batch-label", data.label));
    if (data.detail) li.appendChild(part("span", "batch-detail", data.detail));
    if (data.remedy) li.appendChild(part("span", "batch-remedy", data.remedy));
    if (data.case_url) {
      const link = part("a", "batch-case", data.case);
      link.href = data.case_url;
      li.appendChild(link);
    }
    if (data.next_url) {  // the refusal's next step, as on the card page
      const next = part("a", "button primary batch-next", data.next_label);
      next.href = data.next_url;
      li.appendChild(next);
    }
    return li;
  }

  function start(section) {
    const url = section.dataset.batchUrl;
    const list = section.querySelector("[data-batch-rows]");
    const empty = section.querySelector("[data-batch-empty]");
    let since = section.dataset.since || "";

    function show(data) {
      // Newest first from the server: insert the oldest first so the newest ends on top.
      data.rows.slice().reverse().forEach(function (item) {
        const fresh = row(item);
        const old = list.querySelector('li[data-key="' + CSS.escape(item.key) + '"]');
        if (old) {
          old.replaceWith(fresh);
        } else {
          list.insertBefore(fresh, list.firstChild);
          fresh.classList.add("new");
        }
      });
      Object.keys(data.counts).forEach(function (status) {
        const count = document.querySelector('[data-count="' + status + '"]');
        if (count) count.textContent = String(data.counts[status]);
      });
      if (empty) empty.hidden = list.children.length > 0;
      if (!data.open) {
        const badge = document.querySelector("[data-batch-state]");
        if (badge) {
          badge.textContent = badge.dataset.endedText;
          badge.classList.remove("open");
        }
        document.querySelectorAll("[data-batch-end-form], [data-batch-open-note]")
          .forEach(function (node) { node.hidden = true; });
      }
    }

    window.Legitymacje.poll({
      every: POLL_MS,
      url: function () { return url + "?since=" + encodeURIComponent(since); },
      onData: function (data) {
        since = data.now;
        show(data);
        return data.open;  // an ended batch has no more news
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-batch-live]").forEach(start);
  });
})();
