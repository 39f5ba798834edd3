// What inline handlers did before the Content-Security-Policy allowed only the portal's own
// script files: confirm before a destructive form is sent, and switch the language on change.
(function () {
  "use strict";
  // Capture phase: runs before htmx sees the submit, so a cancelled confirm sends nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.dataset ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.dataset && "autosubmit" in field.dataset && field.form) {
      field.form.submit();
    }
  });
})();
