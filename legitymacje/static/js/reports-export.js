// Polls the status of pending exports and shows the download link when a file is ready.
// Without JavaScript the page keeps its "Refresh" link.
(function () {
  "use strict";
  var POLL_MS = 2000;

  function poll(row) {
    fetch(row.dataset.exportStatusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        var progress = row.querySelector("[data-export-progress]");
        var label = row.querySelector("[data-export-label]");
        var download = row.querySelector("[data-export-download]");
        var refresh = row.querySelector("[data-export-refresh]");
        if (label) { label.textContent = job.status_label; }
        if (progress) { progress.value = job.progress; progress.textContent = job.progress + "%"; }
        if (job.download_url && download) {
          download.href = job.download_url;
          download.hidden = false;
        }
        if (job.status === "done" || job.status === "failed" || job.status === "expired") {
          if (progress) { progress.remove(); }
          if (refresh) { refresh.remove(); }
          if (job.error && label) { label.textContent = job.status_label + ": " + job.error; }
          return;
        }
        window.setTimeout(function () { poll(row); }, POLL_MS);
      })
      .catch(function () { // show the Refresh link again and retry later
        var refresh = row.querySelector("[data-export-refresh]");
        if (refresh) { refresh.hidden = false; }
        window.setTimeout(function () { poll(row); }, POLL_MS * 5);
      });
  }

  document.querySelectorAll("[data-export-pending]").forEach(function (row) {
    row.querySelector("[data-export-refresh]").hidden = true;
    poll(row);
  });
})();
