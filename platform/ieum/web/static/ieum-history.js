/* Post/redirect/get for refused forms. A refused save answers its POST with the form again,
   showing what was typed and the messages (nothing is lost). That page is a POST result in
   the browser's history: going Back to it later asks "Confirm Form Resubmission". Replacing
   the entry (same address, no form data) makes Back load the address with GET instead: the
   empty form, never a resubmission. Loaded by base.html; only pages answering a POST carry
   data-post-result on <body>. */
(function () {
  "use strict";
  if (document.body && document.body.hasAttribute("data-post-result") &&
      window.history && typeof window.history.replaceState === "function") {
    window.history.replaceState(window.history.state, "", window.location.href);
  }
})();
