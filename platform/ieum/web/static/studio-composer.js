/* The content studio's profile composer and unit function editor (studio_composer).
 *
 * Each page keeps the document's body (the profile or the manifest as a JSON object) as its
 * model; every change goes through commit(), which keeps the undo history, marks the page
 * unsaved, draws it again and asks the server for problems (and the reuse figure). Loading and
 * saving use the studio's document endpoints (GET/PUT /content/<kind>/<key>/document).
 * No inline script: the page's data comes in the root element's data-context attribute.
 */
(function () {
  "use strict";

  // ieumT with %(name)s placeholders filled from values
  function tr(text, values) {
    return ieumT(text).replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  const root = document.querySelector("[data-composer]");
  if (!root) return;
  const ctx = JSON.parse(root.dataset.context);
  const $ = (role) => root.querySelector(`[data-role="${role}"]`);

  // --- small DOM helper ------------------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(el.dataset, value);
      else if (key === "value") el.value = value;
      else if (key === "checked") el.checked = !!value;
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  function fill(el, ...children) {  // replaceChildren without the null/false placeholders
    el.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  }
  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;
  const clone = (value) => JSON.parse(JSON.stringify(value));
  const ptr = (...parts) => parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");

  // --- the editor core: history, dirty state, load, save, problems ------------------------------
  const editor = {
    body: null, version: null, undo: [], redo: [], dirty: false, problems: [], serverProblems: [],
    render: () => {}, live: null, liveTimer: null,
  };

  function commit(change) {
    editor.undo.push(JSON.stringify(editor.body));
    if (editor.undo.length > 200) editor.undo.shift();
    editor.redo = [];
    change(editor.body);
    changed();
  }
  function replaceBody(body) {
    editor.undo.push(JSON.stringify(editor.body));
    editor.redo = [];
    editor.body = body;
    changed();
  }
  function changed() {
    editor.dirty = true;
    editor.serverProblems = [];
    redraw();
    scheduleLive();
  }
  function step(from, to) {
    if (!from.length) return;
    to.push(JSON.stringify(editor.body));
    editor.body = JSON.parse(from.pop());
    changed();
  }
  function redraw() {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.focus : null;
    editor.render();
    showProblems();
    root.querySelector('[data-action="undo"]').disabled = !editor.undo.length;
    root.querySelector('[data-action="redo"]').disabled = !editor.redo.length;
    if (focused) {
      const again = root.querySelector(`[data-focus="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }
  function scheduleLive() {
    clearTimeout(editor.liveTimer);
    editor.liveTimer = setTimeout(runLive, 250);
  }
  async function api(method, url, payload) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": root.dataset.csrf},
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    return {status: response.status, ok: response.ok, data: data || {}};
  }
  async function runLive() {
    if (!editor.live) return;
    const sent = editor.body;
    const answer = await api("POST", root.dataset.liveUrl, editor.live(sent));
    if (sent !== editor.body && JSON.stringify(sent) !== JSON.stringify(editor.body)) return;
    if (answer.ok) {
      editor.problems = answer.data.problems || [];
      if (editor.onLive) editor.onLive(answer.data);
      showProblems();
    }
  }
  function message(text, kind) {
    const box = $("message");
    box.className = `alert alert-${kind}`;
    box.textContent = text;
  }
  function showStatus(status, version) {
    $("status").textContent = status;
    $("version").textContent = version === null ? ieumT("아직 저장한 판 없음") : tr("버전 %(n)s", {n: version});
  }
  function allProblems() {
    const seen = new Set();
    return [...editor.problems, ...editor.serverProblems].filter((p) => {
      const key = `${p.pointer}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  function targetOf(pointer) {
    let current = pointer || "";
    for (;;) {
      const el = root.querySelector(`[data-pointer="${CSS.escape(current)}"]`);
      if (el) return el;
      if (!current) return null;
      current = current.slice(0, current.lastIndexOf("/"));
    }
  }
  function showProblems() {
    root.querySelectorAll(".composer-problem").forEach((el) => el.remove());
    root.querySelectorAll(".has-problem").forEach((el) => el.classList.remove("has-problem"));
    const list = $("problems");
    list.replaceChildren();
    const problems = allProblems();
    $("problem-count").textContent = problems.length;
    $("problem-count").className = `badge ${problems.length ? "text-bg-danger" : "text-bg-success"}`;
    if (!problems.length) {
      list.append(h("li", {class: "list-group-item small text-success", text: ieumT("문제가 없습니다.")}));
    }
    for (const problem of problems) {
      const target = targetOf(problem.pointer);
      list.append(h("li", {class: "list-group-item small"},
        h("button", {type: "button", class: "btn btn-link btn-sm p-0 text-start composer-problem-link",
                     onclick: () => { if (target) { target.scrollIntoView({block: "center"});
                       const input = target.matches("input,select,textarea") ? target
                         : target.querySelector("input,select,textarea,button"); if (input) input.focus(); } }},
          problem.message),
        problem.pointer ? h("code", {class: "d-block text-body-secondary", text: problem.pointer}) : null));
      if (target && target !== root) {
        const closed = target.closest(".composer-item-settings.d-none");
        if (closed) closed.classList.remove("d-none");
        const note = h("div", {class: "composer-problem", role: "note", text: problem.message});
        target.classList.add("has-problem");
        if (target.tagName === "TR") target.lastElementChild.append(note);
        else if (target.matches("input,select,textarea")) target.insertAdjacentElement("afterend", note);
        else target.append(note);
      }
    }
  }
  async function load(emptyBody) {
    const answer = await api("GET", root.dataset.documentUrl);
    if (answer.status === 404) {
      editor.body = emptyBody();
      editor.version = null;
      showStatus(ieumT("새 문서"), null);
      editor.isNew = true;
    } else if (answer.ok) {
      editor.body = answer.data.body;
      editor.version = answer.data.version;
      editor.serverProblems = answer.data.problems || [];
      if (answer.data.package) $("package").value = answer.data.package;
      showStatus(statusTitle(answer.data.status), answer.data.version);
    } else {
      message(answer.data.error || ieumT("문서를 불러오지 못했습니다."), "danger");
      return false;
    }
    redraw();
    scheduleLive();
    return true;
  }
  function statusTitle(status) {
    return {draft: ieumT("초안"), submitted: ieumT("검토 중"), approved: ieumT("승인됨"), published: ieumT("게시됨"),
            returned: ieumT("반려됨"), live: ieumT("게시본"), shipped: ieumT("게시본")}[status] || status || ieumT("게시본");
  }
  async function save() {
    const note = $("note").value.trim();
    const payload = {body: editor.body, base_version: editor.version, note};
    const pkg = $("package").value.trim();
    if (pkg) payload.package = pkg;
    const answer = await api("PUT", root.dataset.documentUrl, payload);
    if (answer.ok) {
      editor.version = answer.data.version;
      if (answer.data.package) $("package").value = answer.data.package;
      editor.dirty = false;
      editor.serverProblems = answer.data.problems || [];
      $("note").value = "";
      showStatus(ieumT("초안"), editor.version);
      const count = editor.serverProblems.length;
      message(count ? tr("저장했습니다 (버전 %(n)s). 고칠 문제 %(count)s건이 있습니다.", {n: editor.version, count})
                    : tr("저장했습니다 (버전 %(n)s).", {n: editor.version}),
              count ? "warning" : "success");
      showProblems();
    } else {
      message(answer.data.error || tr("저장하지 못했습니다 (%(status)s).", {status: answer.status}), "danger");
    }
  }
  root.querySelector('[data-action="undo"]').addEventListener("click", () => step(editor.undo, editor.redo));
  root.querySelector('[data-action="redo"]').addEventListener("click", () => step(editor.redo, editor.undo));
  root.querySelector('[data-action="save"]').addEventListener("click", save);
  root.querySelector('[data-action="full-check"]').addEventListener("click", async () => {
    // the studio's check: ieum check's loader over the live content and this package's drafts
    message(ieumT("전체 검사 중…"), "info");
    const payload = {body: editor.body};
    const pkg = $("package").value.trim();
    if (pkg) payload.package = pkg;
    const answer = await api("POST", root.dataset.checkUrl, payload);
    if (!answer.ok) { message(answer.data.error || ieumT("검사하지 못했습니다."), "danger"); return; }
    editor.serverProblems = answer.data.problems || [];
    showProblems();
    const count = editor.serverProblems.length;
    message(count ? tr("전체 검사: 고칠 문제 %(count)s건", {count}) : ieumT("전체 검사: 문제가 없습니다."), count ? "warning" : "success");
  });
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey)) return;
    const key = event.key.toLowerCase();
    const typing = event.target.matches && event.target.matches("input[type=text],input[type=search],input:not([type]),textarea");
    if (key === "s") { event.preventDefault(); save(); return; }
    if (typing) return;  // the field's own undo
    if (key === "z" && !event.shiftKey) { event.preventDefault(); step(editor.undo, editor.redo); }
    else if ((key === "z" && event.shiftKey) || key === "y") { event.preventDefault(); step(editor.redo, editor.undo); }
  });
  window.addEventListener("beforeunload", (event) => {
    if (!editor.dirty) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // --- form controls bound to the body -----------------------------------------------------------
  function textField(label, value, pointer, onChange, options = {}) {
    const id = nextId("f");
    const input = options.multiline
      ? h("textarea", {class: "form-control form-control-sm", id, rows: 2, "data-focus": pointer})
      : h("input", {class: "form-control form-control-sm", id, type: options.type || "text",
                    readonly: options.readonly, "data-focus": pointer,
                    placeholder: options.placeholder, pattern: options.pattern});
    input.value = value === undefined || value === null ? "" : value;
    input.addEventListener("change", () => onChange(input.value));
    return h("div", {class: options.col || "col-md-6", "data-pointer": pointer},
      h("label", {class: "form-label small mb-1", for: id, text: label}), input);
  }
  function setKey(object, key, value) {
    if (value === "" || value === null || value === undefined) delete object[key];
    else object[key] = value;
  }

  // ============================================================================================
  // The profile composer
  // ============================================================================================
  function profilePage() {
    const units = Object.fromEntries(ctx.units.map((unit) => [unit.id, unit]));
    const actionOrder = ctx.action_order;
    const actionTitle = (action) => action === "*" ? ieumT("전체") : (ctx.actions[action] || action);
    let matrixRole = null;
    let search = "";
    let reuse = null;
    const openItems = new Set();  // menu items whose settings are open

    editor.live = (body) => ({body});
    editor.onLive = (data) => { reuse = data.reuse; drawReuse(); };
    editor.render = () => { drawBasics(); drawMenu(); drawPalette(); drawRoles(); drawMatrix(); drawExclusive(); };

    const body = () => editor.body;
    const menu = () => (Array.isArray(body().menu) ? body().menu : []);
    const roles = () => (Array.isArray(body().roles) ? body().roles : []);
    const base = () => (body().extends && ctx.bases[body().extends]) || {roles: {}, keys: {}};
    const menuUnits = () => menu().flatMap((group) => (group.items || []).map((item) => item.unit));
    // the units the grants are about: the menu's, or every unit for a base (abstract) profile
    const grantUnits = () => (body().abstract ? ctx.units.map((unit) => unit.id) : menuUnits());

    // --- basics
    function drawBasics() {
      const box = $("basics");
      const inherited = base().keys;
      const b = body();
      const extendsSelect = h("select", {class: "form-select form-select-sm", id: "profile-extends", "data-focus": "/extends"},
        h("option", {value: "", text: ieumT("없음 (모든 것을 이 프로필에 적기)")}),
        ctx.profiles.filter((p) => p.code !== b.code).map((p) =>
          h("option", {value: p.code, text: `${p.title} (${p.code})${p.abstract ? ieumT(" · 기본 프로필") : ""}`})));
      extendsSelect.value = b.extends || "";
      extendsSelect.addEventListener("change", () => commit((d) => setKey(d, "extends", extendsSelect.value)));
      fill(box, 
        textField(ieumT("코드"), b.code, "/code", () => {}, {readonly: true, col: "col-md-3"}),
        textField(ieumT("이름 (시설유형)"), b.title, "/title", (v) => commit((d) => setKey(d, "title", v)), {col: "col-md-5"}),
        h("div", {class: "col-md-4", "data-pointer": "/extends"},
          h("label", {class: "form-label small mb-1", for: "profile-extends", text: ieumT("물려받을 기본 프로필 (extends)")}), extendsSelect),
        textField(ieumT("설명"), b.description, "/description", (v) => commit((d) => setKey(d, "description", v)), {multiline: true, col: "col-12"}),
        textField(ieumT("대상 집단"), b.target_group, "/target_group", (v) => commit((d) => setKey(d, "target_group", v)),
                  {col: "col-md-3", placeholder: inherited.target_group ? tr("기본: %(value)s", {value: inherited.target_group}) : ieumT("예: child")}),
        textField(ieumT("근거 법령"), b.statute, "/statute", (v) => commit((d) => setKey(d, "statute", v)),
                  {col: "col-md-5", placeholder: inherited.statute ? tr("기본: %(value)s", {value: inherited.statute}) : ""}),
        textField(ieumT("시설 종류 코드 (6자리)"), b.official_kind_code, "/official_kind_code",
                  (v) => commit((d) => setKey(d, "official_kind_code", v)),
                  {col: "col-md-4", placeholder: inherited.official_kind_code ? tr("기본: %(value)s", {value: inherited.official_kind_code}) : ieumT("예: 020101")}),
        b.abstract ? h("p", {class: "col-12 small text-body-secondary mb-0"},
          ieumT("이 프로필은 다른 프로필이 물려받는 기본 프로필(abstract)입니다. 메뉴가 없습니다.")) : null,
      );
    }

    // --- the menu tree
    function moveItem(from, to) {  // from: [g, i]; to: [g, index] (index in the list before removal)
      commit((d) => {
        const [item] = d.menu[from[0]].items.splice(from[1], 1);
        let index = to[1];
        if (from[0] === to[0] && from[1] < index) index -= 1;
        d.menu[to[0]].items.splice(index, 0, item);
      });
    }
    function insertUnit(unitId, g, index) {
      if (menuUnits().includes(unitId)) {
        message(tr("단위기능 '%(unit)s'은(는) 이미 메뉴에 있습니다.", {unit: (units[unitId] || {}).title || unitId}), "warning");
        return;
      }
      commit((d) => {
        if (!Array.isArray(d.menu)) d.menu = [];
        if (!d.menu.length) d.menu.push({group: "새 메뉴 묶음", items: []});
        const group = d.menu[Math.min(g, d.menu.length - 1)];
        group.items = group.items || [];
        group.items.splice(index === undefined ? group.items.length : index, 0, {unit: unitId});
      });
      message(tr("「%(unit)s」을(를) 메뉴에 넣었습니다.", {unit: (units[unitId] || {}).title || unitId}), "success");
    }
    function dropIndex(list, clientY) {
      const items = [...list.querySelectorAll(":scope > li.composer-item")];
      for (let index = 0; index < items.length; index += 1) {
        const box = items[index].getBoundingClientRect();
        if (clientY < box.top + box.height / 2) return index;
      }
      return items.length;
    }
    function clearDropMarks() {
      root.querySelectorAll(".drop-before,.drop-end").forEach((el) => el.classList.remove("drop-before", "drop-end"));
    }
    function dropZone(list, g) {
      list.addEventListener("dragover", (event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        clearDropMarks();
        const index = dropIndex(list, event.clientY);
        const items = list.querySelectorAll(":scope > li.composer-item");
        if (index < items.length) items[index].classList.add("drop-before");
        else list.classList.add("drop-end");
      });
      list.addEventListener("dragleave", (event) => { if (!list.contains(event.relatedTarget)) clearDropMarks(); });
      list.addEventListener("drop", (event) => {
        event.preventDefault();
        clearDropMarks();
        const data = event.dataTransfer.getData("text/plain");
        const index = dropIndex(list, event.clientY);
        if (data.startsWith("unit:")) insertUnit(data.slice(5), g, index);
        else if (data.startsWith("item:")) {
          const [, fg, fi] = data.split(":").map(Number);
          moveItem([fg, fi], [g, index]);
        }
      });
    }
    function parameterInput(param, value, pointer, onValue) {
      const id = nextId("p");
      let input;
      if (param.type === "boolean") {
        input = h("select", {class: "form-select form-select-sm", id, "data-focus": pointer},
          h("option", {value: "", text: tr("기본값 (%(value)s)", {value: param.default ? ieumT("예") : ieumT("아니오")})}),
          h("option", {value: "true", text: ieumT("예")}), h("option", {value: "false", text: ieumT("아니오")}));
        input.value = value === undefined ? "" : String(value);
        input.addEventListener("change", () => onValue(input.value === "" ? undefined : input.value === "true"));
      } else if (Array.isArray(param.enum)) {
        input = h("select", {class: "form-select form-select-sm", id, "data-focus": pointer},
          h("option", {value: "", text: tr("기본값 (%(value)s)", {value: param.default})}),
          param.enum.map((choice, index) => h("option", {value: String(index), text: String(choice)})));
        const at = param.enum.findIndex((choice) => choice === value);
        input.value = at < 0 ? "" : String(at);
        input.addEventListener("change", () => onValue(input.value === "" ? undefined : param.enum[Number(input.value)]));
      } else if (param.type === "integer" || param.type === "number") {
        input = h("input", {class: "form-control form-control-sm", id, type: "number", "data-focus": pointer,
                            step: param.type === "integer" ? "1" : "any", min: param.minimum, max: param.maximum,
                            placeholder: tr("기본값 %(value)s", {value: param.default})});
        input.value = value === undefined ? "" : String(value);
        input.addEventListener("change", () => {
          if (input.value === "") return onValue(undefined);
          const number = Number(input.value);
          onValue(param.type === "integer" && Number.isInteger(number) ? number
                  : param.type === "integer" ? input.value : number);
        });
      } else {
        input = h("input", {class: "form-control form-control-sm", id, type: "text", "data-focus": pointer,
                            placeholder: tr("기본값 %(value)s", {value: param.default})});
        input.value = value === undefined ? "" : String(value);
        input.addEventListener("change", () => onValue(input.value === "" ? undefined : input.value));
      }
      const types = {integer: ieumT("정수"), number: ieumT("숫자"), string: ieumT("글자"), boolean: ieumT("예/아니오")};
      return h("div", {class: "col-sm-6", "data-pointer": pointer},
        h("label", {class: "form-label small mb-1", for: id},
          param.title, " ", h("span", {class: "badge text-bg-light border", text: types[param.type] || param.type})),
        input, param.description ? h("div", {class: "form-text", text: param.description}) : null);
    }
    function drawItem(item, g, i, count) {
      const here = ptr("menu", g, "items", i);
      const unit = units[item.unit];
      const title = unit ? unit.title : item.unit;
      const shown = item.title || title;  // the name the menu shows
      const overrides = item.parameters || {};
      const li = h("li", {class: "composer-item", draggable: "true", "data-pointer": here,
                          "data-unit": item.unit, "data-testid": `menu-item-${item.unit}`,
        ondragstart: (event) => {
          event.dataTransfer.setData("text/plain", `item:${g}:${i}`);
          event.dataTransfer.effectAllowed = "move";
          li.classList.add("dragging");
        },
        ondragend: () => li.classList.remove("dragging")});
      const params = unit ? unit.parameters : [];
      const open = openItems.has(item.unit);
      const panelId = `settings-${item.unit}`;
      const details = h("div", {class: `composer-item-settings row g-2${open ? "" : " d-none"}`, id: panelId},
        textField(ieumT("메뉴에 보일 이름"), item.title, here + "/title",
                  (v) => commit((d) => setKey(d.menu[g].items[i], "title", v)),
                  {placeholder: title, col: "col-12"}),
        params.map((param) => parameterInput(param, overrides[param.name], here + "/parameters" + ptr(param.name),
          (value) => commit((d) => {
            const target = d.menu[g].items[i];
            const next = Object.assign({}, target.parameters || {});
            if (value === undefined) delete next[param.name]; else next[param.name] = value;
            if (Object.keys(next).length) target.parameters = next; else delete target.parameters;
          }))));
      const toggle = h("button", {type: "button", class: `btn btn-outline-secondary${open ? " active" : ""}`,
                                  "aria-expanded": open ? "true" : "false", "aria-controls": panelId,
                                  "aria-label": tr("%(item)s 설정", {item: shown}), "data-focus": `settings:${item.unit}`,
                                  text: params.length ? ieumT("설정·매개변수") : ieumT("설정"),
                                  onclick: () => { if (openItems.has(item.unit)) openItems.delete(item.unit); else openItems.add(item.unit); redraw(); }});
      const groups = menu().length;
      li.append(
        h("div", {class: "composer-item-head"},
          h("span", {class: "composer-grip", "aria-hidden": "true", text: "⠿"}),
          h("span", {class: "composer-item-title"}, item.title || title,
            unit ? null : h("span", {class: "badge text-bg-danger ms-1", text: ieumT("없는 단위기능")})),
          h("code", {class: "small text-body-secondary", text: item.unit}),
          Object.keys(overrides).length ? h("span", {class: "badge text-bg-info", text: tr("매개변수 %(n)s", {n: Object.keys(overrides).length})}) : null,
          h("span", {class: "ms-auto btn-group btn-group-sm"}, toggle,
            h("button", {type: "button", class: "btn btn-outline-secondary", "aria-label": tr("%(item)s 위로", {item: shown}),
                         "data-focus": `up:${item.unit}`, disabled: g === 0 && i === 0,
                         onclick: () => (i > 0 ? moveItem([g, i], [g, i - 1]) : moveItem([g, i], [g - 1, menu()[g - 1].items.length])),
                         text: "↑"}),
            h("button", {type: "button", class: "btn btn-outline-secondary", "aria-label": tr("%(item)s 아래로", {item: shown}),
                         "data-focus": `down:${item.unit}`, disabled: g === groups - 1 && i === count - 1,
                         onclick: () => (i < count - 1 ? moveItem([g, i], [g, i + 2]) : moveItem([g, i], [g + 1, 0])),
                         text: "↓"}),
            h("button", {type: "button", class: "btn btn-outline-danger", "aria-label": tr("%(item)s 빼기", {item: shown}),
                         onclick: () => commit((d) => d.menu[g].items.splice(i, 1)), text: ieumT("빼기")}))),
        details);
      return li;
    }
    function drawMenu() {
      const box = $("menu");
      fill(box, );
      if (body().abstract) {
        box.append(h("p", {class: "text-body-secondary small mb-0", text: ieumT("기본 프로필에는 메뉴가 없습니다.")}));
        return;
      }
      if (!menu().length) {
        box.append(h("p", {class: "text-body-secondary small", text: ieumT("메뉴가 비어 있습니다. 메뉴 묶음을 추가하고 팔레트에서 단위기능을 끌어오세요.")}));
      }
      menu().forEach((group, g) => {
        const here = ptr("menu", g);
        const titleId = nextId("g");
        const titleInput = h("input", {class: "form-control form-control-sm composer-group-title", id: titleId,
                                       "data-focus": here + "/group", value: group.group || ""});
        titleInput.addEventListener("change", () => commit((d) => { d.menu[g].group = titleInput.value; }));
        const list = h("ul", {class: "composer-items list-unstyled", "data-pointer": here + "/items",
                              "data-testid": `menu-group-${g}`, "aria-label": tr("%(group)s의 단위기능", {group: group.group || ieumT("메뉴 묶음")})});
        (group.items || []).forEach((item, i) => list.append(drawItem(item, g, i, group.items.length)));
        if (!(group.items || []).length) list.append(h("li", {class: "composer-empty small text-body-secondary", text: ieumT("여기로 단위기능을 끌어 놓으세요.")}));
        dropZone(list, g);
        box.append(h("div", {class: "composer-group", "data-pointer": here},
          h("div", {class: "composer-group-head d-flex gap-2 align-items-center"},
            h("label", {class: "visually-hidden", for: titleId, text: ieumT("메뉴 묶음 이름")}), titleInput,
            h("span", {class: "btn-group btn-group-sm"},
              h("button", {type: "button", class: "btn btn-outline-secondary", "aria-label": ieumT("묶음 위로"), disabled: g === 0,
                           onclick: () => commit((d) => d.menu.splice(g - 1, 0, d.menu.splice(g, 1)[0])), text: "↑"}),
              h("button", {type: "button", class: "btn btn-outline-secondary", "aria-label": ieumT("묶음 아래로"), disabled: g === menu().length - 1,
                           onclick: () => commit((d) => d.menu.splice(g + 1, 0, d.menu.splice(g, 1)[0])), text: "↓"}),
              h("button", {type: "button", class: "btn btn-outline-danger", "aria-label": ieumT("묶음 지우기"),
                           onclick: () => commit((d) => d.menu.splice(g, 1)), text: ieumT("지우기")}))),
          list));
      });
      const target = $("palette-target");
      const chosen = target.value;
      target.replaceChildren(...menu().map((group, g) => h("option", {value: String(g), text: group.group || tr("묶음 %(n)s", {n: g + 1})})));
      if (chosen && Number(chosen) < menu().length) target.value = chosen;
    }
    root.querySelector('[data-action="add-group"]').addEventListener("click", () => commit((d) => {
      if (!Array.isArray(d.menu)) d.menu = [];
      d.menu.push({group: "새 메뉴 묶음", items: []});
    }));

    // --- the palette
    function drawPalette() {
      const list = $("palette");
      const used = new Set(menuUnits());
      const words = search.trim().toLowerCase();
      list.replaceChildren(...ctx.units
        .filter((unit) => !words || unit.title.toLowerCase().includes(words) || unit.id.includes(words))
        .map((unit) => h("li", {class: `composer-palette-item${used.has(unit.id) ? " used" : ""}`, draggable: "true",
                                "data-testid": `palette-${unit.id}`, title: unit.description,
          ondragstart: (event) => { event.dataTransfer.setData("text/plain", `unit:${unit.id}`); event.dataTransfer.effectAllowed = "copyMove"; }},
          h("span", {class: "composer-grip", "aria-hidden": "true", text: "⠿"}),
          h("span", {class: "flex-grow-1"}, h("span", {class: "d-block", text: unit.title}),
            h("code", {class: "small text-body-secondary", text: unit.id})),
          used.has(unit.id) ? h("span", {class: "badge text-bg-light border", text: ieumT("메뉴에 있음")})
            : h("button", {type: "button", class: "btn btn-outline-primary btn-sm", "aria-label": tr("%(item)s 넣기", {item: unit.title}),
                           onclick: () => insertUnit(unit.id, Number($("palette-target").value || 0)), text: ieumT("넣기")}))));
    }
    $("palette-search").addEventListener("input", (event) => { search = event.target.value; drawPalette(); });

    // --- roles
    function roleIds() {
      const own = roles().map((role) => role.id);
      return [...own, ...Object.keys(base().roles).filter((id) => !own.includes(id))];
    }
    function roleTitle(id) {
      const own = roles().find((role) => role.id === id);
      return (own && own.title) || (base().roles[id] || {}).title || id;
    }
    function drawRoles() {
      const box = $("roles");
      const inherited = base().roles;
      const rows = roles().map((role, r) => {
        const here = ptr("roles", r);
        const title = h("input", {class: "form-control form-control-sm", "aria-label": tr("%(item)s 이름", {item: role.id}), "data-focus": here + "/title",
                                  placeholder: (inherited[role.id] || {}).title ? tr("기본: %(value)s", {value: inherited[role.id].title}) : ieumT("역할 이름")});
        title.value = role.title || "";
        title.addEventListener("change", () => commit((d) => setKey(d.roles[r], "title", title.value)));
        const description = h("input", {class: "form-control form-control-sm", "aria-label": tr("%(item)s 설명", {item: role.id}), "data-focus": here + "/description"});
        description.value = role.description || "";
        description.addEventListener("change", () => commit((d) => setKey(d.roles[r], "description", description.value)));
        const administers = h("input", {class: "form-check-input", type: "checkbox", "aria-label": tr("%(item)s 기관 관리", {item: role.id}),
                                        "data-focus": here + "/administers",
                                        checked: role.administers === undefined ? !!(inherited[role.id] || {}).administers : role.administers});
        administers.addEventListener("change", () => commit((d) => { d.roles[r].administers = administers.checked; }));
        return h("tr", {"data-pointer": here},
          h("td", {}, h("code", {text: role.id}), inherited[role.id] ? h("span", {class: "badge text-bg-light border ms-1", text: ieumT("기본 역할을 고침")}) : null),
          h("td", {"data-pointer": here + "/title"}, title), h("td", {}, description), h("td", {class: "text-center"}, administers),
          h("td", {}, h("button", {type: "button", class: "btn btn-outline-danger btn-sm", "aria-label": tr("%(item)s 역할 지우기", {item: role.id}),
            onclick: () => commit((d) => { d.roles.splice(r, 1); if (!d.roles.length && d.extends) delete d.roles; }),
            text: inherited[role.id] ? ieumT("기본대로") : ieumT("지우기")})));
      });
      const ownIds = roles().map((role) => role.id);
      const inheritedRows = Object.entries(inherited).filter(([id]) => !ownIds.includes(id)).map(([id, role]) =>
        h("tr", {class: "composer-inherited"},
          h("td", {}, h("code", {text: id}), h("span", {class: "badge text-bg-light border ms-1", text: ieumT("물려받음")})),
          h("td", {text: role.title || ""}), h("td", {text: role.description || ""}),
          h("td", {class: "text-center", text: role.administers ? "✓" : ""}),
          h("td", {}, h("button", {type: "button", class: "btn btn-outline-secondary btn-sm",
            onclick: () => commit((d) => { if (!Array.isArray(d.roles)) d.roles = []; d.roles.push({id}); }), text: ieumT("고치기")}))));
      const newId = h("input", {class: "form-control form-control-sm", id: "new-role-id", placeholder: ieumT("예: night_worker"), pattern: "[a-z][a-z0-9_]*"});
      const newTitle = h("input", {class: "form-control form-control-sm", id: "new-role-title", placeholder: ieumT("예: 야간 생활지도원")});
      fill(box, 
        h("div", {class: "table-responsive"}, h("table", {class: "table table-sm align-middle composer-roles", "data-testid": "roles"},
          h("thead", {}, h("tr", {}, h("th", {text: ieumT("역할 id")}), h("th", {text: ieumT("이름")}), h("th", {text: ieumT("설명")}),
            h("th", {class: "text-center", text: ieumT("기관 관리")}), h("th", {}))),
          h("tbody", {}, rows, inheritedRows))),
        h("div", {class: "row g-2 align-items-end composer-new-role", "data-role": "new-role"},
          h("div", {class: "col-sm-4"}, h("label", {class: "form-label small mb-1", for: "new-role-id", text: ieumT("새 역할 id")}), newId),
          h("div", {class: "col-sm-5"}, h("label", {class: "form-label small mb-1", for: "new-role-title", text: ieumT("새 역할 이름")}), newTitle),
          h("div", {class: "col-sm-3"}, h("button", {type: "button", class: "btn btn-outline-primary btn-sm w-100", "data-action": "create-role",
            onclick: () => {
              const id = newId.value.trim();
              if (!/^[a-z][a-z0-9_]*$/.test(id)) { message(ieumT("역할 id는 영문 소문자로 시작하고 영문 소문자·숫자·밑줄만 씁니다."), "warning"); newId.focus(); return; }
              if (roleIds().includes(id)) { message(tr("역할 '%(id)s'이(가) 이미 있습니다.", {id}), "warning"); return; }
              commit((d) => { if (!Array.isArray(d.roles)) d.roles = []; d.roles.push(newTitle.value.trim() ? {id, title: newTitle.value.trim(), grants: {}} : {id, grants: {}}); });
              matrixRole = id;
              drawMatrix();
            }, text: ieumT("역할 만들기")}))));
    }
    root.querySelector('[data-action="add-role"]').addEventListener("click", () => {
      const input = root.querySelector("#new-role-id");
      if (input) { input.scrollIntoView({block: "center"}); input.focus(); }
    });

    // --- the grant matrix (one role at a time: unit function × action, and a scope per row)
    function unitActions(unitId) {
      if (unitId === "*") {
        const all = new Set(grantUnits().flatMap((id) => (units[id] || {actions: []}).actions));
        return [...all];
      }
      return (units[unitId] || {actions: []}).actions;
    }
    function expand(actions, unitId) {
      return actions.includes("*") ? unitActions(unitId) : actions.filter((a) => unitActions(unitId).includes(a));
    }
    function grantsOf(roleId) {
      const own = roles().find((role) => role.id === roleId);
      return {own: own ? (own.grants || {}) : null, base: (base().roles[roleId] || {}).grants || {}};
    }
    function effective(roleId, unitId) {  // {grant, source} as the loader resolves it
      const {own, base: inherited} = grantsOf(roleId);
      const ownGrants = own || {};
      if (unitId !== "*" && ownGrants[unitId]) return {grant: ownGrants[unitId], source: "own"};
      if (unitId === "*") {
        if (ownGrants["*"]) return {grant: ownGrants["*"], source: "own"};
        if (inherited["*"]) return {grant: inherited["*"], source: "base"};
        return {grant: null, source: "none"};
      }
      if (!(unitId in ownGrants) && inherited[unitId]) return {grant: inherited[unitId], source: "base"};
      const wildcard = ownGrants["*"] || inherited["*"];
      if (wildcard && expand(wildcard.actions, unitId).length) return {grant: wildcard, source: "wildcard"};
      return {grant: null, source: ownGrants[unitId] === null ? "removed" : "none"};
    }
    function ensureOwnRole(d, roleId) {
      if (!Array.isArray(d.roles)) d.roles = [];
      let role = d.roles.find((r) => r.id === roleId);
      if (!role) { role = {id: roleId}; d.roles.push(role); }
      if (!role.grants) role.grants = {};
      return role;
    }
    function setGrant(roleId, unitId, change) {
      commit((d) => {
        const role = ensureOwnRole(d, roleId);
        const current = effective(roleId, unitId);
        const grant = current.source === "own" ? clone(current.grant)
          : {actions: current.grant ? [...current.grant.actions] : [], scope: current.grant ? current.grant.scope : "facility"};
        change(grant);
        const inherited = ((base().roles[roleId] || {}).grants || {})[unitId];
        if (!grant.actions.length) {
          if (inherited) role.grants[unitId] = null; else delete role.grants[unitId];
        } else {
          role.grants[unitId] = {actions: grant.actions, scope: grant.scope};
        }
      });
    }
    function toggle(roleId, unitId, action, on) {
      setGrant(roleId, unitId, (grant) => {
        if (action === "*") { grant.actions = on ? ["*"] : []; return; }
        let actions = grant.actions.includes("*") ? unitActions(unitId) : grant.actions;
        actions = actions.filter((a) => a !== action);
        if (on) actions.push(action);
        grant.actions = actionOrder.filter((a) => actions.includes(a)).concat(actions.filter((a) => !actionOrder.includes(a)));
      });
    }
    function menuTitle(unitId) {  // the name the menu shows for a unit
      const item = menu().flatMap((group) => group.items || []).find((it) => it.unit === unitId);
      return (item && item.title) || (units[unitId] || {}).title || unitId;
    }
    function drawMatrix() {
      const select = $("matrix-role");
      const ids = roleIds();
      if (!ids.includes(matrixRole)) matrixRole = ids[0] || null;
      select.replaceChildren(...ids.map((id) => h("option", {value: id, text: `${roleTitle(id)} (${id})`})));
      if (matrixRole) select.value = matrixRole;
      const table = $("matrix");
      if (!matrixRole) { table.replaceChildren(h("tbody", {}, h("tr", {}, h("td", {text: ieumT("역할을 먼저 만드세요.")})))); return; }
      const rowUnits = ["*", ...grantUnits()];
      const columns = ["*", ...actionOrder.filter((a) => unitActions("*").includes(a)),
                       ...unitActions("*").filter((a) => !actionOrder.includes(a))];
      const r = roles().findIndex((role) => role.id === matrixRole);
      const head = h("thead", {}, h("tr", {}, h("th", {scope: "col", text: ieumT("단위기능")}),
        columns.map((a) => h("th", {scope: "col", class: "text-center", text: actionTitle(a)})),
        h("th", {scope: "col", text: ieumT("범위")}), h("th", {scope: "col", text: ieumT("출처")})));
      const rows = rowUnits.map((unitId) => {
        const {grant, source} = effective(matrixRole, unitId);
        const granted = grant ? expand(grant.actions, unitId) : [];
        const all = grant ? grant.actions.includes("*") : false;
        const title = unitId === "*" ? ieumT("모든 단위기능 (*)") : menuTitle(unitId);
        const cells = columns.map((action) => {
          if (action !== "*" && !unitActions(unitId).includes(action)) return h("td", {class: "text-center text-body-tertiary", text: "–"});
          const box = h("input", {type: "checkbox", class: "form-check-input", "aria-label": `${title} ${actionTitle(action)}`,
                                  "data-focus": `m:${unitId}:${action}`,
                                  checked: action === "*" ? all : granted.includes(action)});
          box.addEventListener("change", () => toggle(matrixRole, unitId, action, box.checked));
          return h("td", {class: "text-center"}, box);
        });
        const scope = h("select", {class: "form-select form-select-sm", "aria-label": tr("%(item)s 범위", {item: title}), "data-focus": `s:${unitId}`},
          ctx.scopes.map((s) => h("option", {value: s.id, text: s.title})));
        scope.value = grant ? grant.scope : "facility";
        scope.disabled = !grant;
        scope.addEventListener("change", () => setGrant(matrixRole, unitId, (g) => { g.scope = scope.value; }));
        const sources = {own: ieumT("이 프로필"), base: ieumT("기본 프로필"), wildcard: ieumT("모든 단위기능(*)"), removed: ieumT("기본 권한 해제"), none: ieumT("없음")};
        const inheritedGrant = ((base().roles[matrixRole] || {}).grants || {})[unitId];
        const reset = source === "own" || source === "removed"
          ? h("button", {type: "button", class: "btn btn-link btn-sm p-0 ms-1",
                         "aria-label": `${title}: ${inheritedGrant ? ieumT("물려받은 대로") : ieumT("권한 지우기")}`,
                         onclick: () => commit((d) => { const role = ensureOwnRole(d, matrixRole); delete role.grants[unitId]; }),
                         text: inheritedGrant ? ieumT("물려받은 대로") : ieumT("지우기")}) : null;
        return h("tr", {class: `composer-matrix-${source}`, "data-testid": `grant-row-${unitId}`,
                        "data-pointer": r >= 0 ? ptr("roles", r, "grants", unitId) : null},
          h("th", {scope: "row"}, title), cells, h("td", {}, scope),
          h("td", {class: "small"}, h("span", {text: sources[source]}), reset));
      });
      table.replaceChildren(head, h("tbody", {}, rows));
      drawOverview();
    }
    function drawOverview() {  // every role side by side: what each may do in each unit
      const box = $("overview");
      const ids = roleIds();
      const shortScope = {own: ieumT("본인"), assigned: ieumT("담당"), facility: ieumT("전체")};
      const rows = grantUnits().map((unitId) => h("tr", {},
        h("th", {scope: "row", text: menuTitle(unitId)}),
        ids.map((roleId) => {
          const {grant, source} = effective(roleId, unitId);
          const actions = grant ? expand(grant.actions, unitId) : [];
          if (!actions.length) return h("td", {class: "text-center text-body-tertiary", text: "–"});
          const names = actions.map(actionTitle).join(", ");
          return h("td", {class: `text-center composer-overview-${source}`},
            h("button", {type: "button", class: "btn btn-link btn-sm p-0", title: names,
                         "aria-label": `${roleTitle(roleId)} · ${menuTitle(unitId)}: ${names} (${shortScope[grant.scope] || grant.scope})`,
                         onclick: () => { matrixRole = roleId; drawMatrix(); showProblems();
                                          $("matrix-role").scrollIntoView({block: "center"}); }},
              tr("%(n)s개 · %(scope)s", {n: actions.length, scope: shortScope[grant.scope] || grant.scope})));
        })));
      fill(box, h("table", {class: "table table-sm table-bordered align-middle composer-overview"},
        h("thead", {}, h("tr", {}, h("th", {scope: "col", text: ieumT("단위기능")}),
          ids.map((id) => h("th", {scope: "col", class: "text-center", text: roleTitle(id)})))),
        h("tbody", {}, rows)));
    }
    $("matrix-role").addEventListener("change", (event) => { matrixRole = event.target.value; drawMatrix(); showProblems(); });

    // --- exclusive roles
    function drawExclusive() {
      const box = $("exclusive");
      const inheritedGroups = base().keys.exclusive_roles;
      const groups = Array.isArray(body().exclusive_roles) ? body().exclusive_roles : null;
      const ids = roleIds();
      const rows = (groups || []).map((group, e) => h("div", {class: "composer-exclusive d-flex flex-wrap gap-1 align-items-center mb-1", "data-pointer": ptr("exclusive_roles", e)},
        group.map((id, k) => h("span", {class: "badge text-bg-warning composer-chip", "data-pointer": ptr("exclusive_roles", e, k)}, roleTitle(id), " ",
          h("button", {type: "button", class: "btn-close btn-close-sm", "aria-label": tr("%(item)s 빼기", {item: id}),
                       onclick: () => commit((d) => { d.exclusive_roles[e].splice(k, 1); })}))),
        h("span", {class: "mx-1 text-body-secondary small", text: ieumT("은(는) 한 사람이 함께 맡을 수 없습니다.")}),
        h("button", {type: "button", class: "btn btn-outline-danger btn-sm", text: ieumT("묶음 지우기"),
                     onclick: () => commit((d) => { d.exclusive_roles.splice(e, 1); if (!d.exclusive_roles.length) delete d.exclusive_roles; })})));
      const first = h("select", {class: "form-select form-select-sm w-auto", "aria-label": ieumT("겸직 금지 첫째 역할")}, ids.map((id) => h("option", {value: id, text: roleTitle(id)})));
      const second = h("select", {class: "form-select form-select-sm w-auto", "aria-label": ieumT("겸직 금지 둘째 역할")}, ids.map((id) => h("option", {value: id, text: roleTitle(id)})));
      if (ids.length > 1) second.value = ids[1];
      fill(box, 
        groups === null && inheritedGroups ? h("p", {class: "small text-body-secondary mb-1"},
          ieumT("기본 프로필에서 물려받음: "), inheritedGroups.map((g) => g.map(roleTitle).join(" ↔ ")).join(", ")) : null,
        ...rows,
        h("div", {class: "d-flex flex-wrap gap-2 align-items-center mt-2"}, first, h("span", {text: "↔"}), second,
          h("button", {type: "button", class: "btn btn-outline-primary btn-sm", text: ieumT("겸직 금지 묶음 추가"),
            onclick: () => {
              if (first.value === second.value) { message(ieumT("서로 다른 두 역할을 고르세요."), "warning"); return; }
              commit((d) => {
                if (!Array.isArray(d.exclusive_roles)) d.exclusive_roles = clone(inheritedGroups || []);
                d.exclusive_roles.push([first.value, second.value]);
              });
            }})));
    }

    // --- the reuse figure
    function drawReuse() {
      const box = $("reuse");
      if (!reuse) { box.textContent = ieumT("계산 중…"); return; }
      const share = reuse.units ? Math.round((reuse.shared / reuse.units) * 100) : 0;
      fill(box, 
        h("p", {class: "display-6 mb-0", "data-testid": "reuse-shared"}, `${reuse.shared}/${reuse.units}`),
        h("p", {class: "small mb-2", text: tr("이 프로필의 단위기능 %(units)s개 중 %(shared)s개를 다른 시설유형과 함께 씁니다.", {units: reuse.units, shared: reuse.shared})}),
        h("div", {class: "progress mb-2", role: "progressbar", "aria-label": ieumT("함께 쓰는 단위기능 비율"), "aria-valuenow": share, "aria-valuemin": 0, "aria-valuemax": 100},
          h("div", {class: `progress-bar composer-bar-${Math.round(share / 10) * 10}`, text: `${share}%`})),
        h("p", {class: "small mb-1", "data-testid": "reuse-ratio"},
          ieumT("전체 재사용률 "), h("strong", {text: `${(reuse.reuse_ratio * 100).toFixed(1)}%`}),
          tr(" (시설유형 %(profiles)s곳, 단위기능 %(units)s개, 자리 %(slots)s개)", {profiles: reuse.profiles, units: reuse.unit_functions, slots: reuse.slots})),
        reuse.own_only.length ? h("p", {class: "small text-body-secondary mb-0"},
          ieumT("이 프로필에만 있는 단위기능: "), reuse.own_only.map((id) => (units[id] || {}).title || id).join(", ")) : null);
    }

    // --- 프로필 복사
    const copyPanel = $("copy-panel");
    const toolbarCopy = root.querySelector('[data-action="copy"]');
    toolbarCopy.addEventListener("click", () => copyPanel.classList.toggle("d-none"));
    $("copy-source").replaceChildren(...ctx.profiles.filter((p) => p.code !== ctx.key)
      .map((p) => h("option", {value: p.code, text: `${p.title} (${p.code})${p.abstract ? ieumT(" · 기본 프로필") : ""}`})));
    root.querySelector('[data-action="copy-start"]').addEventListener("click", async () => {
      const mode = root.querySelector('input[name="copy-mode"]:checked').value;
      const answer = await api("POST", root.dataset.copyUrl,
        {source: $("copy-source").value, title: $("copy-title").value, mode});
      if (!answer.ok) { message(answer.data.error || ieumT("복사하지 못했습니다."), "danger"); return; }
      replaceBody(answer.data.body);
      copyPanel.classList.add("d-none");
      message(mode === "extends" ? ieumT("기본 프로필을 물려받는 새 프로필을 시작했습니다. 저장해야 초안이 됩니다.")
                                 : ieumT("프로필을 복사했습니다. 저장해야 초안이 됩니다."), "info");
    });

    load(() => ({code: ctx.key, title: "", menu: [], roles: []})).then((ok) => {
      if (ok && editor.isNew) copyPanel.classList.remove("d-none");
    });
  }

  // ============================================================================================
  // The unit function editor
  // ============================================================================================
  function unitPage() {
    const formTitles = Object.fromEntries(ctx.forms.map((f) => [f.id, f.title]));
    const processTitles = Object.fromEntries(ctx.processes.map((p) => [p.id, p.title]));
    editor.live = (body) => ({body});
    editor.render = () => { drawBasics(); drawPickers(); drawScreens(); drawActions(); drawParameters(); drawFeeds(); drawExtra(); };
    const body = () => editor.body;
    const list = (key) => (Array.isArray(body()[key]) ? body()[key] : []);

    function drawBasics() {
      const b = body();
      const layer = h("select", {class: "form-select form-select-sm", id: "unit-layer", "data-focus": "/layer"},
        [1, 2, 3, 4].map((n) => h("option", {value: String(n), text: tr("%(n)s층", {n})})));
      layer.value = String(b.layer || 2);
      layer.addEventListener("change", () => commit((d) => { d.layer = Number(layer.value); }));
      const subject = h("select", {class: "form-select form-select-sm", id: "unit-subject", "data-focus": "/record_subject"},
        h("option", {value: "", text: ieumT("지정 안 함 (선택)")}), h("option", {value: "required", text: ieumT("대상자 필수")}),
        h("option", {value: "optional", text: ieumT("대상자 선택")}), h("option", {value: "none", text: ieumT("대상자 없음")}));
      subject.value = b.record_subject || "";
      subject.addEventListener("change", () => commit((d) => setKey(d, "record_subject", subject.value)));
      const groups = h("div", {class: "col-12", "data-pointer": "/target_groups"},
        h("span", {class: "form-label small d-block mb-1", text: ieumT("대상 집단")}),
        ctx.target_groups.map((group) => {
          const id = nextId("tg");
          const box = h("input", {class: "form-check-input", type: "checkbox", id, checked: list("target_groups").includes(group)});
          box.addEventListener("change", () => commit((d) => {
            const next = list("target_groups").filter((g) => g !== group);
            if (box.checked) next.push(group);
            if (next.length) d.target_groups = next; else delete d.target_groups;
          }));
          return h("span", {class: "form-check form-check-inline"}, box, h("label", {class: "form-check-label", for: id, text: group}));
        }));
      fill($("basics"), 
        textField("id", b.id, "/id", () => {}, {readonly: true, col: "col-md-3"}),
        textField(ieumT("이름"), b.title, "/title", (v) => commit((d) => { d.title = v; }), {col: "col-md-5", placeholder: ieumT("예: 야간 순찰 기록")}),
        h("div", {class: "col-md-2", "data-pointer": "/layer"}, h("label", {class: "form-label small mb-1", for: "unit-layer", text: ieumT("계층")}), layer),
        h("div", {class: "col-md-2", "data-pointer": "/record_subject"}, h("label", {class: "form-label small mb-1", for: "unit-subject", text: ieumT("기록의 대상자")}), subject),
        textField(ieumT("설명"), b.description, "/description", (v) => commit((d) => setKey(d, "description", v)), {multiline: true, col: "col-12"}),
        groups);
    }
    function picker(key, options, titles, label) {
      const box = $(key);
      const chosen = list(key);
      const select = h("select", {class: "form-select form-select-sm w-auto", "aria-label": tr("%(item)s 고르기", {item: label}), "data-focus": `add:${key}`},
        h("option", {value: "", text: tr("%(item)s 고르기…", {item: label})}),
        options.filter((o) => !chosen.includes(o.id)).map((o) => h("option", {value: o.id, text: `${o.title} (${o.id})${o.draft ? ieumT(" · 초안") : ""}`})));
      select.addEventListener("change", () => {
        if (!select.value) return;
        const value = select.value;
        commit((d) => { d[key] = [...list(key), value]; });
      });
      fill(box, 
        h("ul", {class: "list-unstyled mb-2"}, chosen.map((id, index) => h("li", {class: "composer-pick", "data-pointer": ptr(key, index)},
          h("span", {text: titles[id] || id}), " ", h("code", {class: "small text-body-secondary", text: id}),
          h("button", {type: "button", class: "btn btn-link btn-sm text-danger", "aria-label": tr("%(item)s 빼기", {item: titles[id] || id}),
                       onclick: () => commit((d) => { d[key] = list(key).filter((x) => x !== id); }), text: ieumT("빼기")})))),
        select);
    }
    function drawPickers() {
      const draftForms = (ctx.draft_forms || []).filter((id) => !(id in formTitles)).map((id) => ({id, title: id, draft: true}));
      const draftProcesses = (ctx.draft_processes || []).filter((id) => !(id in processTitles)).map((id) => ({id, title: id, draft: true}));
      picker("forms", [...ctx.forms, ...draftForms], formTitles, ieumT("서식"));
      picker("processes", [...ctx.processes, ...draftProcesses], processTitles, ieumT("절차"));
    }
    function drawScreens() {
      const forms = list("forms");
      const rows = list("screens").map((screen, index) => {
        const here = ptr("screens", index);
        const kind = h("select", {class: "form-select form-select-sm", "aria-label": ieumT("화면 종류"), "data-focus": here + "/kind"},
          ctx.screen_kind_order.map((k) => h("option", {value: k, text: ctx.screen_kinds[k]})));
        kind.value = screen.kind;
        kind.addEventListener("change", () => commit((d) => { d.screens[index].kind = kind.value; }));
        const form = h("select", {class: "form-select form-select-sm", "aria-label": ieumT("화면 서식"), "data-focus": here + "/form"},
          [...new Set([...forms, screen.form])].map((id) => h("option", {value: id, text: formTitles[id] || id})));
        form.value = screen.form;
        form.addEventListener("change", () => commit((d) => { d.screens[index].form = form.value; }));
        const title = h("input", {class: "form-control form-control-sm", "aria-label": ieumT("메뉴에 보일 화면 이름"), "data-focus": here + "/title", value: screen.title || ""});
        title.addEventListener("change", () => commit((d) => setKey(d.screens[index], "title", title.value)));
        return h("tr", {"data-pointer": here}, h("td", {}, kind), h("td", {"data-pointer": here + "/form"}, form), h("td", {}, title),
          h("td", {}, h("button", {type: "button", class: "btn btn-outline-danger btn-sm", text: ieumT("지우기"),
                                   onclick: () => commit((d) => d.screens.splice(index, 1))})));
      });
      fill($("screens"), 
        h("table", {class: "table table-sm align-middle"}, h("thead", {}, h("tr", {}, h("th", {text: ieumT("종류")}), h("th", {text: ieumT("서식")}), h("th", {text: ieumT("이름")}), h("th", {}))),
          h("tbody", {}, rows)),
        h("button", {type: "button", class: "btn btn-outline-primary btn-sm", disabled: !forms.length,
          onclick: () => commit((d) => {
            d.screens = list("screens");
            const form = forms[0];
            const has = (kind) => d.screens.some((s) => s.form === form && s.kind === kind);
            d.screens.push({kind: has("list") ? "new" : "list", form, title: `${formTitles[form] || form} ${has("list") ? "등록" : "목록"}`});
          }), text: forms.length ? ieumT("화면 추가") : ieumT("화면 추가 (서식을 먼저 고르세요)")}));
    }
    function drawActions() {
      const known = [...new Set([...ctx.action_order, ...list("actions")])];
      fill($("actions"), ...known.map((action) => {
        const id = nextId("a");
        const box = h("input", {class: "form-check-input", type: "checkbox", id, "data-focus": `action:${action}`, checked: list("actions").includes(action)});
        box.addEventListener("change", () => commit((d) => {
          const next = list("actions").filter((a) => a !== action);
          if (box.checked) next.push(action);
          d.actions = known.filter((a) => next.includes(a));
        }));
        return h("span", {class: "form-check form-check-inline"}, box,
          h("label", {class: "form-check-label", for: id}, ctx.actions[action] || action, " ", h("code", {class: "small", text: action})));
      }));
    }
    function typedValue(type, text) {
      if (type === "boolean") return text === "true";
      if (type === "integer") return Number.isInteger(Number(text)) && text !== "" ? Number(text) : text;
      if (type === "number") return text !== "" && !Number.isNaN(Number(text)) ? Number(text) : text;
      return text;
    }
    function drawParameters() {
      const params = body().parameters && typeof body().parameters === "object" ? body().parameters : {};
      const rows = Object.entries(params).map(([name, spec]) => {
        const here = ptr("parameters", name);
        const update = (change) => commit((d) => { change(d.parameters[name]); });
        const type = h("select", {class: "form-select form-select-sm", "aria-label": tr("%(item)s 형식", {item: name}), "data-focus": here + "/type"},
          ctx.type_order.map((k) => h("option", {value: k, text: ctx.types[k]})));
        type.value = spec.type;
        type.addEventListener("change", () => update((p) => {
          p.type = type.value;
          p.default = {boolean: false, integer: 0, number: 0, string: ""}[type.value];
          delete p.minimum; delete p.maximum; delete p.enum;
        }));
        const title = h("input", {class: "form-control form-control-sm", "aria-label": tr("%(item)s 이름", {item: name}), "data-focus": here + "/title", value: spec.title || ""});
        title.addEventListener("change", () => update((p) => { p.title = title.value; }));
        let deflt;
        if (spec.type === "boolean") {
          deflt = h("select", {class: "form-select form-select-sm", "aria-label": tr("%(item)s 기본값", {item: name}), "data-focus": here + "/default"},
            h("option", {value: "true", text: ieumT("예")}), h("option", {value: "false", text: ieumT("아니오")}));
          deflt.value = String(!!spec.default);
        } else {
          deflt = h("input", {class: "form-control form-control-sm", "aria-label": tr("%(item)s 기본값", {item: name}), "data-focus": here + "/default",
                              type: spec.type === "string" ? "text" : "number", step: spec.type === "integer" ? "1" : "any"});
          deflt.value = spec.default === undefined || spec.default === null ? "" : String(spec.default);
        }
        deflt.addEventListener("change", () => update((p) => { p.default = typedValue(spec.type, deflt.value); }));
        const numeric = spec.type === "integer" || spec.type === "number";
        const bound = (key, label) => {
          const input = h("input", {class: "form-control form-control-sm", type: "number", step: "any", "aria-label": `${name} ${label}`,
                                    "data-focus": `${here}/${key}`, disabled: !numeric, placeholder: label});
          input.value = spec[key] === undefined ? "" : String(spec[key]);
          input.addEventListener("change", () => update((p) => setKey(p, key, input.value === "" ? "" : Number(input.value))));
          return input;
        };
        const choices = h("input", {class: "form-control form-control-sm", "aria-label": tr("%(item)s 선택지 (쉼표로 구분)", {item: name}), "data-focus": here + "/enum",
                                    placeholder: ieumT("선택지, 쉼표로"), disabled: spec.type === "boolean"});
        choices.value = Array.isArray(spec.enum) ? spec.enum.join(", ") : "";
        choices.addEventListener("change", () => update((p) => {
          const values = choices.value.split(",").map((v) => v.trim()).filter(Boolean).map((v) => typedValue(spec.type, v));
          if (values.length) p.enum = values; else delete p.enum;
        }));
        return h("tr", {"data-pointer": here}, h("td", {}, h("code", {text: name})), h("td", {}, type),
          h("td", {"data-pointer": here + "/title"}, title), h("td", {"data-pointer": here + "/default"}, deflt),
          h("td", {}, bound("minimum", ieumT("최소"))), h("td", {}, bound("maximum", ieumT("최대"))), h("td", {}, choices),
          h("td", {}, h("button", {type: "button", class: "btn btn-outline-danger btn-sm", text: ieumT("지우기"),
            onclick: () => commit((d) => { delete d.parameters[name]; if (!Object.keys(d.parameters).length) delete d.parameters; })})));
      });
      const newName = h("input", {class: "form-control form-control-sm w-auto", id: "new-parameter", placeholder: ieumT("예: rounds_per_night")});
      fill($("parameters"), 
        h("div", {class: "table-responsive"}, h("table", {class: "table table-sm align-middle"},
          h("thead", {}, h("tr", {}, [ieumT("이름(코드)"), ieumT("형식"), ieumT("이름"), ieumT("기본값"), ieumT("최소"), ieumT("최대"), ieumT("선택지"), ""].map((t) => h("th", {text: t})))),
          h("tbody", {}, rows))),
        h("div", {class: "d-flex gap-2 align-items-center"}, h("label", {class: "form-label small mb-0", for: "new-parameter", text: ieumT("새 매개변수")}), newName,
          h("button", {type: "button", class: "btn btn-outline-primary btn-sm", text: ieumT("매개변수 추가"), onclick: () => {
            const name = newName.value.trim();
            if (!/^[a-z][a-z0-9_]*$/.test(name)) { message(ieumT("매개변수 이름은 영문 소문자로 시작하고 영문 소문자·숫자·밑줄만 씁니다."), "warning"); return; }
            if (name in params) { message(tr("매개변수 '%(name)s'이(가) 이미 있습니다.", {name}), "warning"); return; }
            commit((d) => { d.parameters = Object.assign({}, params, {[name]: {type: "integer", default: 0, title: name}}); });
          }})));
    }
    function drawFeeds() {
      const entries = list("feeds");
      const nameOf = (entry) => (typeof entry === "string" ? entry : Object.keys(entry)[0]);
      const listed = entries.map(nameOf);
      fill($("feeds"), ...[...new Set([...ctx.feeds, ...listed])].map((feed) => {
        const id = nextId("feed");
        const at = listed.indexOf(feed);
        const box = h("input", {class: "form-check-input", type: "checkbox", id, checked: at >= 0, "data-focus": `feed:${feed}`});
        box.addEventListener("change", () => commit((d) => {
          const next = list("feeds").filter((entry) => nameOf(entry) !== feed);
          if (box.checked) next.push(feed);
          if (next.length) d.feeds = next; else delete d.feeds;
        }));
        const settings = at >= 0 && typeof entries[at] === "object";
        return h("span", {class: "form-check form-check-inline", "data-pointer": at >= 0 ? ptr("feeds", at) : null}, box,
          h("label", {class: "form-check-label", for: id}, h("code", {text: feed}), settings ? h("span", {class: "badge text-bg-light border ms-1", text: ieumT("설정 있음")}) : null));
      }));
    }
    function drawExtra() {
      const advanced = ["subject_registry", "case_list", "locks", "reports", "page"].filter((key) => key in body());
      const box = $("extra");
      fill(box, advanced.length
        ? h("div", {}, h("p", {class: "small text-body-secondary", text: ieumT("아래 고급 설정은 이 편집기에서 고칠 수 없으며 그대로 저장됩니다.")}),
            advanced.map((key) => h("details", {"data-pointer": ptr(key)}, h("summary", {}, h("code", {text: key})),
              h("pre", {class: "small composer-json", text: JSON.stringify(body()[key], null, 2)}))))
        : h("p", {class: "small text-body-secondary mb-0", text: ieumT("고급 설정(대상자 등록, 사례 목록, 잠금, 보고)이 없습니다.")}));
    }
    load(() => clone(ctx.new_body));
  }

  if (root.dataset.composer === "profile") profilePage();
  else unitPage();
})();
