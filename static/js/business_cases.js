// Business cases: add formset rows in the editor, and the print button of the print view.
// Listeners only (the CSP forbids inline scripts; htmx runs without eval).
(function () {
  "use strict";

  // "Add a line": copy the formset's blank row from its <template>, numbered as the next
  // form, and tell Django's management form there is one more.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !template || !rows) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement(rows.tagName === "TBODY" ? "tbody" : "div");
    holder.innerHTML = html;
    var added = [];
    while (holder.firstElementChild) {
      added.push(holder.firstElementChild);
      rows.appendChild(holder.firstElementChild);
    }
    total.value = String(index + 1);
    var first = added.length && added[0].querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
