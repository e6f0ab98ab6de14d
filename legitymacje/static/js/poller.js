// The one polling loop of the live pages: asks a JSON address every `every` ms and hands
// the answer to `onData` (which returns false to stop). A failed request (network or
// HTTP error) doubles the wait, up to 30 s, so a server in trouble is not hammered; the
// first good answer brings the normal pace back. A hidden tab asks nothing and asks
// again as soon as it is shown; a page left for another (pagehide) stops.
(function () {
  "use strict";
  const MAX_WAIT_MS = 30000;

  function poll(options) {
    const every = options.every || 500;
    let wait = every;
    let timer = null;
    let asking = false;
    let stopped = false;
    let left = false;

    function schedule(ms) {
      window.clearTimeout(timer);
      timer = null;
      if (stopped || left || document.hidden) return;
      timer = window.setTimeout(ask, ms);
    }

    function ask() {
      timer = null;
      if (stopped || left || asking || document.hidden) return;
      asking = true;
      fetch(options.url(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (data) {
          wait = every;
          if (options.onData(data) === false) stopped = true;
        })
        .catch(function () { wait = Math.min(wait * 2, MAX_WAIT_MS); })
        .finally(function () {
          asking = false;
          schedule(wait);
        });
    }

    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && !asking && timer === null) schedule(0);
    });
    window.addEventListener("pagehide", function () {
      left = true;
      window.clearTimeout(timer);
      timer = null;
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;  // back from the browser's page cache
      left = false;
      if (!asking) schedule(0);
    });
    schedule(options.first === undefined ? every : options.first);
  }

  window.Legitymacje = Object.assign(window.Legitymacje || {}, {poll: poll});
}());
