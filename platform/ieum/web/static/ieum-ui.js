// Small behaviours of every page, kept out of the templates so the Content-Security-Policy
// can forbid inline script (ieum.web.security): print buttons, bar widths. Confirmations of
// forms marked data-confirm are ieum-confirm.js's.
(function () {
  "use strict";
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
