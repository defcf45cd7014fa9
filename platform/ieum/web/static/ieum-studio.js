// 복지사업 설계 스튜디오: live checks of expressions and parameter rows (studio/edit.html).
(function () {
  var checkUrl = document.currentScript.getAttribute("data-check-url");
  var last = document.getElementById("f-criteria");
  function parameterNames() {
    return Array.prototype.map.call(document.querySelectorAll("[data-param-name]"), function (i) { return i.value.trim(); })
      .filter(function (n) { return n; }).join(",");
  }
  function check(area) {
    var kind = area.getAttribute("data-check-kind");
    var out = document.querySelector('[data-check-result="' + kind + '"]');
    var url = checkUrl + "?kind=" + encodeURIComponent(kind) + "&text=" + encodeURIComponent(area.value) +
      "&parameters=" + encodeURIComponent(parameterNames());
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (body) {
      out.textContent = "";
      if (body.ok) {
        out.className = "small mt-1 text-success";
        out.textContent = "✓ 올바른 식입니다";
        area.classList.remove("is-invalid");
      } else {
        out.className = "small mt-1 text-danger";
        (body.problems || [body.error]).forEach(function (m) { var d = document.createElement("div"); d.textContent = m; out.appendChild(d); });
        area.classList.add("is-invalid");
      }
    }).catch(function () {});
  }
  document.querySelectorAll("[data-check-kind]").forEach(function (area) {
    var timer = null;
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { check(area); }, 300); });
    area.addEventListener("focus", function () { last = area; });
    if (area.value.trim()) { check(area); }
  });
  document.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-insert");
      var start = last.selectionStart || last.value.length, end = last.selectionEnd || last.value.length;
      last.value = last.value.slice(0, start) + name + last.value.slice(end);
      last.focus();
      last.selectionStart = last.selectionEnd = start + name.length;
      last.dispatchEvent(new Event("input"));
    });
  });
  var rows = document.getElementById("param-rows");
  document.getElementById("add-param").addEventListener("click", function () {
    var copy = rows.querySelector("[data-param-row]").cloneNode(true);
    copy.querySelectorAll("input").forEach(function (i) { i.value = ""; });
    rows.appendChild(copy);
  });
  rows.addEventListener("click", function (event) {
    if (!event.target.hasAttribute("data-remove-param")) { return; }
    var row = event.target.closest("[data-param-row]");
    if (rows.querySelectorAll("[data-param-row]").length > 1) { row.remove(); }
    else { row.querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
  });
})();
