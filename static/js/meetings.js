// Meetings: the series form shows what its choices need (CSP: no inline script).
(function () {
  "use strict";

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

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("series-form");
    if (!form) return;
    form.addEventListener("change", function () { toggle(form); });
    toggle(form);
  });
})();
