// Small behaviours of every page, kept out of the templates so the Content-Security-Policy
// can forbid inline script (ieum.web.security): confirmations, print buttons, bar widths.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-print]") : null;
    if (button) {
      window.print();
    }
  });
  function widths() {
    document.querySelectorAll("[data-width]").forEach(function (bar) {
      var share = parseFloat(bar.getAttribute("data-width"));
      if (isFinite(share)) {
        bar.style.width = Math.max(0, Math.min(100, share)) + "%";
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", widths);
  } else {
    widths();
  }
})();
