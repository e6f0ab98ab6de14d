// One row of a reads table (the reader desk, a card's reads), as the server renders it
// (templates/reader_bridge/_read_result_cells.html): each cell labelled with its column's
// header, which a narrow screen shows beside the value. Values go in as textContent only:
// chip and reader data are never markup.
(function () {
  "use strict";

  function withNote(td, text, className) {
    if (!text) return td;
    const note = document.createElement("span");
    note.className = className;
    note.textContent = text;
    td.append(document.createElement("br"), note);
    return td;
  }

  function cardCell(read) {
    const td = document.createElement("td");
    if (read.open_url) {
      const link = document.createElement("a");
      link.href = read.open_url;
      link.textContent = read.card;
      td.appendChild(link);
    } else {
      td.textContent = read.card;
    }
    return withNote(td, read.chip_serial, "muted mono");
  }

  function resultCell(read) {
    const td = document.createElement("td");
    const badge = document.createElement("span");
    badge.className = "badge diagnosis-" + String(read.diagnosis).replace(/[^a-z_]/g, "");
    badge.textContent = read.diagnosis_label;
    td.appendChild(badge);
    return withNote(td, read.outcome, "muted");
  }

  function remedyCell(read) {
    const td = withNote(document.createElement("td"), read.detail, "muted mono");
    td.prepend(read.remedy);
    if (read.next_url) {  // the refusal's next step, or reporting a suspected forgery
      const next = document.createElement("a");
      next.className = "button " + (read.next_danger ? "danger" : "primary") + " next-step";
      next.href = read.next_url;
      next.textContent = read.next_label;
      td.append(document.createElement("br"), next);
    }
    return td;
  }

  // `table`: the <table> the row goes in; a card column when its header has one.
  function readRow(read, table, withCard) {
    const tr = document.createElement("tr");
    tr.dataset.readId = String(read.id);
    const readAt = document.createElement("td");
    readAt.className = "mono";
    readAt.textContent = read.read_at;
    const reader = document.createElement("td");
    reader.textContent = read.reader;
    tr.append(readAt, reader);
    if (withCard) tr.appendChild(cardCell(read));
    tr.append(resultCell(read), remedyCell(read));
    const headers = table.querySelectorAll("thead th");
    Array.prototype.forEach.call(tr.cells, function (td, index) {
      if (headers[index]) td.dataset.label = headers[index].textContent.trim();
    });
    return tr;
  }

  window.Legitymacje = Object.assign(window.Legitymacje || {}, {readRow: readRow});
}());
