/* 복지사업 설계 스튜디오의 안내형 서식 (templates/studio/edit.html): expressions checked as they
 * are typed, variables inserted by their code names (the panel) or by their Korean names (the
 * picker under each expression), each expression read back with the Korean names, and the
 * rows of dated parameters. The annex (별지) is built with the form builder
 * (studio-form-builder.js). */
(function () {
  "use strict";

  // ieumT with %(name)s placeholders filled from values
  function fill(text, values) {
    return ieumT(text).replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }
  var script = document.getElementById("studio-program-script");
  var checkUrl = script.getAttribute("data-check-url");
  var last = document.getElementById("f-criteria");
  var labels = {};
  document.querySelectorAll("[data-insert][data-label]").forEach(function (button) {
    labels[button.getAttribute("data-insert")] = button.getAttribute("data-label");
  });
  var OPERATORS = {"<=": "≤", ">=": "≥", "==": "=", "!=": "≠", "and": ieumT("그리고"), "or": ieumT("또는"),
                   "not": ieumT("아님"), "True": ieumT("참"), "False": ieumT("거짓"), "if": ieumT("이면"),
                   "else": ieumT("아니면"), "*": "×", "/": "÷"};

  function parameterNames() {
    return Array.prototype.map.call(document.querySelectorAll("[data-param-name]"), function (i) { return i.value.trim(); })
      .filter(function (n) { return n; }).join(",");
  }

  /* The expression with each variable's Korean name: "소득인정액 ≤ 선정기준액". */
  function reading(text) {
    return text.replace(/"[^"]*"|'[^']*'|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|[*\/]/g, function (token) {
      if (token.charAt(0) === '"' || token.charAt(0) === "'") { return token; }
      if (Object.prototype.hasOwnProperty.call(labels, token)) { return labels[token]; }
      if (Object.prototype.hasOwnProperty.call(OPERATORS, token)) { return OPERATORS[token]; }
      return token;
    });
  }

  function showReading(area) {
    var out = document.querySelector('[data-reading="' + area.id + '"]');
    if (!out) { return; }
    var text = area.value.trim();
    out.textContent = text ? fill("읽기: %(text)s", {text: reading(text)}) : "";
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
        out.textContent = ieumT("✓ 올바른 식입니다");
        area.classList.remove("is-invalid");
      } else {
        out.className = "small mt-1 text-danger";
        (body.problems || [body.error]).forEach(function (m) { var d = document.createElement("div"); d.textContent = m; out.appendChild(d); });
        area.classList.add("is-invalid");
      }
    }).catch(function () {});
  }

  function insert(area, name) {
    var start = area.selectionStart === undefined ? area.value.length : area.selectionStart;
    var end = area.selectionEnd === undefined ? area.value.length : area.selectionEnd;
    area.value = area.value.slice(0, start) + name + area.value.slice(end);
    area.focus();
    area.selectionStart = area.selectionEnd = start + name.length;
    area.dispatchEvent(new Event("input"));
  }

  document.querySelectorAll("[data-check-kind]").forEach(function (area) {
    var timer = null;
    area.addEventListener("input", function () {
      showReading(area);
      clearTimeout(timer);
      timer = setTimeout(function () { check(area); }, 300);
    });
    area.addEventListener("focus", function () { last = area; });
    showReading(area);
    if (area.value.trim()) { check(area); }
  });
  document.querySelectorAll("[data-insert]").forEach(function (button) {
    button.addEventListener("click", function () { insert(last, button.getAttribute("data-insert")); });
  });
  document.querySelectorAll("[data-variable-picker]").forEach(function (picker) {
    picker.addEventListener("change", function () {
      var area = document.getElementById(picker.getAttribute("data-variable-picker"));
      if (picker.value) { insert(area, picker.value); last = area; }
      picker.value = "";
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
}());
