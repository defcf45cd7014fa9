/* 업무 절차 모델러: bpmn-js (platform/ieum_vendor, served at /vendor/bpmn-js) with a properties panel for what the
 * platform reads in a BPMN process (SpiffArena dialect):
 *   user task      → spiffworkflow:property formJsonSchemaFilename (form picker), approvalStep,
 *                    role / assignee / dueInDays (expressions), claimsCase, pre/post scripts
 *   lane           → its name is a role id (role picker)
 *   sequence flow  → bpmn:conditionExpression (checked as typed), the gateway's default flow
 *   service task   → spiffworkflow:serviceTaskOperator (function picker) and its parameters
 *   script task    → bpmn:script (checked as typed)
 *   timer event    → bpmn:timeDuration / bpmn:timeDate (checked as typed)
 *   call activity  → calledElement (process picker)
 * Every change goes through bpmn-js's modeling API, so undo/redo cover the panel's changes too.
 * The document is loaded and saved through the content studio's JSON endpoints. */
(function () {
  'use strict';

  // ieumT with %(name)s placeholders filled from values
  function fill(text, values) {
    return ieumT(text).replace(/%\((\w+)\)s/g, function (_m, key) { return String(values[key]); });
  }

  var root = document.getElementById('modeller');
  if (!root || typeof window.BpmnJS !== 'function') { return; }

  var cfg = {
    key: root.dataset.key,
    csrf: root.dataset.csrf,
    documentUrl: root.dataset.documentUrl,
    dataUrl: root.dataset.dataUrl,
    checkUrl: root.dataset.checkUrl,
    diagramUrl: root.dataset.diagramUrl,
    expressionUrl: root.dataset.expressionUrl,
    moddleUrl: root.dataset.moddleUrl
  };
  var FORM = 'formJsonSchemaFilename';
  var state = {
    choices: { forms: [], roles: [], functions: [], processes: [] },
    version: null, status: null, dirty: false, saving: false, problems: [], selected: null
  };
  var els = {
    version: root.querySelector('[data-testid="modeller-version"]'),
    status: root.querySelector('[data-testid="modeller-status"]'),
    panelTitle: root.querySelector('[data-role="panel-title"]'),
    panelBody: root.querySelector('[data-role="panel-body"]'),
    problemList: root.querySelector('[data-role="problem-list"]'),
    problemCount: root.querySelector('[data-role="problem-count"]'),
    canvas: document.getElementById('modeller-canvas')
  };
  function button(action) { return root.querySelector('[data-action="' + action + '"]'); }

  // --- Korean for bpmn-js's own palette and context pad (its English as it is otherwise) -------
  var KO = {
    'Activate hand tool': '손 도구', 'Activate lasso tool': '올가미 선택',
    'Activate create/remove space tool': '공간 만들기/지우기',
    'Activate global connect tool': '연결 도구',
    'Create start event': '시작 이벤트', 'Create end event': '끝 이벤트',
    'Create intermediate/boundary event': '중간 이벤트', 'Create gateway': '분기(게이트웨이)',
    'Create task': '작업', 'Create data object reference': '데이터 객체',
    'Create data store reference': '데이터 저장소', 'Create expanded sub-process': '하위 절차',
    'Create pool/participant': '풀(참여자)', 'Create group': '그룹',
    'Append end event': '끝 이벤트 잇기', 'Append gateway': '분기 잇기', 'Append task': '작업 잇기',
    'Append intermediate/boundary event': '중간 이벤트 잇기', 'Append text annotation': '메모 잇기',
    'Change element': '종류 바꾸기', 'Change type': '종류 바꾸기', 'Delete': '지우기',
    'Connect using sequence/message flow or association': '흐름으로 잇기',
    'Connect to other element': '다른 요소와 잇기', 'Connect using association': '연관으로 잇기',
    'Connect using data input association': '데이터 입력으로 잇기',
    'Add lane above': '위에 레인 더하기', 'Add lane below': '아래에 레인 더하기',
    'Divide into two lanes': '레인 둘로 나누기', 'Divide into three lanes': '레인 셋으로 나누기',
    'Append compensation activity': '보상 작업 잇기', 'Search in diagram': '그림에서 찾기',
    'Append element': '요소 잇기', 'Create element': '요소 만들기'
  };
  var KOREAN = (document.documentElement.lang || 'ko') === 'ko';
  function translate(template, replacements) {
    replacements = replacements || {};
    var text = (KOREAN && KO[template]) || template;
    return text.replace(/{([^}]+)}/g, function (_m, key) {
      return replacements[key] !== undefined ? replacements[key] : '{' + key + '}';
    });
  }

  // --- helpers --------------------------------------------------------------------------------
  function h(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) { return; }
      if (name === 'text') { el.textContent = value; } else if (name === 'on') {
        Object.keys(value).forEach(function (ev) { el.addEventListener(ev, value[ev]); });
      } else if (name === 'value') { el.value = value; } else if (name === 'checked') {
        el.checked = !!value;
      } else { el.setAttribute(name, value === true ? '' : value); }
    });
    (children || []).forEach(function (child) {
      if (child) { el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child); }
    });
    return el;
  }
  var uid = 0;
  function fieldId() { uid += 1; return 'modeller-field-' + uid; }

  function json(url, options) {
    options = options || {};
    var headers = { 'Accept': 'application/json' };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['X-CSRFToken'] = cfg.csrf;
    }
    return fetch(url, {
      method: options.method || 'GET', headers: headers, credentials: 'same-origin',
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }
  function setStatus(text, kind) {
    els.status.textContent = text || '';
    els.status.className = 'modeller-status small ' + (kind === 'error' ? 'text-danger' : 'text-muted');
  }
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  // --- the modeler ----------------------------------------------------------------------------
  function BatchHandler() {}
  BatchHandler.prototype.preExecute = function (context) { context.run(); };
  BatchHandler.prototype.execute = function () { return []; };
  BatchHandler.prototype.revert = function () { return []; };

  var modeler = null;
  function svc(name) { return modeler.get(name); }
  /* Several model changes as one undo step. */
  function batch(run) { svc('commandStack').execute('ieum.batch', { run: run }); }

  function create(type, props) { return svc('moddle').create(type, props || {}); }
  function bo(element) { return element.businessObject; }
  function isType(element, type) { return bo(element) && bo(element).$instanceOf(type); }

  function extension(element, type) {
    var ee = bo(element).extensionElements;
    if (!ee) { return null; }
    return (ee.get('values') || []).filter(function (v) { return v.$type === type; })[0] || null;
  }
  function ensureExtension(element, type, props) {
    var business = bo(element);
    var ee = business.extensionElements;
    if (!ee) {
      ee = create('bpmn:ExtensionElements', { values: [] });
      ee.$parent = business;
      svc('modeling').updateProperties(element, { extensionElements: ee });
    }
    var found = extension(element, type);
    if (!found) {
      found = create(type, props);
      found.$parent = ee;
      svc('modeling').updateModdleProperties(element, ee, { values: ee.get('values').concat([found]) });
    }
    return found;
  }
  function dropExtensionIfEmpty(element, ext, listName) {
    var ee = bo(element).extensionElements;
    if (!ee || !ext || (ext.get(listName) || []).length) { return; }
    var rest = ee.get('values').filter(function (v) { return v !== ext; });
    svc('modeling').updateModdleProperties(element, ee, { values: rest });
    if (!rest.length) { svc('modeling').updateProperties(element, { extensionElements: undefined }); }
  }
  function getProperty(element, name) {
    var props = extension(element, 'spiffworkflow:Properties');
    var prop = props && (props.get('properties') || []).filter(function (p) { return p.name === name; })[0];
    return prop ? prop.value : '';
  }
  /* Set (or, with an empty value, remove) one spiffworkflow:property, as one undo step. */
  function setProperty(element, name, value) {
    batch(function () {
      var modeling = svc('modeling');
      var props = extension(element, 'spiffworkflow:Properties');
      var list = props ? props.get('properties') : [];
      var prop = list.filter(function (p) { return p.name === name; })[0];
      if (!value) {
        if (prop) {
          modeling.updateModdleProperties(element, props, {
            properties: list.filter(function (p) { return p !== prop; })
          });
          dropExtensionIfEmpty(element, props, 'properties');
        }
        return;
      }
      if (prop) { modeling.updateModdleProperties(element, prop, { value: value }); return; }
      props = ensureExtension(element, 'spiffworkflow:Properties', { properties: [] });
      prop = create('spiffworkflow:Property', { name: name, value: value });
      prop.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: props.get('properties').concat([prop]) });
    });
  }
  function getBodyExtension(element, type) {
    var ext = extension(element, type);
    return ext ? (ext.value || '') : '';
  }
  function setBodyExtension(element, type, value) {
    batch(function () {
      var ext = extension(element, type);
      if (!value) {
        if (ext) {
          var ee = bo(element).extensionElements;
          var rest = ee.get('values').filter(function (v) { return v !== ext; });
          svc('modeling').updateModdleProperties(element, ee, { values: rest });
          if (!rest.length) { svc('modeling').updateProperties(element, { extensionElements: undefined }); }
        }
        return;
      }
      if (ext) { svc('modeling').updateModdleProperties(element, ext, { value: value }); return; }
      ensureExtension(element, type, { value: value });
    });
  }

  // --- the panel's fields ---------------------------------------------------------------------
  function group(label, control, help, extra) {
    var id = control.id || fieldId();
    control.id = id;
    return h('div', { 'class': 'mb-2' }, [
      h('label', { 'class': 'form-label small mb-1', 'for': id, text: label }),
      control,
      extra || null,
      help ? h('div', { 'class': 'form-text', text: help }) : null
    ]);
  }
  function textInput(value, onChange, attrs) {
    var input = h('input', Object.assign({ type: 'text', 'class': 'form-control form-control-sm', value: value || '' }, attrs || {}));
    input.addEventListener('change', function () { onChange(input.value.trim()); });
    return input;
  }
  function select(options, value, onChange, emptyLabel) {
    var control = h('select', { 'class': 'form-select form-select-sm' });
    control.appendChild(h('option', { value: '', text: emptyLabel || ieumT('— 고르세요 —') }));
    var known = false;
    options.forEach(function (option) {
      if (option.value === value) { known = true; }
      control.appendChild(h('option', { value: option.value, text: option.label }));
    });
    if (value && !known) {
      control.appendChild(h('option', { value: value, text: fill('%(value)s (없는 항목)', { value: value }) }));
    }
    control.value = value || '';
    control.addEventListener('change', function () { onChange(control.value); });
    return control;
  }
  function checkbox(label, value, onChange) {
    var id = fieldId();
    var input = h('input', { type: 'checkbox', 'class': 'form-check-input', id: id, checked: value });
    input.addEventListener('change', function () { onChange(input.checked); });
    return h('div', { 'class': 'form-check mb-2' }, [
      input, h('label', { 'class': 'form-check-label small', 'for': id, text: label })
    ]);
  }
  /* An expression field checked as typed (Korean messages from the server). */
  function expressionField(label, value, kind, onChange, help, multiline) {
    var id = fieldId();
    var feedback = h('div', { 'class': 'modeller-feedback small', 'aria-live': 'polite', 'data-role': 'expression-feedback' });
    var control = multiline
      ? h('textarea', { 'class': 'form-control form-control-sm font-monospace', rows: '3', id: id, spellcheck: 'false' })
      : h('input', { type: 'text', 'class': 'form-control form-control-sm font-monospace', id: id, spellcheck: 'false' });
    control.value = value || '';
    var seq = 0;
    var run = debounce(function () {
      var text = control.value;
      if (!text.trim()) { feedback.textContent = ''; control.classList.remove('is-invalid', 'is-valid'); return; }
      seq += 1;
      var mine = seq;
      json(cfg.expressionUrl, { method: 'POST', body: { text: text, kind: kind } }).then(function (r) {
        if (mine !== seq) { return; }
        var problems = (r.data && r.data.problems) || [];
        control.classList.toggle('is-invalid', problems.length > 0);
        control.classList.toggle('is-valid', problems.length === 0);
        feedback.className = 'modeller-feedback small ' + (problems.length ? 'text-danger' : 'text-success');
        feedback.textContent = problems.length ? problems.join(' · ') : ieumT('식이 올바릅니다');
      });
    }, 250);
    control.addEventListener('input', run);
    control.addEventListener('change', function () { onChange(control.value.trim()); });
    if (value) { run(); }
    return group(label, control, help, feedback);
  }

  function formOptions() {
    return state.choices.forms.map(function (f) {
      return { value: f.filename, label: f.title + ' (' + f.id + ')' };
    });
  }
  function roleOptions() {
    return state.choices.roles.map(function (r) {
      return { value: r.id, label: r.title + ' (' + r.id + ')' };
    });
  }

  // --- the panel per element type -------------------------------------------------------------
  var TYPE_TITLES = {
    'bpmn:Process': ieumT('업무 절차'), 'bpmn:Participant': ieumT('업무 절차(풀)'), 'bpmn:Collaboration': ieumT('업무 절차'),
    'bpmn:UserTask': ieumT('사용자 작업'), 'bpmn:ServiceTask': ieumT('서비스 작업'), 'bpmn:ScriptTask': ieumT('스크립트 작업'),
    'bpmn:Task': ieumT('작업(종류 없음)'), 'bpmn:ManualTask': ieumT('수작업'), 'bpmn:CallActivity': ieumT('다른 절차 부르기'),
    'bpmn:SubProcess': ieumT('하위 절차'), 'bpmn:Lane': ieumT('레인(역할)'), 'bpmn:SequenceFlow': ieumT('흐름'),
    'bpmn:ExclusiveGateway': ieumT('배타 분기'), 'bpmn:ParallelGateway': ieumT('병렬 분기'),
    'bpmn:InclusiveGateway': ieumT('포함 분기'), 'bpmn:EventBasedGateway': ieumT('이벤트 분기'),
    'bpmn:StartEvent': ieumT('시작 이벤트'), 'bpmn:EndEvent': ieumT('끝 이벤트'),
    'bpmn:IntermediateCatchEvent': ieumT('중간 이벤트'), 'bpmn:IntermediateThrowEvent': ieumT('중간 이벤트'),
    'bpmn:BoundaryEvent': ieumT('경계 이벤트'), 'bpmn:TextAnnotation': ieumT('메모')
  };

  function renderPanel() {
    var element = state.selected;
    if (element && !svc('elementRegistry').get(element.id)) { element = state.selected = null; }
    if (!element) { element = svc('canvas').getRootElement(); }
    var business = bo(element);
    els.panelBody.textContent = '';
    if (!business) { return; }
    els.panelTitle.textContent = (TYPE_TITLES[business.$type] || business.$type.replace('bpmn:', '')) +
      (business.id ? ' · ' + business.id : '');
    var body = els.panelBody;
    var modeling = svc('modeling');

    if (isType(element, 'bpmn:Collaboration')) {
      var participant = (business.participants || [])[0];
      var shape = participant && svc('elementRegistry').get(participant.id);
      if (shape) { element = shape; business = participant; }
    }
    if (isType(element, 'bpmn:Process') || isType(element, 'bpmn:Participant')) {
      var process = isType(element, 'bpmn:Participant') ? business.processRef : business;
      body.appendChild(group(ieumT('업무 절차 ID'), h('input', { type: 'text', 'class': 'form-control form-control-sm', value: process ? process.id : '', readonly: true }),
        ieumT('문서의 키와 같아야 합니다.')));
      body.appendChild(group(ieumT('업무 절차 이름'), textInput(process ? process.name : '', function (v) {
        if (isType(element, 'bpmn:Participant')) {
          batch(function () {
            modeling.updateProperties(element, { name: v });
            modeling.updateModdleProperties(element, process, { name: v });
          });
        } else {
          modeling.updateProperties(element, { name: v });
        }
      }, { 'data-testid': 'process-name' }), ieumT('업무함과 진행 상황에 보이는 한글 이름')));
      return;
    }

    if (isType(element, 'bpmn:Lane')) {
      body.appendChild(group(ieumT('맡는 역할'), select(roleOptions(), business.name || '', function (v) {
        modeling.updateProperties(element, { name: v || undefined });
      }, ieumT('— 역할을 고르세요 —')), ieumT('이 레인의 사용자 작업은 이 역할을 가진 직원의 업무함에 갑니다. 레인 이름은 역할 ID입니다.')));
      var role = state.choices.roles.filter(function (r) { return r.id === business.name; })[0];
      if (role) {
        body.appendChild(h('p', { 'class': 'small text-muted', text: fill('%(role)s — 시설유형: %(profiles)s', { role: role.title, profiles: role.profiles.join(', ') }) }));
      }
      return;
    }

    body.appendChild(group('ID', textInput(business.id, function (v) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v)) { setStatus(ieumT('ID는 영문자로 시작하는 영문자·숫자·밑줄이어야 합니다.'), 'error'); renderPanel(); return; }
      if (v !== business.id && svc('elementRegistry').get(v)) { setStatus(fill('같은 ID가 이미 있습니다: %(id)s', { id: v }), 'error'); renderPanel(); return; }
      modeling.updateProperties(element, { id: v });
    }, { 'data-testid': 'element-id' })));
    body.appendChild(group(ieumT('이름'), textInput(business.name || '', function (v) {
      modeling.updateProperties(element, { name: v || undefined });
    }, { 'data-testid': 'element-name' }), isType(element, 'bpmn:UserTask') ? ieumT('업무함에 보이는 한글 이름') : null));

    if (isType(element, 'bpmn:UserTask')) { userTaskPanel(element, body); }
    if (isType(element, 'bpmn:ServiceTask')) { serviceTaskPanel(element, body); }
    if (isType(element, 'bpmn:ScriptTask')) {
      body.appendChild(expressionField(ieumT('스크립트'), business.script || '', 'script', function (v) {
        modeling.updateProperties(element, { script: v || undefined });
      }, ieumT('한 줄에 하나씩 "이름 = 식"'), true));
    }
    if (isType(element, 'bpmn:CallActivity')) {
      var processes = state.choices.processes.map(function (p) { return { value: p.id, label: p.name + ' (' + p.id + ')' }; });
      body.appendChild(group(ieumT('부를 업무 절차'), select(processes, business.calledElement || '', function (v) {
        modeling.updateProperties(element, { calledElement: v || undefined });
      })));
    }
    if (isType(element, 'bpmn:SequenceFlow')) { flowPanel(element, body); }
    if (isType(element, 'bpmn:ExclusiveGateway') || isType(element, 'bpmn:InclusiveGateway')) {
      var outgoing = (business.outgoing || []).map(function (f) { return { value: f.id, label: (f.name || '') + ' (' + f.id + ')' }; });
      body.appendChild(group(ieumT('기본 흐름'), select(outgoing, business['default'] ? business['default'].id : '', function (v) {
        var flow = (business.outgoing || []).filter(function (f) { return f.id === v; })[0];
        modeling.updateProperties(element, { 'default': flow || undefined });
      }, ieumT('— 없음 —')), ieumT('어느 조건도 맞지 않을 때 가는 흐름. 나머지 흐름에는 조건식을 적습니다(흐름을 골라서).')));
    }
    var timer = (business.eventDefinitions || []).filter(function (d) { return d.$type === 'bpmn:TimerEventDefinition'; })[0];
    if (timer) { timerPanel(element, timer, body); }
    if (isType(element, 'bpmn:UserTask') || isType(element, 'bpmn:ServiceTask')) { scriptsPanel(element, body); }
  }

  function userTaskPanel(element, body) {
    body.appendChild(group(ieumT('서식'), select(formOptions(), getProperty(element, FORM), function (v) {
      setProperty(element, FORM, v);
    }, ieumT('— 서식을 고르세요 —')), ieumT('이 작업에서 작성할 서식 (등록된 서식)'), null));
    body.lastChild.querySelector('select').setAttribute('data-testid', 'form-picker');
    body.appendChild(checkbox(ieumT('결재 단계 (결재 대기로 셉니다)'), getProperty(element, 'approvalStep') === 'true', function (on) {
      setProperty(element, 'approvalStep', on ? 'true' : '');
    }));
    body.appendChild(checkbox(ieumT('이 작업을 완료한 직원이 사례를 맡음 (claimsCase)'), getProperty(element, 'claimsCase') === 'true', function (on) {
      setProperty(element, 'claimsCase', on ? 'true' : '');
    }));
    var details = h('details', { 'class': 'mb-2' }, [h('summary', { 'class': 'small', text: ieumT('담당·기한 (식)') })]);
    details.appendChild(expressionField(ieumT('담당 역할 식 (레인 대신)'), getProperty(element, 'role'), 'condition', function (v) {
      setProperty(element, 'role', v);
    }, ieumT('예: coalesce(approver_role, "team_leader")')));
    details.appendChild(expressionField(ieumT('담당자 식 (직원 번호)'), getProperty(element, 'assignee'), 'condition', function (v) {
      setProperty(element, 'assignee', v);
    }));
    details.appendChild(expressionField(ieumT('처리 기한(일) 식'), getProperty(element, 'dueInDays'), 'condition', function (v) {
      setProperty(element, 'dueInDays', v);
    }, ieumT('예: 7')));
    if (getProperty(element, 'role') || getProperty(element, 'assignee') || getProperty(element, 'dueInDays')) { details.open = true; }
    body.appendChild(details);
  }

  function scriptsPanel(element, body) {
    var pre = getBodyExtension(element, 'spiffworkflow:PreScript');
    var post = getBodyExtension(element, 'spiffworkflow:PostScript');
    var details = h('details', { 'class': 'mb-2' }, [h('summary', { 'class': 'small', text: ieumT('사전·사후 스크립트') })]);
    details.appendChild(expressionField(ieumT('사전 스크립트'), pre, 'script', function (v) {
      setBodyExtension(element, 'spiffworkflow:PreScript', v);
    }, null, true));
    details.appendChild(expressionField(ieumT('사후 스크립트'), post, 'script', function (v) {
      setBodyExtension(element, 'spiffworkflow:PostScript', v);
    }, null, true));
    if (pre || post) { details.open = true; }
    body.appendChild(details);
  }

  function serviceTaskPanel(element, body) {
    var modeling = svc('modeling');
    var operator = extension(element, 'spiffworkflow:ServiceTaskOperator');
    var functions = state.choices.functions.map(function (f) {
      return { value: f.name, label: f.name + (f.doc ? ' — ' + f.doc : '') };
    });
    var picker = select(functions, operator ? operator.id : '', function (v) {
      batch(function () {
        var op = extension(element, 'spiffworkflow:ServiceTaskOperator');
        if (!v) {
          if (op) {
            var ee = bo(element).extensionElements;
            var rest = ee.get('values').filter(function (x) { return x !== op; });
            modeling.updateModdleProperties(element, ee, { values: rest });
            if (!rest.length) { modeling.updateProperties(element, { extensionElements: undefined }); }
          }
          return;
        }
        var chosen = state.choices.functions.filter(function (f) { return f.name === v; })[0];
        if (!op) {
          var list = create('spiffworkflow:Parameters', { parameters: [] });
          op = ensureExtension(element, 'spiffworkflow:ServiceTaskOperator', { id: v, parameterList: list });
          list.$parent = op;
        } else {
          modeling.updateModdleProperties(element, op, { id: v });
        }
        var params = op.parameterList;
        if (!params) {
          params = create('spiffworkflow:Parameters', { parameters: [] });
          params.$parent = op;
          modeling.updateModdleProperties(element, op, { parameterList: params });
        }
        var have = (params.get('parameters') || []).map(function (p) { return p.id; });
        var added = ((chosen && chosen.parameters) || []).filter(function (n) { return have.indexOf(n) < 0; }).map(function (n) {
          var p = create('spiffworkflow:Parameter', { id: n, type: 'any', value: '' });
          p.$parent = params;
          return p;
        });
        if (added.length) {
          modeling.updateModdleProperties(element, params, { parameters: params.get('parameters').concat(added) });
        }
      });
    }, ieumT('— 함수를 고르세요 —'));
    picker.setAttribute('data-testid', 'function-picker');
    body.appendChild(group(ieumT('부를 함수'), picker, ieumT('등록된 서비스 함수 (플러그인의 ieum.functions 포함)')));
    if (!operator) { return; }
    body.appendChild(group(ieumT('결과 변수'), textInput(operator.resultVariable || '', function (v) {
      modeling.updateModdleProperties(element, operator, { resultVariable: v || undefined });
    }), ieumT('함수의 결과를 담을 이름')));
    var params = operator.parameterList ? operator.parameterList.get('parameters') : [];
    params.forEach(function (param) {
      body.appendChild(expressionField(fill('인자 %(name)s', { name: param.id }), param.value || '', 'condition', function (v) {
        modeling.updateModdleProperties(element, param, { value: v });
      }, ieumT('식 (글자는 "따옴표" 안에)')));
    });
  }

  function flowPanel(element, body) {
    var modeling = svc('modeling');
    var business = bo(element);
    var source = business.sourceRef;
    var fromGateway = source && (source.$instanceOf('bpmn:ExclusiveGateway') || source.$instanceOf('bpmn:InclusiveGateway'));
    var condition = business.conditionExpression ? (business.conditionExpression.body || '') : '';
    if (!fromGateway && !condition) { return; }
    var isDefault = fromGateway && source['default'] === business;
    body.appendChild(expressionField(ieumT('조건식'), condition, 'condition', function (v) {
      modeling.updateProperties(element, {
        conditionExpression: v ? create('bpmn:FormalExpression', { body: v }) : undefined
      });
    }, ieumT('예: decision == "approve"  — 업무의 자료(서식 항목)로 참/거짓을 계산합니다')));
    body.lastChild.querySelector('input').setAttribute('data-testid', 'condition');
    if (fromGateway) {
      var sourceShape = svc('elementRegistry').get(source.id);
      body.appendChild(checkbox(ieumT('기본 흐름 (어느 조건도 맞지 않을 때)'), isDefault, function (on) {
        modeling.updateProperties(sourceShape, { 'default': on ? business : undefined });
      }));
    }
  }

  function timerPanel(element, timer, body) {
    var modeling = svc('modeling');
    var kind = timer.timeDate ? 'timeDate' : 'timeDuration';
    var value = (timer[kind] && timer[kind].body) || '';
    var kinds = [{ value: 'timeDuration', label: ieumT('기간 뒤 (예: "P3D" 3일)') }, { value: 'timeDate', label: ieumT('정한 날짜·시각에') }];
    var apply = function (newKind, text) {
      var props = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      if (text) { props[newKind] = create('bpmn:FormalExpression', { body: text }); }
      modeling.updateModdleProperties(element, timer, props);
    };
    body.appendChild(group(ieumT('타이머'), select(kinds, kind, function (v) { apply(v || 'timeDuration', value); renderPanel(); }, ieumT('— 종류 —'))));
    body.appendChild(expressionField(kind === 'timeDate' ? ieumT('날짜·시각 (식)') : ieumT('기간 (식)'), value, kind, function (v) {
      apply(kind, v);
    }, kind === 'timeDate' ? ieumT('예: "2026-03-01T09:00:00" 또는 날짜를 담은 이름') : ieumT('예: "P3D"(3일), "PT2H"(2시간)')));
  }

  // --- problems beside elements ---------------------------------------------------------------
  function showProblems(problems) {
    state.problems = problems || [];
    var overlays = svc('overlays');
    var canvas = svc('canvas');
    var registry = svc('elementRegistry');
    overlays.remove({ type: 'ieum-problem' });
    registry.getAll().forEach(function (el) { canvas.removeMarker(el.id, 'ieum-has-problem'); });
    els.problemList.textContent = '';
    var byElement = {};
    state.problems.forEach(function (p) {
      var target = p.pointer && registry.get(p.pointer) ? p.pointer : null;
      var item = h('li', { 'class': 'list-group-item small', 'data-testid': 'problem' }, [
        target ? h('button', { type: 'button', 'class': 'btn btn-link btn-sm p-0 me-1 align-baseline', text: p.pointer, on: { click: function () { focusElement(target); } } })
          : (p.pointer ? h('code', { 'class': 'me-1', text: p.pointer }) : null),
        p.message
      ]);
      els.problemList.appendChild(item);
      if (target) { (byElement[target] = byElement[target] || []).push(p.message); }
    });
    Object.keys(byElement).forEach(function (id) {
      canvas.addMarker(id, 'ieum-has-problem');
      var badge = h('div', { 'class': 'modeller-problem-badge', title: byElement[id].join('\n'), text: String(byElement[id].length) });
      try {
        overlays.add(id, 'ieum-problem', { position: { top: -10, right: 10 }, html: badge });
      } catch (e) { /* an element without a shape (a process) */ }
    });
    var count = state.problems.length;
    els.problemCount.textContent = count ? fill('문제 %(n)s', { n: count }) : ieumT('문제 없음');
    els.problemCount.className = 'badge ms-auto ' + (count ? 'text-bg-danger' : 'text-bg-success');
    if (!count) { els.problemList.appendChild(h('li', { 'class': 'list-group-item small text-success', text: ieumT('ieum check가 보는 검사를 모두 통과합니다.') })); }
  }
  /* Each lane's role by its Korean title (the lane's own label is the role id the platform
   * reads). */
  function showRoles() {
    var overlays = svc('overlays');
    overlays.remove({ type: 'ieum-role' });
    svc('elementRegistry').filter(function (el) { return el.type === 'bpmn:Lane'; }).forEach(function (lane) {
      var role = state.choices.roles.filter(function (r) { return r.id === bo(lane).name; })[0];
      if (!role) { return; }
      overlays.add(lane.id, 'ieum-role', {
        position: { top: 6, left: 38 },
        html: h('div', { 'class': 'modeller-role-badge', title: ieumT('이 레인의 작업을 맡는 역할'), text: role.title })
      });
    });
  }
  /* Fit the diagram to the canvas, clear of the palette on its left. */
  function fit() {
    var canvas = svc('canvas');
    canvas.zoom('fit-viewport', 'auto');
    var box = canvas.viewbox();
    canvas.zoom(Math.min(box.scale * 0.86, 1.2), 'auto');
    canvas.scroll({ dx: 70, dy: 0 });
  }
  function focusElement(id) {
    var element = svc('elementRegistry').get(id);
    if (!element) { return; }
    svc('selection').select(element);
    try { svc('canvas').scrollToElement(element); } catch (e) { /* older bpmn-js */ }
  }

  var checkSeq = 0;
  function runCheck() {
    return modeler.saveXML({ format: true }).then(function (result) {
      checkSeq += 1;
      var mine = checkSeq;
      return json(cfg.checkUrl, { method: 'POST', body: { body: result.xml } }).then(function (r) {
        if (mine === checkSeq && r.ok) { showProblems(r.data.problems); }
        return r;
      });
    });
  }
  var checkSoon = debounce(runCheck, 600);

  // --- load and save --------------------------------------------------------------------------
  function showVersion() {
    els.version.textContent = state.version === null ? (root.dataset.shipped === 'true' ? ieumT('배포본') : ieumT('새 문서')) : fill('버전 %(n)s', { n: state.version });
  }
  function setDirty(dirty) {
    state.dirty = dirty;
    button('save').disabled = !dirty || state.saving;
    if (dirty) { setStatus(ieumT('저장하지 않은 변경이 있습니다')); }
  }
  /* bpmn-js drops XML comments; those directly inside bpmn:definitions (a shipped file's
   * notes for developers) are put back where they were when the document is saved. */
  var comments = '';
  function definitionComments(xml) {
    try {
      var doc = new DOMParser().parseFromString(xml, 'application/xml');
      return Array.prototype.filter.call(doc.documentElement.childNodes, function (node) {
        return node.nodeType === 8;
      }).map(function (node) { return '<!--' + node.data + '-->'; }).join('\n  ');
    } catch (e) { return ''; }
  }
  function exportXML() {
    return modeler.saveXML({ format: true }).then(function (result) {
      if (!comments) { return result.xml; }
      return result.xml.replace(/(<bpmn:definitions\b[^>]*>)/, function (tag) { return tag + '\n  ' + comments; });
    });
  }
  /* A document written by hand may have no diagram: the server lays one out. */
  function withDiagram(xml) {
    if (/BPMNDiagram/.test(xml)) { return Promise.resolve(xml); }
    return json(cfg.diagramUrl, { method: 'POST', body: { body: xml } }).then(function (r) {
      if (!r.ok) { throw new Error((r.data && r.data.error) || ieumT('BPMN 문서를 읽을 수 없습니다')); }
      return r.data.body;
    });
  }
  function importXML(xml) {
    comments = definitionComments(xml);
    return withDiagram(xml).then(function (drawn) { return modeler.importXML(drawn); }).then(function (result) {
      fit();
      state.selected = null;
      svc('commandStack').clear();
      setDirty(false);
      renderPanel();
      showRoles();
      return result;
    });
  }
  function load() {
    return json(cfg.documentUrl).then(function (r) {
      if (r.status === 404) {
        state.version = null;
        return state.choices.new_document;
      }
      if (!r.ok) { throw new Error((r.data && r.data.message) || fill('문서를 불러오지 못했습니다 (%(status)s)', { status: r.status })); }
      state.version = r.data.version === undefined ? null : r.data.version;
      state.status = r.data.status || null;
      return r.data.body;
    }).then(function (xml) {
      showVersion();
      return importXML(xml);
    }).then(function () {
      setStatus('');
      return runCheck();
    });
  }
  function save() {
    if (state.saving) { return Promise.resolve(); }
    state.saving = true;
    button('save').disabled = true;
    setStatus(ieumT('저장하는 중…'));
    return exportXML().then(function (xml) {
      return json(cfg.documentUrl, { method: 'PUT', body: { body: xml, base_version: state.version, note: '' } });
    }).then(function (r) {
      state.saving = false;
      if (r.ok) {
        state.version = r.data.version;
        showVersion();
        setDirty(false);
        setStatus(fill('저장했습니다 (버전 %(n)s)', { n: r.data.version }));
        runCheck();  // the modeller's own checks (with the service functions) and ieum check's
        return r;
      }
      button('save').disabled = false;
      setStatus((r.data && (r.data.message || r.data.error)) || fill('저장하지 못했습니다 (%(status)s)', { status: r.status }), 'error');
      return r;
    }, function (error) {
      state.saving = false;
      button('save').disabled = false;
      setStatus(fill('저장하지 못했습니다: %(reason)s', { reason: error.message }), 'error');
    });
  }
  function download() {
    exportXML().then(function (xml) {
      var blob = new Blob([xml], { type: 'application/xml' });
      var link = h('a', { href: URL.createObjectURL(blob), download: cfg.key + '.bpmn' });
      document.body.appendChild(link);
      link.click();
      link.remove();
    });
  }

  function updateUndoButtons() {
    var stack = svc('commandStack');
    button('undo').disabled = !stack.canUndo();
    button('redo').disabled = !stack.canRedo();
  }
  function isEditable(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function start(descriptor, choices) {
    state.choices = choices;
    modeler = new window.BpmnJS({
      container: els.canvas,
      moddleExtensions: { spiffworkflow: descriptor },
      additionalModules: [{ translate: ['value', translate] }]
    });
    svc('commandStack').registerHandler('ieum.batch', BatchHandler);
    var eventBus = svc('eventBus');
    eventBus.on('selection.changed', function (e) {
      state.selected = e.newSelection.length === 1 ? e.newSelection[0] : null;
      renderPanel();
    });
    eventBus.on('commandStack.changed', function (e) {
      updateUndoButtons();
      if (e.trigger !== 'clear') { setDirty(true); }
      showRoles();
      renderPanelSoon();
      checkSoon();
    });
    var renderPanelSoon = debounce(function () {
      if (!els.panelBody.contains(document.activeElement)) { renderPanel(); }
    }, 50);
    els.panelBody.addEventListener('focusout', function () { setTimeout(function () {
      if (!els.panelBody.contains(document.activeElement)) { renderPanel(); }
    }, 0); });

    button('undo').addEventListener('click', function () { svc('commandStack').undo(); });
    button('redo').addEventListener('click', function () { svc('commandStack').redo(); });
    button('fit').addEventListener('click', fit);
    button('save').addEventListener('click', save);
    button('download').addEventListener('click', download);
    document.addEventListener('keydown', function (e) {
      var cmd = e.ctrlKey || e.metaKey;
      if (!cmd) { return; }
      var key = e.key.toLowerCase();
      if (key === 's') { e.preventDefault(); if (state.dirty) { save(); } return; }
      if (isEditable(e.target) || els.canvas.contains(e.target)) { return; }  // bpmn-js has its own
      if (key === 'z' && !e.shiftKey) { e.preventDefault(); svc('commandStack').undo(); } else if ((key === 'z' && e.shiftKey) || key === 'y') { e.preventDefault(); svc('commandStack').redo(); }
    });
    window.addEventListener('beforeunload', function (e) {
      if (state.dirty) { e.preventDefault(); e.returnValue = ''; }
    });
    return load();
  }

  var ready = Promise.all([
    fetch(cfg.moddleUrl, { credentials: 'same-origin' }).then(function (r) { return r.json(); }),
    json(cfg.dataUrl).then(function (r) { if (!r.ok) { throw new Error(ieumT('선택 목록을 불러오지 못했습니다')); } return r.data; })
  ]).then(function (loaded) { return start(loaded[0], loaded[1]); }).then(function () {
    root.setAttribute('data-ready', 'true');
  }, function (error) {
    setStatus(error.message || String(error), 'error');
    root.setAttribute('data-ready', 'error');
  });

  /* For tests and the console: the modeler, and its document in and out. */
  window.ieumModeller = {
    ready: ready,
    get modeler() { return modeler; },
    importXML: function (xml) { return importXML(xml); },
    saveXML: exportXML,
    check: function () { return runCheck().then(function () { return state.problems; }); },
    save: save,
    fit: function () { fit(); },
    isDirty: function () { return state.dirty; }
  };
}());
