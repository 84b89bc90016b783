// Meetings: the series form shows what its choices need, and its people multi-selects
// become searchable pickers (CSP: no inline script).
(function () {
  "use strict";

  var PICKER = "select[data-people-picker]";

  function toggle(form) {
    var kind = form.querySelector("[name=kind]");
    var preset = form.querySelector("[name=preset]");
    var oneOnOne = !kind || kind.value === "one_on_one";
    form.querySelectorAll("[data-one-on-one]").forEach(function (block) {
      block.hidden = !oneOnOne;
    });
    var custom = preset && preset.value === "custom";
    form.querySelectorAll("[data-custom-rule]").forEach(function (block) {
      block.hidden = !custom;
    });
  }

  // Tom Select (static/vendor/tom-select) over a <select multiple data-people-picker>:
  // type part of a name, username or email to find someone. Without JavaScript (or
  // without the library) the plain multi-select posts the same values.
  function pickers(root) {
    if (typeof window.TomSelect !== "function" || !root || !root.querySelectorAll) return;
    var selects = Array.prototype.slice.call(root.querySelectorAll(PICKER));
    if (root.matches && root.matches(PICKER)) selects.push(root);
    selects.forEach(function (select) {
      if (select.tomselect) return; // already a picker
      new window.TomSelect(select, {
        plugins: ["remove_button"],
        placeholder: "Type a name, username or email…",
        hidePlaceholder: true,
        maxOptions: 50,
        // After a pick the search starts afresh for the next person.
        onItemAdd: function () {
          this.setTextboxValue("");
          this.refreshOptions(false);
        }
      });
      // The picker is what people (and assistive technology) use now, under the field's
      // label; the select underneath only carries the values.
      select.setAttribute("aria-hidden", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    pickers(document);
    var form = document.getElementById("series-form");
    if (!form) return;
    form.addEventListener("change", function () { toggle(form); });
    toggle(form);
  });
  // Content swapped in by HTMX (a re-rendered form, a fragment) gets its pickers too.
  document.addEventListener("htmx:load", function (event) { pickers(event.target); });
})();
