/* Generated forms: repeatable rows, x-visible conditions, jumping to a field with an error.
   Plain JavaScript, no libraries; the server checks everything again on save. */
(function () {
  "use strict";

  // --- repeatable rows ------------------------------------------------------------------
  function renumber(container) {
    var rows = container.querySelectorAll(":scope > [data-row]");
    rows.forEach(function (row, i) {
      var number = row.querySelector("[data-row-number]");
      if (number) number.textContent = String(i + 1);
    });
    var empty = container.parentElement.querySelector(":scope > .ieum-rows-empty");
    if (empty) empty.hidden = rows.length > 0;
  }

  function addRow(name) {
    var container = document.querySelector('[data-rows="' + name + '"]');
    var template = document.querySelector('template[data-row-template="' + name + '"]');
    if (!container || !template) return;
    var index = parseInt(container.getAttribute("data-next") || "0", 10);
    container.setAttribute("data-next", String(index + 1));
    var html = template.innerHTML.split("__index__").join(String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    container.appendChild(row);
    renumber(container);
    var first = row.querySelector("input, select, textarea");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add.getAttribute("data-add-row"));
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-row]");
      var container = row.parentElement;
      // keep the keyboard where it was: the next row's remove button, else the previous
      // row's, else the add button (focus must not fall back to the page)
      var neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(container);
      refresh();
      var next = neighbour && neighbour.querySelector("[data-remove-row]");
      if (!next) {
        var name = container.getAttribute("data-rows");
        next = document.querySelector('[data-add-row="' + name + '"]');
      }
      if (next) next.focus();
      return;
    }
    var jump = event.target.closest("[data-jump]");
    if (jump) {
      event.preventDefault();
      var target = document.querySelector('[data-path="' + jump.getAttribute("data-jump") + '"]');
      if (!target) return;
      var pane = target.closest(".tab-pane");
      if (pane && window.bootstrap) {
        var tab = document.querySelector('[data-bs-target="#' + pane.id + '"]');
        if (tab) window.bootstrap.Tab.getOrCreateInstance(tab).show();
      }
      target.scrollIntoView({block: "center"});
      var input = target.querySelector("input, select, textarea");
      if (input) input.focus();
    }
  });

  // --- x-visible ------------------------------------------------------------------------
  function fieldValue(form, name) {
    var wrapper = form.querySelector('.ieum-field[data-field="' + name + '"]');
    if (!wrapper) return null;
    var kind = wrapper.getAttribute("data-kind");
    var inputs = wrapper.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return null;
    if (kind === "boolean") return inputs[0].checked;
    if (kind === "radio") {
      var checked = wrapper.querySelector('[name="' + name + '"]:checked');
      return checked ? checked.value : null;
    }
    if (kind === "checkboxes") {
      return Array.prototype.filter.call(inputs, function (i) { return i.checked; })
        .map(function (i) { return i.value; });
    }
    if (kind === "multiselect") {
      return Array.prototype.map.call(inputs[0].selectedOptions, function (o) { return o.value; });
    }
    var raw = inputs[0].value;
    if (raw === "") return null;
    if (kind === "integer" || kind === "number") {
      var n = Number(raw.replace(/,/g, ""));
      return isNaN(n) ? raw : n;
    }
    return raw;
  }

  function compare(op, a, b) {
    switch (op) {
      case "==": return a === b || (a != null && b != null && String(a) === String(b));
      case "!=": return !compare("==", a, b);
      case "<": return a != null && b != null && a < b;
      case "<=": return a != null && b != null && a <= b;
      case ">": return a != null && b != null && a > b;
      case ">=": return a != null && b != null && a >= b;
      case "in": return b != null && (Array.isArray(b) ? b.some(function (x) { return compare("==", a, x); })
                                                      : String(b).indexOf(String(a)) >= 0);
      case "not in": return !compare("in", a, b);
    }
    return false;
  }

  function evaluate(node, form) {
    if ("const" in node) return node.const;
    if ("name" in node) return fieldValue(form, node.name);
    if ("list" in node) return node.list.map(function (n) { return evaluate(n, form); });
    if ("not" in node) return !truthy(evaluate(node.not, form));
    if ("len" in node) { var v = evaluate(node.len, form); return v == null ? 0 : v.length; }
    if ("bool" in node) {
      var result = node.bool === "and";
      for (var i = 0; i < node.values.length; i++) {
        var value = evaluate(node.values[i], form);
        if (node.bool === "and" && !truthy(value)) return value;
        if (node.bool === "or" && truthy(value)) return value;
        result = value;
      }
      return result;
    }
    if ("compare" in node) {
      var left = evaluate(node.left, form);
      for (var j = 0; j < node.compare.length; j++) {
        var right = evaluate(node.right[j], form);
        if (!compare(node.compare[j], left, right)) return false;
        left = right;
      }
      return true;
    }
    return true;
  }

  function truthy(value) {
    if (Array.isArray(value)) return value.length > 0;
    return !!value;
  }

  function refresh() {
    document.querySelectorAll("form.ieum-form").forEach(function (form) {
      form.querySelectorAll(".ieum-field[data-visible]").forEach(function (wrapper) {
        var shown = truthy(evaluate(JSON.parse(wrapper.getAttribute("data-visible")), form));
        wrapper.hidden = !shown;
        var cell = wrapper.parentElement;
        if (cell && /(^|\s)col(-|\s|$)/.test(cell.className)) cell.hidden = !shown;
        wrapper.querySelectorAll("input, select, textarea").forEach(function (input) {
          if (!shown) input.setAttribute("disabled", "disabled");
          else if (!input.hasAttribute("readonly")) input.removeAttribute("disabled");
        });
      });
      // a tab whose every field is hidden (a part that does not apply) is hidden too
      form.querySelectorAll(".tab-pane").forEach(function (pane) {
        var fields = pane.querySelectorAll(":scope > .row > * > .ieum-field");
        var empty = fields.length > 0 && Array.prototype.every.call(fields, function (f) {
          return f.hidden;
        });
        var tab = form.querySelector('[data-bs-target="#' + pane.id + '"]');
        if (tab && tab.parentElement) tab.parentElement.hidden = empty;
      });
    });
  }

  document.addEventListener("input", refresh);
  document.addEventListener("change", refresh);
  refresh();

  // --- after a refused save: focus on the first field to fix --------------------------------
  function focusFirstInvalid() {
    if (!document.querySelector('[data-testid="form-errors"]')) return;
    var input = document.querySelector(
      'form.ieum-form [aria-invalid="true"], form.ieum-form .is-invalid');
    if (!input) return;
    var pane = input.closest(".tab-pane");
    if (pane && window.bootstrap) {
      var tab = document.querySelector('[data-bs-target="#' + pane.id + '"]');
      if (tab) window.bootstrap.Tab.getOrCreateInstance(tab).show();
    }
    input.focus();
  }
  if (document.readyState === "complete") focusFirstInvalid();
  else window.addEventListener("load", focusFirstInvalid);
})();
