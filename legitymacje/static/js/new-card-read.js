// Hand-over: the new card put on my reader fills the chip serial input, or shows why that
// chip is refused. Polls the latest read at my readers; values go in through textContent.
(function () {
  "use strict";
  const POLL_MS = 500;

  // One case's form names its input; on the stack, the row of the case the chip is for.
  function serialInput(panel, read) {
    if (panel.dataset.serialInput) return document.getElementById(panel.dataset.serialInput);
    return document.querySelector('[data-serial-for="' + Number(read.case_id) + '"]');
  }

  function start(panel) {
    const status = panel.querySelector("[data-new-card-status]");
    let since = panel.dataset.since;
    let shown = null;

    function show(read) {
      if (!read || read.id === shown) return;
      shown = read.id;
      panel.classList.toggle("warn", Boolean(read.refusal));
      panel.classList.toggle("info", !read.refusal);
      status.textContent = read.read_at + ", " + read.reader + ": " + read.message;
      const input = read.refusal ? null : serialInput(panel, read);
      if (input) {
        input.value = read.chip_serial;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        const row = input.closest("tr");
        if (row) row.classList.add("new");
        const number = document.querySelector('[data-number-for="' + Number(read.case_id) + '"]');
        if (number && !number.value) number.focus();
      }
    }

    window.Legitymacje.poll({
      every: POLL_MS,
      url: function () {
        const url = new URL(panel.dataset.newCardUrl, window.location.href);
        url.searchParams.set("since", since);
        return url.href;
      },
      onData: function (answer) { if (answer.read) show(answer.read); },
    });
  }

  document.querySelectorAll("[data-new-card-url]").forEach(start);
}());
