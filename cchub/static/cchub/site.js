/* The hub's own small script (no inline script anywhere: the Content-Security-Policy allows
   scripts from the hub's own address only). Pages work without it. */
(function () {
  "use strict";
  function ready() {
    document.querySelectorAll("[data-local-time]").forEach(function (el) {
      var when = new Date(el.getAttribute("data-local-time"));
      if (!isNaN(when.getTime())) {
        el.textContent = "In your time zone: " + when.toLocaleString([], {dateStyle: "full", timeStyle: "short"});
      }
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { if (el.form) { el.form.submit(); } });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
