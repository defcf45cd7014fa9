/* Confirmation before an irreversible action (보호종료, 급여대장 확정, 영수증 번호 매기기,
   승인·게시 ...). A form, or the submit button pressed, carries data-confirm="what will happen";
   data-confirm-label names the button that goes ahead (default "확인"). The question opens in a
   modal <dialog> (focus stays in it; Esc or 취소 cancels); going ahead submits with the same
   button. Without JavaScript the form submits as before. Loaded by base.html. */
(function () {
  "use strict";
  var T = window.ieumT || function (text) { return text; };  // ieum-i18n.js
  var dialog = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "ieum-confirm border rounded shadow p-0";
    dialog.setAttribute("aria-labelledby", "ieum-confirm-title");
    dialog.setAttribute("aria-describedby", "ieum-confirm-text");
    dialog.innerHTML =
      '<form method="dialog" class="p-3">' +
      '<h2 class="h5" id="ieum-confirm-title"></h2>' +
      '<p id="ieum-confirm-text" class="ieum-text mb-2"></p>' +
      '<p class="small text-danger fw-semibold mb-3" data-confirm-warning></p>' +
      '<div class="d-flex justify-content-end gap-2">' +
      '<button type="submit" value="cancel" class="btn btn-outline-secondary"></button>' +
      '<button type="submit" value="go" class="btn btn-danger" data-confirm-go></button>' +
      "</div></form>";
    dialog.querySelector("#ieum-confirm-title").textContent = T("확인해 주세요");
    dialog.querySelector("[data-confirm-warning]").textContent = T("이 작업은 되돌릴 수 없습니다.");
    dialog.querySelector('button[value="cancel"]').textContent = T("취소");
    document.body.appendChild(dialog);
  }

  function ask(text, label, proceed) {
    if (!dialog) build();
    if (typeof dialog.showModal !== "function") {  // a browser without <dialog>
      if (window.confirm(text + "\n\n" + T("이 작업은 되돌릴 수 없습니다."))) proceed();
      return;
    }
    dialog.querySelector("#ieum-confirm-text").textContent = text;
    dialog.querySelector("[data-confirm-go]").textContent = label || T("확인");
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "go") proceed();
    };
    dialog.showModal();
    dialog.querySelector('button[value="cancel"]').focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method === "dialog" || form.hasAttribute("data-confirmed")) return;
    var button = event.submitter || null;
    var holder = button && button.hasAttribute("data-confirm") ? button
      : form.hasAttribute("data-confirm") ? form : null;
    if (!holder) return;
    event.preventDefault();
    ask(holder.getAttribute("data-confirm"), holder.getAttribute("data-confirm-label"),
      function () {
        form.setAttribute("data-confirmed", "");
        if (button && typeof form.requestSubmit === "function") form.requestSubmit(button);
        else form.submit();
        form.removeAttribute("data-confirmed");
      });
  }, true);
})();
