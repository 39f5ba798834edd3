// The pipeline board: drag a card onto another column to move the deal. Dropping picks that
// stage in the card's own menu and submits it, so a drag and the menu are one path (htmx posts
// it; the server answers with the board, and a message when the move is not allowed).
(function () {
  "use strict";
  var dragged = null;

  function column(target) {
    return target && target.closest ? target.closest(".board-column") : null;
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card[draggable=true]");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.id);
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    document.querySelectorAll(".board-column.drop-target").forEach(function (c) {
      c.classList.remove("drop-target");
    });
  });

  document.addEventListener("dragover", function (event) {
    var target = column(event.target);
    if (!dragged || !target) return;
    event.preventDefault();
    target.classList.add("drop-target");
  });

  document.addEventListener("dragleave", function (event) {
    var target = column(event.target);
    if (target && !target.contains(event.relatedTarget)) target.classList.remove("drop-target");
  });

  document.addEventListener("drop", function (event) {
    var target = column(event.target);
    if (!dragged || !target) return;
    event.preventDefault();
    target.classList.remove("drop-target");
    var form = dragged.querySelector("form.board-move");
    var select = form && form.querySelector("select[name=stage]");
    if (!select || select.value === target.dataset.stage) return;
    select.value = target.dataset.stage;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  });
})();
