/* 콘텐츠 스튜디오의 공용 도우미 (issue 22): the JSON calls of the studio's contract, a problem
 * list, an unsaved-change warning and undo/redo (forms marked data-confirm are asked about by
 * ieum-confirm.js, which base.html loads).
 *
 * A classic script: include it with
 *   <script src="{{ url_for('static', filename='ieum-studio.js') }}"></script>
 * and use window.IeumStudio. No inline script is needed (the app's CSP forbids it): an editor
 * reads its kind, key and URLs from data-* attributes of its own elements.
 *
 *   IeumStudio.load(kind, key)                      -> Promise<{kind,key,body,version,status,problems}>
 *   IeumStudio.save(kind, key, body, baseVersion, note, pkg)
 *                                                   -> Promise<{ok,status,data}> (409: data.error)
 *   IeumStudio.check(kind, key, body)               -> Promise<[{pointer,message}]>
 *   IeumStudio.checkLater(kind, key, getBody, onProblems, delayMs)  debounced check
 *   IeumStudio.renderProblems(element, problems, onSelect)          a clickable list
 *   IeumStudio.guardUnsaved(isDirty)                warns on leaving with unsaved changes
 *   IeumStudio.undoStack({get, set, limit})         Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) snapshots
 */
(function () {
  "use strict";

  // ieumT with %(name)s placeholders filled from values
  function fill(text, values) {
    return ieumT(text).replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  function root() {
    var meta = document.querySelector("meta[name='ieum-script-root']");
    return meta ? meta.getAttribute("content") : "";
  }

  function csrfToken() {
    var meta = document.querySelector("meta[name='csrf-token']");
    if (meta) { return meta.getAttribute("content"); }
    var field = document.querySelector("[data-csrf-token]");
    if (field) { return field.getAttribute("data-csrf-token"); }
    var input = document.querySelector("input[name='csrf_token']");
    return input ? input.value : "";
  }

  function documentUrl(kind, key, what) {
    return root() + "/content/" + encodeURIComponent(kind) + "/" + encodeURIComponent(key) +
      "/" + what;
  }

  function editorUrl(kind, key) { return documentUrl(kind, key, "edit"); }

  function request(method, url, payload) {
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json"}};
    if (payload !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken();
      options.body = JSON.stringify(payload);
    }
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {error: ieumT("서버 응답을 읽을 수 없습니다.")}; })
        .then(function (data) { return {ok: response.ok, status: response.status, data: data}; });
    });
  }

  function load(kind, key) {
    return request("GET", documentUrl(kind, key, "document")).then(function (answer) {
      if (answer.status === 404) { return null; }
      if (!answer.ok) { throw new Error(answer.data.error || ieumT("불러오지 못했습니다.")); }
      return answer.data;
    });
  }

  function save(kind, key, body, baseVersion, note, pkg) {
    var payload = {body: body, base_version: baseVersion === undefined ? null : baseVersion,
                   note: note || ""};
    if (pkg) { payload["package"] = pkg; }
    return request("PUT", documentUrl(kind, key, "document"), payload);
  }

  function check(kind, key, body) {
    return request("POST", documentUrl(kind, key, "check"), {body: body}).then(function (answer) {
      if (!answer.ok) {
        return [{pointer: "", message: answer.data.error || ieumT("검사하지 못했습니다.")}];
      }
      return answer.data.problems || [];
    });
  }

  function checkLater(kind, key, getBody, onProblems, delayMs) {
    var timer = null;
    var serial = 0;
    return function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () {
        var mine = ++serial;
        check(kind, key, getBody()).then(function (problems) {
          if (mine === serial) { onProblems(problems); }
        });
      }, delayMs || 600);
    };
  }

  function renderProblems(element, problems, onSelect) {
    element.textContent = "";
    element.classList.add("studio-problems");
    if (!problems || !problems.length) {
      var ok = document.createElement("p");
      ok.className = "studio-problems-none";
      ok.textContent = ieumT("문제가 없습니다.");
      element.appendChild(ok);
      return;
    }
    var title = document.createElement("p");
    title.className = "studio-problems-title";
    title.textContent = fill("고칠 곳 %(n)s건", {n: problems.length});
    element.appendChild(title);
    var list = document.createElement("ul");
    problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.setAttribute("data-pointer", problem.pointer || "");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 text-start";
      button.textContent = (problem.pointer ? problem.pointer + ": " : "") + problem.message;
      button.addEventListener("click", function () { if (onSelect) { onSelect(problem.pointer); } });
      item.appendChild(button);
      list.appendChild(item);
    });
    element.appendChild(list);
  }

  function guardUnsaved(isDirty) {
    window.addEventListener("beforeunload", function (event) {
      if (isDirty()) {
        event.preventDefault();
        event.returnValue = ieumT("저장하지 않은 변경이 있습니다.");
        return event.returnValue;
      }
      return undefined;
    });
  }

  function undoStack(options) {
    var limit = options.limit || 100;
    var past = [];
    var future = [];
    var stack = {
      record: function () {
        past.push(JSON.stringify(options.get()));
        if (past.length > limit) { past.shift(); }
        future = [];
      },
      undo: function () {
        if (!past.length) { return false; }
        future.push(JSON.stringify(options.get()));
        options.set(JSON.parse(past.pop()));
        return true;
      },
      redo: function () {
        if (!future.length) { return false; }
        past.push(JSON.stringify(options.get()));
        options.set(JSON.parse(future.pop()));
        return true;
      },
      canUndo: function () { return past.length > 0; },
      canRedo: function () { return future.length > 0; }
    };
    document.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey)) { return; }
      var target = event.target;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                     target.isContentEditable) && !options.captureInFields) { return; }
      var key = (event.key || "").toLowerCase();
      if (key === "z" && !event.shiftKey) {
        if (stack.undo()) { event.preventDefault(); }
      } else if ((key === "z" && event.shiftKey) || key === "y") {
        if (stack.redo()) { event.preventDefault(); }
      }
    });
    return stack;
  }

  window.IeumStudio = {
    csrfToken: csrfToken, documentUrl: documentUrl, editorUrl: editorUrl, request: request,
    load: load, save: save, check: check, checkLater: checkLater,
    renderProblems: renderProblems, guardUnsaved: guardUnsaved, undoStack: undoStack
  };
}());
