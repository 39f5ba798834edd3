// Warn before saving unlikely deal figures: a close date in the past (data-warn-past) or a
// value above the sanity bound (data-warn-above). The first submit shows the warnings next to
// the fields; submitting again, unchanged, saves. The server refuses only impossible values.
(function () {
  "use strict";

  function today() {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function warningFor(input) {
    var value = (input.value || "").trim();
    if (!value) return "";
    if (input.dataset.warnPast && value < today()) return input.dataset.warnPast;
    if (input.dataset.warnAbove) {
      var number = parseFloat(value.replace(/,/g, ""));
      if (!isNaN(number) && number > parseFloat(input.dataset.warnAbove)) {
        return input.dataset.warnMessage;
      }
    }
    return "";
  }

  function show(input, message) {
    var id = (input.id || input.name) + "_warning";
    var box = document.getElementById(id);
    if (!message) {
      if (box) box.remove();
      input.classList.remove("is-warning");
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "form-text text-warning-emphasis field-warning";
      box.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    input.classList.add("is-warning");
  }

  function fields(form) {
    return form.querySelectorAll("input[data-warn-past], input[data-warn-above]");
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-warn-past], input[data-warn-above]")) return;
    show(input, warningFor(input));
    if (input.form) delete input.form.dataset.warned;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var list = fields(form);
    if (!list.length) return;
    var signature = [];
    var first = null;
    list.forEach(function (input) {
      var message = warningFor(input);
      show(input, message);
      if (message) {
        signature.push(input.name + "=" + input.value);
        if (!first) first = input;
      }
    });
    if (!first) return;
    if (form.dataset.warned === signature.join("&")) return;  // seen: save as asked
    form.dataset.warned = signature.join("&");
    event.preventDefault();
    event.stopImmediatePropagation();
    first.focus();
  }, true);
})();

// Long checklists (a fieldset.check-list-field) get a search box that hides the options whose
// label does not contain what is typed; checked options always stay visible.
(function () {
  "use strict";
  var counter = 0;

  function enhance(fieldset) {
    if (fieldset.dataset.filterReady) return;
    fieldset.dataset.filterReady = "1";
    counter += 1;
    var id = "check-filter-" + counter;
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = id;
    label.textContent = fieldset.dataset.filterLabel;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "form-control form-control-sm mb-2 check-list-filter";
    input.placeholder = fieldset.dataset.filterLabel;
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      fieldset.querySelectorAll(".check-list .form-check").forEach(function (option) {
        var box = option.querySelector("input");
        var text = option.textContent.toLowerCase();
        option.hidden = !!term && !box.checked && text.indexOf(term) === -1;
      });
    });
    var list = fieldset.querySelector(".check-list");
    list.parentNode.insertBefore(label, list);
    list.parentNode.insertBefore(input, list);
  }

  function enhanceAll(root) {
    (root || document).querySelectorAll("fieldset.check-list-field").forEach(enhance);
  }

  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
