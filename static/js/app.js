// Meeting of the Minds: every listener lives here (the CSP forbids inline scripts and
// htmx runs with allowEval off, so there are no hx-on attributes).
(function () {
  "use strict";

  // Confirm before a destructive action: <button data-confirm="Really?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();
