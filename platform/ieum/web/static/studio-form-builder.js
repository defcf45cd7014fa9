/* 양식 빌더: the browser half of ieum.studio.forms.
 *
 * Keeps the builder's model (see ieum/studio/forms.py), draws the field list, the properties
 * panel and the cross-field rules, and asks the server for everything it knows better: the
 * schema the model makes, its problems, the preview (drawn by the facility screens' own
 * templates) and the check of each expression as it is typed. Undo/redo keep snapshots of
 * the model. Mounted on the builder page (mode "page": loads and saves through the content
 * studio's document endpoints) and in the program studio (mode "embed": writes the schema
 * into a form input).
 */
(function () {
  "use strict";

  // ieumT with %(name)s placeholders filled from values
  function fill(text, values) {
    return ieumT(text).replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  // the kinds' Korean names (a new field's title is made of one); shown through kindTitle
  var KINDS = {
    text: "짧은 글", textarea: "긴 글", integer: "숫자(정수)", number: "숫자(소수)", date: "날짜",
    datetime: "날짜와 시각", time: "시각", select: "선택(목록)", radio: "선택(단추)",
    checkboxes: "여러 개 선택", multiselect: "여러 개 선택(목록)", boolean: "예/아니오",
    file: "첨부파일", rrn: "주민등록번호", phone: "전화번호", rows: "반복 행(표)", group: "묶음",
    subjects: "대상자 여러 명", hidden: "숨김 값", ref: "공유 부품($ref)", custom: "직접 쓴 스키마"
  };
  function kindTitle(kind) { return KINDS[kind] ? ieumT(KINDS[kind]) : kind; }
  var DEFAULT_WIDGET = {
    textarea: "textarea", date: "date", datetime: "datetime", time: "time", select: "select",
    radio: "radio", checkboxes: "checkboxes", multiselect: "select", file: "file", rrn: "rrn",
    phone: "phone", rows: "rows", subjects: "subjects", hidden: "hidden"
  };
  var CHOICE = {select: 1, radio: 1, checkboxes: 1, multiselect: 1};
  var NESTED = {rows: 1, group: 1};
  var TEXTUAL = {text: 1, textarea: 1, rrn: 1, phone: 1, hidden: 1};
  var NUMERIC = {integer: 1, number: 1};
  var SENSITIVE = {"": ieumT("없음"), rrn: ieumT("주민등록번호"), "private": ieumT("개인정보(목록에 안 보임)"), health: ieumT("건강정보")};
  var CONTEXT = ["params", "record_counts", "subject"];

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key === "text") { node.textContent = value; }
      else if (key === "className") { node.className = value; }
      else { node.setAttribute(key, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  function clone(value) { return JSON.parse(JSON.stringify(value)); }

  function Builder(root, options) {
    this.root = root;
    this.options = options;
    this.model = {title: "", version: 1, fields: [], rules: [], extra: {}};
    this.selected = null;   // path: [index, childIndex, ...]
    this.history = [];
    this.future = [];
    this.coalesce = null;
    this.dirty = false;
    this.version = null;
    this.schema = null;
    this.problems = [];
    this.requiredWhen = {};
    this.renderTimer = null;
    this.serial = 0;
    this.uid = 0;
    this.q = function (selector) { return root.querySelector(selector); };
  }

  // --- model helpers --------------------------------------------------------------------

  Builder.prototype.listAt = function (parentPath) {
    var list = this.model.fields;
    for (var i = 0; i < parentPath.length; i++) { list = list[parentPath[i]].children; }
    return list;
  };
  Builder.prototype.fieldAt = function (path) {
    if (!path || !path.length) { return null; }
    var list = this.listAt(path.slice(0, -1));
    return list ? list[path[path.length - 1]] || null : null;
  };
  /* The names an expression may read besides the context: the fields and the form's
   * constants (x-constants). */
  Builder.prototype.allNames = function () {
    var constants = (this.model.extra && this.model.extra["x-constants"]) || {};
    return this.model.fields.map(function (f) { return f.name; }).concat(Object.keys(constants));
  };
  Builder.prototype.uniqueName = function (base, list) {
    var names = {};
    (list || this.model.fields).forEach(function (f) { names[f.name] = 1; });
    if (!names[base]) { return base; }
    for (var n = 2; ; n++) { if (!names[base + "_" + n]) { return base + "_" + n; } }
  };
  Builder.prototype.newField = function (kind, list) {
    var field = {name: this.uniqueName("field_" + (list.length + 1), list), kind: kind,
                 title: KINDS[kind] + " 항목", required: false, ui: {}};
    if (DEFAULT_WIDGET[kind]) { field.ui.widget = DEFAULT_WIDGET[kind]; }
    if (CHOICE[kind]) {
      field.choice_style = "oneOf";
      field.choices = [{value: "a", label: "선택지 1"}, {value: "b", label: "선택지 2"}];
    }
    if (kind === "checkboxes" || kind === "multiselect") { field.items_extra = {type: "string"}; }
    if (NESTED[kind]) { field.children = []; }
    if (kind === "rows") { field.children = [this.newField("text", [])]; field.children[0].name = "item"; field.children[0].title = "내용"; }
    if (kind === "rrn") { field.sensitive = "rrn"; }
    if (kind === "text") { field.maxLength = 200; }
    if (kind === "textarea") { field.maxLength = 4000; }
    return field;
  };

  // --- history --------------------------------------------------------------------------

  Builder.prototype.change = function (key, apply) {
    if (!(key && this.coalesce === key)) {
      this.history.push(JSON.stringify(this.model));
      if (this.history.length > 200) { this.history.shift(); }
      this.future = [];
    }
    this.coalesce = key || null;
    apply.call(this);
    this.dirty = true;
    this.updateButtons();
    this.scheduleRender();
  };
  Builder.prototype.undo = function () {
    if (!this.history.length) { return; }
    this.future.push(JSON.stringify(this.model));
    this.model = JSON.parse(this.history.pop());
    this.afterJump();
  };
  Builder.prototype.redo = function () {
    if (!this.future.length) { return; }
    this.history.push(JSON.stringify(this.model));
    this.model = JSON.parse(this.future.pop());
    this.afterJump();
  };
  Builder.prototype.afterJump = function () {
    this.coalesce = null;
    if (this.selected && !this.fieldAt(this.selected)) { this.selected = null; }
    this.dirty = true;
    this.drawAll();
    this.scheduleRender();
  };
  Builder.prototype.updateButtons = function () {
    var undo = document.querySelector("[data-fb-undo]"), redo = document.querySelector("[data-fb-redo]");
    if (undo && this.options.mode === "page") { undo.disabled = !this.history.length; }
    if (redo && this.options.mode === "page") { redo.disabled = !this.future.length; }
    var undoEmbed = this.q("[data-fb-undo]"), redoEmbed = this.q("[data-fb-redo]");
    if (undoEmbed) { undoEmbed.disabled = !this.history.length; }
    if (redoEmbed) { redoEmbed.disabled = !this.future.length; }
  };

  // --- drawing --------------------------------------------------------------------------

  Builder.prototype.drawAll = function () {
    this.drawForm();
    this.drawFields();
    this.drawProperties();
    this.drawRules();
    this.updateButtons();
  };

  Builder.prototype.drawForm = function () {
    var model = this.model;
    this.root.querySelectorAll("[data-fb-form]").forEach(function (input) {
      var key = input.getAttribute("data-fb-form");
      input.value = model[key] === undefined ? "" : model[key];
    });
  };

  Builder.prototype.pointerOf = function (path) {
    var list = this.model.fields, pointer = "/properties/";
    for (var i = 0; i < path.length; i++) {
      var f = list[path[i]];
      if (!f) { return null; }
      pointer += f.name.replace(/~/g, "~0").replace(/\//g, "~1");
      if (i < path.length - 1) { pointer += f.kind === "rows" ? "/items/properties/" : "/properties/"; }
      list = f.children || [];
    }
    return pointer;
  };

  Builder.prototype.problemsFor = function (path) {
    var field = this.fieldAt(path), pointer = field && this.pointerOf(path);
    if (!pointer) { return []; }
    var top = "/" + this.model.fields[path[0]].name;
    return this.problems.filter(function (p) {
      var at = p.pointer || "";
      if (at === pointer || at.indexOf(pointer + "/") === 0) { return true; }
      return path.length === 1 && ["/x-visible", "/x-computed", "/x-ui", "/x-sensitive"].some(function (k) {
        return at === k + top || at.indexOf(k + top + "/") === 0;
      });
    });
  };

  Builder.prototype.drawFields = function () {
    var self = this, list = this.q("[data-fb-fields]");
    var active = document.activeElement;
    var focused = active && list.contains(active) && active.hasAttribute("data-path") ? active.getAttribute("data-path") : null;
    list.textContent = "";
    var lastSection = null;
    function item(field, path, depth) {
      var selected = self.selected && self.selected.join(".") === path.join(".");
      var problems = self.problemsFor(path);
      var badges = [];
      if (field.required) { badges.push(el("span", {className: "badge text-bg-danger-subtle text-danger-emphasis", text: ieumT("필수")})); }
      var when = path.length === 1 && self.requiredWhen[field.name];
      if (when && !field.required) { badges.push(el("span", {className: "badge text-bg-danger-subtle text-danger-emphasis", title: when, text: ieumT("조건부 필수")})); }
      if (field.visible) { badges.push(el("span", {className: "badge text-bg-info-subtle text-info-emphasis", text: ieumT("조건부 표시")})); }
      if (field.computed) { badges.push(el("span", {className: "badge text-bg-success-subtle text-success-emphasis", text: ieumT("계산")})); }
      if (field.sensitive) { badges.push(el("span", {className: "badge text-bg-warning-subtle text-warning-emphasis", text: fill("민감: %(kind)s", {kind: SENSITIVE[field.sensitive]})})); }
      if (problems.length) { badges.push(el("span", {className: "badge text-bg-danger", title: problems.map(function (p) { return p.message; }).join("\n"), text: fill("문제 %(n)s", {n: problems.length})})); }
      var node = el("li", {className: "fb-field" + (selected ? " fb-selected" : "") + (problems.length ? " fb-has-problem" : ""),
                           draggable: "true", "data-path": path.join("."), tabindex: "0",
                           "aria-label": (field.title || field.name) + " (" + kindTitle(field.kind) + ")",
                           "data-testid": "field-" + field.name}, [
        el("div", {className: "d-flex align-items-center gap-1"}, [
          el("span", {className: "fb-handle", "aria-hidden": "true", text: "⠿"}),
          el("span", {className: "fb-title fw-semibold", text: field.title || field.name}),
          el("code", {className: "small text-muted", text: field.name}),
          el("span", {className: "badge text-bg-light border ms-auto", text: kindTitle(field.kind)}),
          el("button", {type: "button", className: "btn btn-link btn-sm p-0 px-1", "data-act": "up", "aria-label": ieumT("위로"), title: ieumT("위로 (Alt+↑)"), text: "▲"}),
          el("button", {type: "button", className: "btn btn-link btn-sm p-0 px-1", "data-act": "down", "aria-label": ieumT("아래로"), title: ieumT("아래로 (Alt+↓)"), text: "▼"}),
          el("button", {type: "button", className: "btn btn-link btn-sm p-0 px-1", "data-act": "copy", "aria-label": ieumT("항목 복사"), title: ieumT("항목 복사"), text: "⧉"}),
          el("button", {type: "button", className: "btn btn-link btn-sm p-0 px-1 text-danger", "data-act": "delete", "aria-label": ieumT("항목 삭제"), title: ieumT("삭제"), text: "✕"})
        ]),
        badges.length ? el("div", {className: "d-flex flex-wrap gap-1 mt-1"}, badges) : null
      ]);
      if (NESTED[field.kind]) {
        var children = el("ol", {className: "list-unstyled fb-children", "data-parent": path.join(".")});
        (field.children || []).forEach(function (child, index) { children.appendChild(item(child, path.concat([index]), depth + 1)); });
        children.appendChild(el("li", {className: "fb-drop-end small text-muted", "data-drop-into": path.join("."),
                                       text: field.kind === "rows" ? ieumT("행의 항목을 여기에 끌어다 놓거나, 이 항목을 고른 뒤 종류를 누르세요") : ieumT("묶음의 항목을 여기에 끌어다 놓으세요")}));
        node.appendChild(children);
      }
      return node;
    }
    this.model.fields.forEach(function (field, index) {
      var section = (field.ui && field.ui.section) || "";
      if (section !== lastSection && (section || lastSection !== null)) {
        list.appendChild(el("li", {className: "fb-section small fw-semibold", text: fill("구역(탭): %(section)s", {section: section || ieumT("기본")})}));
      }
      lastSection = section;
      list.appendChild(item(field, [index], 0));
    });
    if (!this.model.fields.length) {
      list.appendChild(el("li", {className: "fb-empty text-muted small p-3 text-center", "data-drop-into": "",
                                 text: ieumT("왼쪽의 항목 종류를 누르거나 여기로 끌어다 놓으세요.")}));
    } else {
      list.appendChild(el("li", {className: "fb-drop-end small text-muted", "data-drop-into": "", text: ieumT("맨 끝에 놓기")}));
    }
    if (focused !== null) {
      var again = list.querySelector('[data-path="' + focused + '"]');
      if (again) { again.focus(); }
    }
  };

  // --- properties panel -----------------------------------------------------------------

  Builder.prototype.input = function (label, value, onInput, opts) {
    opts = opts || {};
    var id = "fb-p-" + (++this.uid);
    var control;
    if (opts.type === "textarea") {
      control = el("textarea", {className: "form-control form-control-sm" + (opts.mono ? " font-monospace" : ""), id: id, rows: opts.rows || 2, spellcheck: opts.mono ? "false" : null});
    } else if (opts.type === "select") {
      control = el("select", {className: "form-select form-select-sm", id: id});
      Object.keys(opts.options).forEach(function (key) { control.appendChild(el("option", {value: key, text: opts.options[key]})); });
    } else {
      control = el("input", {className: "form-control form-control-sm" + (opts.mono ? " font-monospace" : ""), id: id, type: opts.type || "text",
                             list: opts.list || null, placeholder: opts.placeholder || null});
    }
    control.value = value === undefined || value === null ? "" : value;
    var self = this;
    control.addEventListener(opts.type === "select" ? "change" : "input", function () {
      self.change(id, function () { onInput(control.value, control); });
      if (opts.redrawList) { self.drawFields(); self.drawRules(); }
    });
    control.addEventListener("blur", function () { if (self.coalesce === id) { self.coalesce = null; } });
    var wrap = el("div", {className: "mb-2"}, [el("label", {className: "form-label small fw-semibold mb-0", "for": id, text: label}), control]);
    if (opts.help) { wrap.appendChild(el("div", {className: "form-text mt-0", text: opts.help})); }
    return {wrap: wrap, control: control};
  };

  Builder.prototype.checkbox = function (label, checked, onChange) {
    var id = "fb-p-" + (++this.uid), self = this;
    var box = el("input", {className: "form-check-input", type: "checkbox", id: id});
    box.checked = !!checked;
    box.addEventListener("change", function () {
      self.change(null, function () { onChange(box.checked); });
      self.drawFields();
    });
    return el("div", {className: "form-check form-check-inline small"}, [box, el("label", {className: "form-check-label", "for": id, text: label})]);
  };

  function numberOrNull(text, integer) {
    var value = String(text).trim().replace(/,/g, "");
    if (!value) { return null; }
    var n = Number(value);
    if (!isFinite(n)) { return value; }
    return integer ? Math.round(n) : n;
  }
  function setOrDelete(obj, key, value) {
    if (value === null || value === undefined || value === "" || value === false) { delete obj[key]; } else { obj[key] = value; }
  }

  Builder.prototype.expression = function (label, value, onInput, help) {
    var self = this;
    var made = this.input(label, value, onInput, {type: "textarea", mono: true, rows: 2, help: help});
    var area = made.control;
    area.setAttribute("data-expression", "1");
    var result = el("div", {className: "small fb-check", "aria-live": "polite"});
    var picker = el("select", {className: "form-select form-select-sm fb-picker", "aria-label": fill("%(label)s에 항목 이름 넣기", {label: label})});
    picker.appendChild(el("option", {value: "", text: ieumT("항목 이름 넣기…")}));
    this.model.fields.forEach(function (f) { picker.appendChild(el("option", {value: f.name, text: (f.title || f.name) + " (" + f.name + ")"})); });
    Object.keys((this.model.extra && this.model.extra["x-constants"]) || {}).forEach(function (name) {
      picker.appendChild(el("option", {value: name, text: fill("%(name)s (상수)", {name: name})}));
    });
    CONTEXT.forEach(function (name) { picker.appendChild(el("option", {value: name, text: fill("%(name)s (문맥)", {name: name})})); });
    ["today()", "age(", "len(", "sum(", "round("].forEach(function (fn) { picker.appendChild(el("option", {value: fn, text: fill("%(name)s 함수", {name: fn})})); });
    picker.addEventListener("change", function () {
      var name = picker.value;
      if (!name) { return; }
      var start = area.selectionStart === undefined ? area.value.length : area.selectionStart;
      var end = area.selectionEnd === undefined ? area.value.length : area.selectionEnd;
      area.value = area.value.slice(0, start) + name + area.value.slice(end);
      area.focus();
      area.selectionStart = area.selectionEnd = start + name.length;
      picker.value = "";
      area.dispatchEvent(new Event("input"));
    });
    var timer = null;
    function check() {
      if (!area.value.trim()) { result.textContent = ""; area.classList.remove("is-invalid", "is-valid"); return; }
      self.post(self.options.expressionUrl, {text: area.value, names: self.allNames()}).then(function (body) {
        result.textContent = "";
        if (body.ok) {
          result.className = "small fb-check text-success";
          result.textContent = ieumT("✓ 올바른 식입니다");
          area.classList.remove("is-invalid");
        } else {
          result.className = "small fb-check text-danger";
          (body.problems || [body.error]).forEach(function (m) { result.appendChild(el("div", {text: m})); });
          area.classList.add("is-invalid");
        }
      }).catch(function () {});
    }
    area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 250); });
    if (area.value.trim()) { check(); }
    made.wrap.insertBefore(picker, area.nextSibling);
    made.wrap.appendChild(result);
    return made.wrap;
  };

  Builder.prototype.drawProperties = function () {
    var self = this, panel = this.q("[data-fb-properties]");
    panel.textContent = "";
    var path = this.selected, field = this.fieldAt(path);
    if (!field) {
      panel.appendChild(el("p", {className: "text-muted small mb-0", text: ieumT("항목을 고르면 속성을 고칠 수 있습니다.")}));
      return;
    }
    var top = path.length === 1;
    field.ui = field.ui || {};
    var problems = this.problemsFor(path);
    if (problems.length) {
      panel.appendChild(el("div", {className: "alert alert-danger small py-1 px-2", "data-testid": "field-problems"},
        problems.map(function (p) { return el("div", {text: p.message}); })));
    }
    panel.appendChild(this.input(ieumT("제목 (화면에 보이는 이름)"), field.title, function (v) { field.title = v; }, {redrawList: true}).wrap);
    var nameInput = this.input(ieumT("항목 이름 (영문 코드)"), field.name, function (v) { field.name = v; },
      {mono: true, redrawList: true, help: ieumT("영문 소문자로 시작, 영문 소문자·숫자·_ (식에서 이 이름을 씁니다; 바꾸면 식과 규칙도 함께 바뀝니다)")});
    var nameBefore = field.name;
    nameInput.control.addEventListener("focus", function () { nameBefore = field.name; });
    nameInput.control.addEventListener("change", function () {
      if (top && nameBefore && field.name && nameBefore !== field.name) {
        self.change(nameInput.control.id, function () { self.renameEverywhere(nameBefore, field.name); });
        self.drawRules();
      }
      nameBefore = field.name;
    });
    panel.appendChild(nameInput.wrap);
    if (field.kind !== "ref" && field.kind !== "custom") {
      var kinds = {};
      Object.keys(KINDS).forEach(function (k) { if (k !== "ref" && k !== "custom") { kinds[k] = kindTitle(k); } });
      panel.appendChild(this.input(ieumT("종류"), field.kind, function (v) { self.changeKind(field, v); }, {type: "select", options: kinds}).wrap);
      panel.lastChild.querySelector("select").addEventListener("change", function () { self.drawFields(); self.drawProperties(); });
    } else if (field.kind === "ref") {
      panel.appendChild(el("div", {className: "mb-2 small"}, [el("span", {className: "fw-semibold", text: ieumT("공유 부품: ")}), el("code", {text: field.ref})]));
      panel.appendChild(el("div", {className: "form-text mb-2", text: ieumT("선택지와 형식은 공유 부품에서 가져옵니다. 제목만 바꿀 수 있습니다.")}));
    }
    panel.appendChild(this.input(ieumT("도움말"), field.ui.help, function (v) { setOrDelete(field.ui, "help", v); }, {type: "textarea"}).wrap);
    var flags = el("div", {className: "mb-2"});
    flags.appendChild(this.checkbox(ieumT("필수"), field.required, function (v) { field.required = v; }));
    if (top) {
      flags.appendChild(this.checkbox(ieumT("목록에 표시"), field.ui.list, function (v) { setOrDelete(field.ui, "list", v); }));
      flags.appendChild(this.checkbox(ieumT("검색 조건"), field.ui.filter, function (v) { setOrDelete(field.ui, "filter", v); }));
      if (CHOICE[field.kind] || field.kind === "boolean" || field.kind === "ref") {
        flags.appendChild(this.checkbox(ieumT("통계"), field.ui.stat, function (v) { setOrDelete(field.ui, "stat", v); }));
      }
    }
    panel.appendChild(flags);
    if (top && this.requiredWhen[field.name] && !field.required) {
      panel.appendChild(el("div", {className: "form-text mb-2", "data-testid": "required-when"},
        [fill("조건에 따라 필수: %(rule)s (JSON의 allOf/if/then에서 고칩니다)", {rule: this.requiredWhen[field.name]})]));
    }
    if (top) {
      var sections = {};
      this.model.fields.forEach(function (f) { if (f.ui && f.ui.section) { sections[f.ui.section] = 1; } });
      var datalist = el("datalist", {id: "fb-sections"}, Object.keys(sections).map(function (s) { return el("option", {value: s}); }));
      panel.appendChild(datalist);
      panel.appendChild(this.input(ieumT("구역(탭)"), field.ui.section, function (v) { setOrDelete(field.ui, "section", v.trim()); },
        {list: "fb-sections", redrawList: true, help: ieumT("구역이 둘 이상이면 화면이 탭으로 나뉩니다")}).wrap);
    }
    if (TEXTUAL[field.kind]) {
      var row = el("div", {className: "row g-1"});
      row.appendChild(el("div", {className: "col"}, [this.input(ieumT("최소 글자 수"), field.minLength, function (v) { setOrDelete(field, "minLength", numberOrNull(v, true)); }, {type: "number"}).wrap]));
      row.appendChild(el("div", {className: "col"}, [this.input(ieumT("최대 글자 수"), field.maxLength, function (v) { setOrDelete(field, "maxLength", numberOrNull(v, true)); }, {type: "number"}).wrap]));
      panel.appendChild(row);
      panel.appendChild(this.input(ieumT("입력 형식 (정규식)"), field.pattern, function (v) { setOrDelete(field, "pattern", v); }, {mono: true, placeholder: ieumT("예: ^\\d{3}-\\d{4}$")}).wrap);
      panel.appendChild(this.input(ieumT("입력 예시 (placeholder)"), field.ui.placeholder, function (v) { setOrDelete(field.ui, "placeholder", v); }).wrap);
    }
    if (field.kind === "textarea") {
      panel.appendChild(this.input(ieumT("입력 칸 줄 수"), field.ui.rows, function (v) { setOrDelete(field.ui, "rows", numberOrNull(v, true)); }, {type: "number"}).wrap);
    }
    if (NUMERIC[field.kind]) {
      var bounds = el("div", {className: "row g-1"});
      bounds.appendChild(el("div", {className: "col"}, [this.input(ieumT("최솟값"), field.minimum, function (v) { setOrDelete(field, "minimum", numberOrNull(v, field.kind === "integer")); }, {type: "number"}).wrap]));
      bounds.appendChild(el("div", {className: "col"}, [this.input(ieumT("최댓값"), field.maximum, function (v) { setOrDelete(field, "maximum", numberOrNull(v, field.kind === "integer")); }, {type: "number"}).wrap]));
      panel.appendChild(bounds);
    }
    if (field.kind === "rows" || field.kind === "checkboxes") {
      var items = el("div", {className: "row g-1"});
      var rows = field.kind === "rows";
      items.appendChild(el("div", {className: "col"}, [this.input(rows ? ieumT("최소 행 수") : ieumT("최소 선택 수"), field.minItems, function (v) { setOrDelete(field, "minItems", numberOrNull(v, true)); }, {type: "number"}).wrap]));
      items.appendChild(el("div", {className: "col"}, [this.input(rows ? ieumT("최대 행 수") : ieumT("최대 선택 수"), field.maxItems, function (v) { setOrDelete(field, "maxItems", numberOrNull(v, true)); }, {type: "number"}).wrap]));
      panel.appendChild(items);
    }
    if (field.kind === "file") {
      panel.appendChild(this.input(ieumT("허용 확장자"), field.ui.accept, function (v) { setOrDelete(field.ui, "accept", v.replace(/\s+/g, "")); }, {mono: true, placeholder: ".pdf,.hwp,.jpg"}).wrap);
      panel.appendChild(this.input(ieumT("최대 크기 (MB)"), field.ui.max_size ? Math.round(field.ui.max_size / 104857.6) / 10 : "", function (v) {
        var mb = numberOrNull(v, false);
        setOrDelete(field.ui, "max_size", typeof mb === "number" ? Math.round(mb * 1048576) : null);
      }, {type: "number"}).wrap);
    }
    if (field.kind === "boolean") {
      panel.appendChild(el("div", {className: "mb-2"}, [this.checkbox(ieumT("처음부터 선택됨 (기본값)"), field["default"] === true, function (v) {
        if (v) { field["default"] = true; } else if (field["default"] !== undefined) { field["default"] = false; }
      })]));
    }
    if (CHOICE[field.kind] && field.choices) { panel.appendChild(this.choicesEditor(field)); }
    if (CHOICE[field.kind] && !field.choices) {
      panel.appendChild(el("div", {className: "form-text mb-2", text: ieumT("선택지는 공유 부품($ref)에서 가져옵니다 (JSON에서 고칩니다).")}));
    }
    if (top) {
      panel.appendChild(this.input(ieumT("민감정보 분류"), field.sensitive || "", function (v) { setOrDelete(field, "sensitive", v); }, {type: "select", options: SENSITIVE, redrawList: true}).wrap);
      panel.appendChild(this.expression(ieumT("표시 조건 (참일 때만 보임)"), field.visible, function (v) { setOrDelete(field, "visible", v); self.drawFields(); },
        ieumT("예: closure_reason == \"other\" — 비워 두면 늘 보입니다")));
      panel.appendChild(this.expression(ieumT("계산식 (저장할 때 계산)"), field.computed, function (v) { setOrDelete(field, "computed", v); self.drawFields(); },
        ieumT("예: amount * 12 — 계산 항목은 사람이 입력하지 않습니다")));
    }
    var other = {};
    if (field.extra) { other[ieumT("스키마")] = field.extra; }
    var ui = {};
    Object.keys(field.ui).forEach(function (k) { if (["help", "section", "list", "filter", "stat", "placeholder", "rows", "accept", "max_size", "widget", "order"].indexOf(k) < 0) { ui[k] = field.ui[k]; } });
    if (Object.keys(ui).length) { other[ieumT("화면 설정")] = ui; }
    if (field.kind === "custom") { other[ieumT("스키마")] = field.schema; }
    if (Object.keys(other).length) {
      panel.appendChild(el("details", {className: "small"}, [el("summary", {text: ieumT("빌더가 그대로 두는 설정")}), el("pre", {className: "fb-json mb-0", text: JSON.stringify(other, null, 2)})]));
    }
  };

  Builder.prototype.choicesEditor = function (field) {
    var self = this;
    var box = el("fieldset", {className: "border rounded p-2 mb-2"}, [el("legend", {className: "small fw-semibold float-none w-auto px-1 mb-0", text: ieumT("선택지")})]);
    var table = el("div", {className: "fb-choices"});
    field.choices.forEach(function (choice, index) {
      var row = el("div", {className: "input-group input-group-sm mb-1"});
      var value = el("input", {className: "form-control font-monospace", "aria-label": fill("선택지 %(n)s 값", {n: index + 1}), value: String(choice.value)});
      var label = el("input", {className: "form-control", "aria-label": fill("선택지 %(n)s 이름", {n: index + 1}), value: choice.label === undefined ? "" : choice.label,
                               disabled: field.choice_style === "enum" ? true : null});
      value.addEventListener("input", function () {
        self.change("choice-v-" + index, function () {
          var typed = value.value;
          choice.value = (field.kind === "select" || field.kind === "radio") && typeof choice.value === "number" && typed.trim() !== "" && isFinite(Number(typed)) ? Number(typed) : typed;
          if (field.choice_style === "enum") { choice.label = String(choice.value); }
        });
      });
      label.addEventListener("input", function () { self.change("choice-l-" + index, function () { choice.label = label.value; }); });
      var remove = el("button", {type: "button", className: "btn btn-outline-danger", "aria-label": fill("선택지 %(n)s 삭제", {n: index + 1}), text: "✕"});
      remove.addEventListener("click", function () { self.change(null, function () { field.choices.splice(index, 1); }); self.drawProperties(); });
      row.appendChild(value); row.appendChild(label); row.appendChild(remove);
      table.appendChild(row);
    });
    box.appendChild(el("div", {className: "d-flex small text-muted"}, [el("span", {className: "w-50", text: ieumT("값(코드)")}), el("span", {text: ieumT("화면에 보이는 이름")})]));
    box.appendChild(table);
    var add = el("button", {type: "button", className: "btn btn-outline-primary btn-sm", text: ieumT("+ 선택지 추가")});
    add.addEventListener("click", function () {
      self.change(null, function () {
        var n = field.choices.length + 1;
        field.choices.push(field.choice_style === "enum" ? {value: "option_" + n, label: "option_" + n} : {value: "option_" + n, label: "선택지 " + n});
      });
      self.drawProperties();
      var inputs = self.q("[data-fb-properties] .fb-choices").querySelectorAll("input");
      if (inputs.length) { inputs[inputs.length - 2].focus(); inputs[inputs.length - 2].select(); }
    });
    box.appendChild(add);
    return box;
  };

  Builder.prototype.changeKind = function (field, kind) {
    var old = field.kind;
    field.kind = kind;
    if (DEFAULT_WIDGET[kind]) { field.ui.widget = DEFAULT_WIDGET[kind]; } else { delete field.ui.widget; }
    if (field.extra) {
      ["type", "format", "$omit", "items", "oneOf", "anyOf", "enum", "uniqueItems"].forEach(function (k) { delete field.extra[k]; });
      if (!Object.keys(field.extra).length) { delete field.extra; }
    }
    if (CHOICE[kind] && !field.choices) { field.choice_style = "oneOf"; field.choices = [{value: "a", label: "선택지 1"}]; }
    if (!CHOICE[kind]) { delete field.choices; delete field.choice_style; }
    if ((kind === "checkboxes" || kind === "multiselect") && !field.items_extra) { field.items_extra = {type: "string"}; }
    if (kind !== "checkboxes" && kind !== "multiselect" && kind !== "rows") { delete field.items_extra; }
    if (NESTED[kind] && !field.children) { field.children = []; }
    if (!NESTED[kind]) { delete field.children; delete field.nested_extra; }
    if (!TEXTUAL[kind]) { delete field.minLength; delete field.maxLength; delete field.pattern; }
    if (!NUMERIC[kind]) { delete field.minimum; delete field.maximum; }
    if (kind === "rrn" && !field.sensitive) { field.sensitive = "rrn"; }
    if (old === "rrn" && field.sensitive === "rrn") { delete field.sensitive; }
    if (kind !== "boolean" && typeof field["default"] === "boolean") { delete field["default"]; }
  };

  Builder.prototype.renameEverywhere = function (old, name) {
    if (!old || old === name) { return; }
    var pattern = new RegExp("\\b" + old.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\b", "g");
    function rename(text) { return typeof text === "string" ? text.replace(pattern, name) : text; }
    this.model.fields.forEach(function (f) {
      if (f.visible) { f.visible = rename(f.visible); }
      if (f.computed) { f.computed = rename(f.computed); }
    });
    (this.model.rules || []).forEach(function (rule) {
      rule.rule = rename(rule.rule);
      if (rule.fields) { rule.fields = rule.fields.map(function (n) { return n === old ? name : n; }); }
    });
  };

  // --- rules ----------------------------------------------------------------------------

  Builder.prototype.drawRules = function () {
    var self = this, box = this.q("[data-fb-rules]");
    box.textContent = "";
    var rules = this.model.rules || [];
    if (!rules.length) {
      box.appendChild(el("p", {className: "small text-muted mb-0", text: ieumT("여러 항목을 함께 보는 규칙입니다. 예: 종료일은 시작일보다 뒤.")}));
    }
    rules.forEach(function (rule, index) {
      var card = el("div", {className: "border rounded p-2 mb-2 fb-rule", "data-rule": index, "data-testid": "rule-" + index});
      card.appendChild(el("div", {className: "d-flex align-items-center mb-1"}, [
        el("span", {className: "small fw-semibold", text: fill("규칙 %(n)s", {n: index + 1})}),
        el("span", {className: "badge text-bg-danger ms-2", "data-rule-badge": "1", hidden: true}),
        el("button", {type: "button", className: "btn btn-link btn-sm text-danger ms-auto p-0", "data-rule-delete": index, text: ieumT("삭제")})
      ]));
      card.appendChild(self.expression(ieumT("규칙 (참이어야 저장됨)"), rule.rule, function (v) { rule.rule = v; }, ieumT("예: end_date >= start_date")));
      card.appendChild(self.input(ieumT("맞지 않을 때 안내 문구"), rule.message, function (v) { rule.message = v; }).wrap);
      var names = el("div", {className: "small"}, [el("div", {className: "fw-semibold", text: ieumT("오류를 보일 항목")})]);
      self.model.fields.forEach(function (f) {
        var id = "fb-r-" + index + "-" + f.name + "-" + (++self.uid);
        var box2 = el("input", {type: "checkbox", className: "form-check-input", id: id});
        box2.checked = (rule.fields || []).indexOf(f.name) >= 0;
        box2.addEventListener("change", function () {
          self.change(null, function () {
            var list = (rule.fields || []).filter(function (n) { return n !== f.name; });
            if (box2.checked) { list.push(f.name); }
            if (list.length) { rule.fields = list; } else { delete rule.fields; }
          });
        });
        names.appendChild(el("div", {className: "form-check form-check-inline"}, [box2, el("label", {className: "form-check-label", "for": id, text: f.title || f.name})]));
      });
      card.appendChild(names);
      card.appendChild(el("div", {"data-rule-problems": "1"}));
      box.appendChild(card);
    });
    this.markRules();
  };

  Builder.prototype.markRules = function () {
    var self = this;
    this.root.querySelectorAll("[data-fb-rules] [data-rule]").forEach(function (card) {
      var index = card.getAttribute("data-rule");
      var problems = self.problems.filter(function (p) { return p.pointer === "/x-rules/" + index || (p.pointer || "").indexOf("/x-rules/" + index + "/") === 0; });
      var badge = card.querySelector("[data-rule-badge]"), list = card.querySelector("[data-rule-problems]");
      badge.hidden = !problems.length;
      badge.textContent = fill("문제 %(n)s", {n: problems.length});
      list.textContent = "";
      problems.forEach(function (p) { list.appendChild(el("div", {className: "small text-danger", text: p.message})); });
    });
  };

  // --- structure edits ------------------------------------------------------------------

  Builder.prototype.addField = function (kind, parentPath, index) {
    var self = this, path;
    this.change(null, function () {
      var list = self.listAt(parentPath);
      var field = self.newField(kind, list);
      if (index === undefined || index === null) { index = list.length; }
      list.splice(index, 0, field);
      path = parentPath.concat([index]);
    });
    this.selected = path;
    this.drawFields();
    this.drawProperties();
    this.drawRules();
    var title = this.q("[data-fb-properties] input");
    if (title) { title.focus(); title.select(); }
  };
  Builder.prototype.addFromPalette = function (kind) {
    var parent = [], index = null;
    var current = this.fieldAt(this.selected);
    if (current && NESTED[current.kind] && !NESTED[kind]) { parent = this.selected; }
    else if (current) { parent = this.selected.slice(0, -1); index = this.selected[this.selected.length - 1] + 1; }
    if (NESTED[kind] && parent.length) { parent = []; index = null; }
    this.addField(kind, parent, index);
  };
  Builder.prototype.move = function (path, delta) {
    var list = this.listAt(path.slice(0, -1)), index = path[path.length - 1], target = index + delta;
    if (target < 0 || target >= list.length) { return; }
    this.change(null, function () {
      var item = list.splice(index, 1)[0];
      list.splice(target, 0, item);
    });
    this.selected = path.slice(0, -1).concat([target]);
    this.drawFields();
    var node = this.q('[data-path="' + this.selected.join(".") + '"]');
    if (node) { node.focus(); }
  };
  Builder.prototype.moveTo = function (from, parentPath, index) {
    var self = this;
    if (parentPath.join(".").indexOf(from.join(".")) === 0 && parentPath.length >= from.length) { return; } // into itself
    var moved = this.fieldAt(from);
    if (parentPath.length && NESTED[moved.kind]) { return; }
    this.change(null, function () {
      var source = self.listAt(from.slice(0, -1));
      var target = self.listAt(parentPath);
      var at = from[from.length - 1];
      source.splice(at, 1);
      if (source === target && at < index) { index -= 1; }
      target.splice(index, 0, moved);
    });
    this.selected = parentPath.concat([index]);
    this.drawFields();
    this.drawProperties();
  };
  Builder.prototype.copy = function (path) {
    var self = this, list = this.listAt(path.slice(0, -1)), index = path[path.length - 1];
    this.change(null, function () {
      var copy = clone(list[index]);
      copy.name = self.uniqueName(copy.name + "_copy", list);
      copy.title = (copy.title || "") + " (복사)";
      if (copy.ui && copy.ui.order !== undefined) { delete copy.ui.order; }
      list.splice(index + 1, 0, copy);
    });
    this.selected = path.slice(0, -1).concat([index + 1]);
    this.drawFields();
    this.drawProperties();
    this.drawRules();
  };
  Builder.prototype.remove = function (path) {
    var list = this.listAt(path.slice(0, -1)), index = path[path.length - 1];
    this.change(null, function () { list.splice(index, 1); });
    this.selected = null;
    this.drawAll();
  };

  // --- server ---------------------------------------------------------------------------

  Builder.prototype.post = function (url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": this.options.csrf},
      body: JSON.stringify(body)}).then(function (r) { return r.json(); });
  };
  Builder.prototype.scheduleRender = function () {
    var self = this;
    clearTimeout(this.renderTimer);
    this.renderTimer = setTimeout(function () { self.render(); }, 350);
  };
  Builder.prototype.render = function () {
    var self = this, serial = ++this.serial;
    this.rendering = this.post(this.options.renderUrl, {model: this.model, key: this.options.key}).then(function (body) {
      if (serial !== self.serial) { return body; }
      self.show(body);
      return body;
    });
    return this.rendering;
  };
  Builder.prototype.validate = function () {
    var self = this, form = this.q("[data-preview-form]");
    var data = form ? new FormData(form) : new FormData();
    data.append("__model", JSON.stringify(this.model));
    data.append("__key", this.options.key || "");
    data.append("__validate", "1");
    // This request carries the current model too: a render still waiting on its timer would
    // only redraw the preview without the verdict, so it is dropped.
    clearTimeout(this.renderTimer);
    var serial = ++this.serial;
    return fetch(this.options.renderUrl, {method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": this.options.csrf}, body: data}).then(function (r) { return r.json(); }).then(function (body) {
      if (serial === self.serial) { self.show(body); }
    });
  };
  Builder.prototype.show = function (body) {
    this.schema = body.schema || null;
    this.problems = body.problems || [];
    if (body.html) { this.requiredWhen = body.required_when || {}; }
    var preview = this.q("[data-fb-preview]");
    if (body.html) {
      preview.innerHTML = body.html;
      var form = preview.querySelector("form");
      if (form) { form.dispatchEvent(new Event("change", {bubbles: true})); }
    } else {
      preview.textContent = "";
      preview.appendChild(el("p", {className: "small text-muted", text: this.problems.length ? ieumT("고칠 곳을 고치면 미리보기가 보입니다.") : ieumT("항목을 추가하면 미리보기가 보입니다.")}));
    }
    this.q("[data-fb-json]").textContent = this.schema ? JSON.stringify(this.schema, null, 2) : "";
    var list = this.q("[data-fb-problems]");
    list.textContent = "";
    this.problems.forEach(function (p) { list.appendChild(el("li", {}, [p.pointer ? el("code", {text: p.pointer}) : null, " " + p.message])); });
    if (!this.problems.length) { list.appendChild(el("li", {className: "text-success list-unstyled", text: ieumT("문제가 없습니다.")})); }
    var count = this.q("[data-fb-problem-count]");
    count.textContent = String(this.problems.length);
    count.className = "badge " + (this.problems.length ? "text-bg-danger" : "text-bg-success");
    var formProblems = this.q('[data-fb-problems-for="form"]');
    formProblems.textContent = "";
    this.problems.filter(function (p) { return ["/title", "/version", "/properties", "/description", ""].indexOf(p.pointer) >= 0; })
      .forEach(function (p) { formProblems.appendChild(el("div", {className: "small text-danger", text: p.message})); });
    this.drawFields();
    this.markRules();
    var panelProblems = this.q('[data-testid="field-problems"]');
    if (this.selected) {
      var fresh = this.problemsFor(this.selected);
      if (panelProblems) { panelProblems.remove(); }
      if (fresh.length) {
        var panel = this.q("[data-fb-properties]");
        panel.insertBefore(el("div", {className: "alert alert-danger small py-1 px-2", "data-testid": "field-problems"},
          fresh.map(function (p) { return el("div", {text: p.message}); })), panel.firstChild);
      }
    }
    if (this.options.onSchema && this.schema) { this.options.onSchema(this.schema, this.problems); }
  };

  // --- events ---------------------------------------------------------------------------

  Builder.prototype.bind = function () {
    var self = this, root = this.root;
    root.querySelectorAll("[data-fb-form]").forEach(function (input) {
      input.addEventListener("input", function () {
        var key = input.getAttribute("data-fb-form");
        self.change("form-" + key, function () {
          if (key === "version") { self.model.version = numberOrNull(input.value, true) || 1; }
          else if (key === "description" && !input.value) { delete self.model.description; }
          else { self.model[key] = input.value; }
        });
      });
    });
    root.querySelector("[data-fb-palette]").addEventListener("click", function (event) {
      var button = event.target.closest("[data-kind]");
      if (button) { self.addFromPalette(button.getAttribute("data-kind")); }
    });
    root.querySelector("[data-fb-palette]").addEventListener("dragstart", function (event) {
      var button = event.target.closest("[data-kind]");
      if (button) { event.dataTransfer.setData("text/x-ieum-kind", button.getAttribute("data-kind")); event.dataTransfer.effectAllowed = "copy"; }
    });
    var list = root.querySelector("[data-fb-fields]");
    list.addEventListener("click", function (event) {
      var node = event.target.closest("[data-path]");
      if (!node) { return; }
      var path = node.getAttribute("data-path").split(".").map(Number);
      var act = event.target.closest("[data-act]");
      if (act) {
        event.stopPropagation();
        var what = act.getAttribute("data-act");
        if (what === "up") { self.move(path, -1); }
        if (what === "down") { self.move(path, 1); }
        if (what === "copy") { self.copy(path); }
        if (what === "delete") { self.remove(path); }
        return;
      }
      self.selected = path;
      self.coalesce = null;
      self.drawFields();
      self.drawProperties();
    });
    list.addEventListener("keydown", function (event) {
      var node = event.target.closest("[data-path]");
      if (!node || event.target !== node) { return; }
      var path = node.getAttribute("data-path").split(".").map(Number);
      if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
        event.preventDefault();
        self.move(path, event.key === "ArrowUp" ? -1 : 1);
      } else if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        self.selected = path; self.drawFields(); self.drawProperties();
      } else if (event.key === "Delete") {
        event.preventDefault(); self.remove(path);
      }
    });
    list.addEventListener("dragstart", function (event) {
      var node = event.target.closest("[data-path]");
      if (node) { event.dataTransfer.setData("text/x-ieum-path", node.getAttribute("data-path")); event.dataTransfer.effectAllowed = "move"; }
    });
    function dropTarget(event) {
      var node = event.target.closest("[data-path], [data-drop-into]");
      if (!node) { return null; }
      if (node.hasAttribute("data-drop-into")) {
        var into = node.getAttribute("data-drop-into");
        var parent = into === "" ? [] : into.split(".").map(Number);
        return {node: node, parent: parent, index: self.listAt(parent).length};
      }
      var path = node.getAttribute("data-path").split(".").map(Number);
      return {node: node, parent: path.slice(0, -1), index: path[path.length - 1]};
    }
    list.addEventListener("dragover", function (event) {
      var target = dropTarget(event);
      if (!target) { return; }
      event.preventDefault();
      list.querySelectorAll(".fb-drop-before").forEach(function (n) { n.classList.remove("fb-drop-before"); });
      target.node.classList.add("fb-drop-before");
    });
    list.addEventListener("dragleave", function (event) {
      if (event.target.classList) { event.target.classList.remove("fb-drop-before"); }
    });
    list.addEventListener("drop", function (event) {
      var target = dropTarget(event);
      list.querySelectorAll(".fb-drop-before").forEach(function (n) { n.classList.remove("fb-drop-before"); });
      if (!target) { return; }
      event.preventDefault();
      event.stopPropagation();
      var kind = event.dataTransfer.getData("text/x-ieum-kind");
      var from = event.dataTransfer.getData("text/x-ieum-path");
      if (kind) {
        if (NESTED[kind] && target.parent.length) { return; }
        self.addField(kind, target.parent, target.index);
      } else if (from) {
        self.moveTo(from.split(".").map(Number), target.parent, target.index);
      }
    });
    root.querySelector("[data-fb-add-rule]").addEventListener("click", function () {
      self.change(null, function () { self.model.rules = self.model.rules || []; self.model.rules.push({rule: "", message: ""}); });
      self.drawRules();
      var areas = root.querySelectorAll("[data-fb-rules] textarea");
      if (areas.length) { areas[areas.length - 1].focus(); }
    });
    root.querySelector("[data-fb-rules]").addEventListener("click", function (event) {
      var button = event.target.closest("[data-rule-delete]");
      if (!button) { return; }
      var index = Number(button.getAttribute("data-rule-delete"));
      self.change(null, function () { self.model.rules.splice(index, 1); });
      self.drawRules();
    });
    root.querySelectorAll("[data-fb-tab]").forEach(function (tab) {
      tab.addEventListener("click", function () {
        var name = tab.getAttribute("data-fb-tab");
        root.querySelectorAll("[data-fb-tab]").forEach(function (t) {
          var on = t === tab;
          t.classList.toggle("active", on);
          t.setAttribute("aria-selected", on ? "true" : "false");
        });
        root.querySelectorAll("[data-fb-pane]").forEach(function (pane) { pane.hidden = pane.getAttribute("data-fb-pane") !== name; });
      });
    });
    root.querySelector("[data-fb-validate]").addEventListener("click", function () { self.validate(); });
    root.querySelector("[data-fb-preview]").addEventListener("submit", function (event) { event.preventDefault(); });
    document.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey)) { return; }
      var key = event.key.toLowerCase();
      if (self.options.mode === "embed" && !root.contains(document.activeElement)) { return; }
      if (event.target && event.target.closest && event.target.closest("[data-preview-form]")) { return; }
      if (key === "z" && !event.shiftKey) { event.preventDefault(); self.undo(); }
      else if ((key === "z" && event.shiftKey) || key === "y") { event.preventDefault(); self.redo(); }
    });
  };

  // --- loading and saving (page mode) ---------------------------------------------------

  Builder.prototype.load = function (body) {
    var self = this;
    return this.post(this.options.modelUrl, {body: body}).then(function (answer) {
      self.model = answer.model;
      self.history = []; self.future = []; self.dirty = false;
      self.drawAll();
      return self.render();
    });
  };

  function status(text, kind) {
    var node = document.querySelector("[data-fb-status]");
    if (node) { node.textContent = text; node.className = "badge " + (kind || "text-bg-light border"); }
  }
  function message(text, kind) {
    var node = document.querySelector("[data-fb-message]");
    if (node) { node.textContent = text; node.className = "small mb-2 " + (kind || ""); }
  }

  Builder.prototype.put = function (url, base) {
    var self = this;
    return this.render().then(function (body) {
      return fetch(url, {method: "PUT", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": self.options.csrf},
        body: JSON.stringify({body: body.schema, base_version: base, note: "양식 빌더에서 저장"})});
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) { return {status: response.status, body: answer}; });
    });
  };

  Builder.prototype.save = function () {
    var self = this;
    message(ieumT("저장하는 중…"), "text-muted");
    return this.put(this.options.documentUrl, this.version).then(function (result) {
      if (result.status === 200) {
        self.version = result.body.version;
        self.dirty = false;
        status(fill("v%(n)s 저장됨", {n: self.version}), "text-bg-success");
        var problems = result.body.problems || [];
        message(problems.length ? fill("저장했습니다. 고칠 곳이 %(n)s개 있습니다 (문제 탭).", {n: problems.length}) : ieumT("저장했습니다."), problems.length ? "text-warning-emphasis" : "text-success");
        if (problems.length) { self.problems = problems; self.drawFields(); }
      } else {
        message((result.body && (result.body.message || result.body.error)) || fill("저장하지 못했습니다 (%(status)s).", {status: result.status}), "text-danger");
      }
    }).catch(function () { message(ieumT("저장하지 못했습니다. 연결을 확인하세요."), "text-danger"); });
  };

  Builder.prototype.duplicate = function (key) {
    var self = this;
    if (!/^[a-z][a-z0-9_]*$/.test(key)) { message(ieumT("새 양식 키는 영문 소문자로 시작하고 영문 소문자·숫자·_만 씁니다."), "text-danger"); return; }
    var url = this.options.documentUrl.replace("/" + this.options.key + "/", "/" + key + "/");
    fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (response.status !== 404) { message(fill("'%(key)s' 양식이 이미 있습니다. 다른 키를 쓰세요.", {key: key}), "text-danger"); return null; }
      return self.put(url, null).then(function (result) {
        if (result.status === 200) {
          self.dirty = false;
          window.location.href = self.options.editUrlTemplate.replace("__key__", key);
        } else {
          message((result.body && (result.body.message || result.body.error)) || ieumT("복제하지 못했습니다."), "text-danger");
        }
      });
    });
  };

  function mountPage(root) {
    var options = {
      mode: "page", key: root.getAttribute("data-key"), csrf: root.getAttribute("data-csrf"),
      documentUrl: root.getAttribute("data-document-url"), modelUrl: root.getAttribute("data-model-url"),
      renderUrl: root.getAttribute("data-render-url"), expressionUrl: root.getAttribute("data-expression-url"),
      editUrlTemplate: root.getAttribute("data-edit-url-template")
    };
    var builder = new Builder(root, options);
    builder.bind();
    window.addEventListener("beforeunload", function (event) {
      if (builder.dirty) { event.preventDefault(); event.returnValue = ""; }
    });
    document.querySelector("[data-fb-undo]").addEventListener("click", function () { builder.undo(); });
    document.querySelector("[data-fb-redo]").addEventListener("click", function () { builder.redo(); });
    document.querySelector("[data-fb-save]").addEventListener("click", function () { builder.save(); });
    document.querySelector("[data-fb-duplicate]").addEventListener("click", function () {
      builder.duplicate(document.querySelector("[data-fb-duplicate-key]").value.trim());
    });
    fetch(options.documentUrl, {credentials: "same-origin"}).then(function (response) {
      if (response.status === 404) {
        builder.model = {title: "새 양식", version: 1, fields: [], rules: [], extra: {"$schema": "https://json-schema.org/draft/2020-12/schema"}};
        builder.drawAll();
        status(ieumT("새 양식 (저장 전)"), "text-bg-warning");
        return builder.render();
      }
      return response.json().then(function (doc) {
        builder.version = doc.version;
        var titles = JSON.parse(root.getAttribute("data-status-titles") || "{}");
        var state = titles[doc.status] || doc.status || "";
        status(doc.version ? "v" + doc.version + " · " + state : state || ieumT("배포본"), "text-bg-light border");
        return builder.load(doc.body);
      });
    }).catch(function () { message(ieumT("양식을 불러오지 못했습니다."), "text-danger"); });
    window.ieumFormBuilder = builder;
  }

  function mountEmbedded(root) {
    var input = document.getElementById(root.getAttribute("data-input"));
    var options = {
      mode: "embed", key: root.getAttribute("data-key") || "annex", csrf: root.getAttribute("data-csrf"),
      modelUrl: root.getAttribute("data-model-url"), renderUrl: root.getAttribute("data-render-url"),
      expressionUrl: root.getAttribute("data-expression-url"),
      onSchema: function (schema) { input.value = JSON.stringify(schema, null, 2); }
    };
    var builder = new Builder(root, options);
    builder.bind();
    root.querySelector("[data-fb-undo]").addEventListener("click", function () { builder.undo(); });
    root.querySelector("[data-fb-redo]").addEventListener("click", function () { builder.redo(); });
    var body;
    try { body = JSON.parse(input.value || "{}"); } catch (error) { body = null; }
    if (!body || typeof body !== "object") {
      root.hidden = true;  // the JSON cannot be read: the textarea stays the editor
      input.closest("[data-annex-json]").open = true;
      return;
    }
    builder.load(body);
    var form = input.form;
    if (form) {
      form.addEventListener("submit", function (event) {
        if (!builder.dirty || builder.submitting) { return; }
        event.preventDefault();
        builder.submitting = true;
        builder.render().then(function () { builder.dirty = false; form.requestSubmit ? form.requestSubmit(event.submitter) : form.submit(); });
      });
    }
    input.addEventListener("change", function () {
      try { builder.load(JSON.parse(input.value)); } catch (error) { /* the server reports bad JSON on save */ }
    });
    root.ieumFormBuilder = builder;
  }

  function start() {
    document.querySelectorAll(".fb-root").forEach(function (root) {
      if (root.getAttribute("data-mounted")) { return; }
      root.setAttribute("data-mounted", "1");
      if (root.getAttribute("data-mode") === "embed") { mountEmbedded(root); } else { mountPage(root); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
