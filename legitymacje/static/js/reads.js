// Live card reads: polls the JSON list twice a second and adds or replaces rows.
// Every value goes in through textContent: chip and reader data are never markup.
(function () {
  "use strict";
  const POLL_MS = 500;  // pcscd sees a card within 400 ms; together under a second

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
        const fresh = window.Legitymacje.readRow(read, body.closest("table"), false);
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

    window.Legitymacje.poll({
      every: POLL_MS,
      first: section.dataset.since ? POLL_MS : 0,
      url: function () { return since ? url + "&since=" + encodeURIComponent(since) : url; },
      onData: function (data) {
        since = data.now;
        showPending(data.pending);
        show(data.reads);
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-reads-url]").forEach(start);
  });
})();
