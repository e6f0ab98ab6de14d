// The reader desk: polls the latest reads at my readers; when following, a card put on
// the reader opens its page (or its open case). Values go in through textContent only.
(function () {
  "use strict";
  const POLL_MS = 500;
  const FOLLOW_KEY = "legitymacje.desk.follow";

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
        const fresh = window.Legitymacje.readRow(read, table, true);
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

    window.Legitymacje.poll({
      every: POLL_MS,
      url: function () { return section.dataset.deskUrl + "?since=" + encodeURIComponent(since); },
      onData: function (answer) {
        since = answer.now;
        show(answer.reads);
      },
    });
  }

  document.querySelectorAll("#reader-desk").forEach(start);
}());
