// The card page's extension notice: asks twice a second where the extension stands
// (waiting for the card, writing, torn, verified, refused) until there is nothing left
// to wait for. Texts go in through textContent only.
(function () {
  "use strict";
  const POLL_MS = 500;

  function render(box, status) {
    box.replaceChildren();
    if (!status) return;
    const notice = document.createElement("p");
    notice.className = "alert " + String(status.tone).replace(/[^a-z]/g, "");
    notice.dataset.step = status.step;
    notice.textContent = status.text;
    if (status.case_url) {
      const link = document.createElement("a");
      link.href = status.case_url;
      link.textContent = box.dataset.caseLabel || "";
      notice.append(" ", link);
    }
    box.appendChild(notice);
  }

  function start(section) {
    const url = section.dataset.extensionUrl;
    const box = section.querySelector("[data-extension-status]");
    const shown = box.querySelector("[data-step]");
    let last = "";
    let lastStep = shown ? shown.dataset.step : "";

    window.Legitymacje.poll({
      every: POLL_MS,
      first: 0,
      url: function () { return url; },
      onData: function (data) {
        const text = JSON.stringify(data.extension);
        if (text !== last) {
          last = text;
          render(box, data.extension);
          const step = data.extension ? data.extension.step : "";
          // The card's state and history change with a verified write: show them.
          if (step === "verified" && lastStep !== "verified") window.location.reload();
          lastStep = step;
        }
        return !data.extension || !data.extension.done;
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-extension-live]").forEach(start);
  });
})();
