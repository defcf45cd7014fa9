// Small behaviours of every page, kept out of the templates so the Content-Security-Policy
// can forbid inline script (ieum.web.security): print buttons, bar widths. Confirmations of
// forms marked data-confirm are ieum-confirm.js's.
(function () {
  "use strict";
  var T = window.ieumT || function (text) { return text; };  // ieum-i18n.js
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
  // A table wider than its box scrolls sideways: the keyboard must reach it too (WCAG 2.1.1),
  // so such a box is focusable and named after the page's heading.
  function scrollables() {
    var heading = document.querySelector("main h1, h1");
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) {
          var caption = box.querySelector("caption");
          var name = (caption || heading || {}).textContent || "";
          box.setAttribute("aria-label", T("%(name)s (옆으로 넘겨 보기)")
            .replace("%(name)s", name.trim() || T("표")));
        }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  function ready() {
    widths();
    scrollables();
  }
  window.addEventListener("resize", scrollables);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
