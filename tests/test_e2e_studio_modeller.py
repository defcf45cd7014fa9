"""In a real browser, the process modeller (bpmn-js served by the app, no network): every
shipped process opens through the studio's document endpoint and saves back unchanged in
meaning (bpmn-js's export compared in Python with ieum.studio.processes.same_meaning), and a
content author models a three-step process with a gateway and two lanes, setting forms, roles
and a condition through the properties panel, and saves it: the saved BPMN passes the checks.
The screen is kept as tests/artifacts/studio_modeller.png."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from playwright.sync_api import expect

from ieum.config import REPOSITORY_ROOT
from ieum.services.admin.users import create_user, grant_official_role
from ieum.studio import processes
from ieum.workflow.functions import available
from tests.browserutil import screenshot, sign_in
from tests.webutil import PASSWORD

pytestmark = pytest.mark.browser

TODAY = dt.date(2026, 11, 2)
SHIPPED = sorted((REPOSITORY_ROOT / "workflows" / "bpmn").rglob("*.bpmn"))
FUNCTIONS = frozenset(available(plugins=False))


@pytest.fixture
def server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, roots=[REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    with app.extensions["ieum.database"].session() as session:
        author = create_user(session, login="author", name="절차작성자", password=PASSWORD)
        grant_official_role(session, user=author, role="content_author", region_code=None,
                            valid_from=TODAY - dt.timedelta(days=30))
        create_user(session, login="nobody", name="권한없음", password=PASSWORD)
        session.commit()
    server = live_server(app)
    server.registry = app.extensions["ieum.registry"]
    return server


def open_modeller(page, server, key: str) -> None:
    page.goto(f"{server.url}/content/process/{key}/edit")
    expect(page.locator("#modeller")).to_have_attribute("data-ready", "true", timeout=20_000)


def saved_xml(page) -> str:
    return page.evaluate("() => window.ieumModeller.saveXML()")


def document(page, server, key: str) -> dict:
    return page.evaluate(
        """url => fetch(url, {headers: {Accept: 'application/json'}}).then(r => r.json())""",
        f"{server.url}/content/process/{key}/document")


def test_every_shipped_process_opens_and_saves_back_unchanged_in_meaning(page, server):
    sign_in(page, server, "author")
    failures = {}
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for path in SHIPPED:
        body = path.read_text(encoding="utf-8")
        key = processes.process_ids(body)[0]
        open_modeller(page, server, key)
        expect(page.get_by_test_id("modeller-version")).to_have_text("배포본")
        saved = saved_xml(page)
        differences = processes.differences(body, saved)
        if differences:
            failures[path.name] = differences
        assert "spiffworkflow:" not in body or "spiffworkflow:" in saved
        comment = re.search(r"<!--(.*?)-->", body, re.S)
        assert comment is None or comment.group(0) in saved, path.name  # notes kept
        assert processes.check(saved, server.registry, functions=FUNCTIONS, key=key) == [], \
            path.name
    assert failures == {}
    # Nothing came from anywhere but the app (no CDN).
    assert requests and all(url.startswith(server.url) for url in requests)

    # The real save path: 저장 stores the first draft version, unchanged in meaning.
    body = next(p for p in SHIPPED if p.name == "approval.bpmn").read_text(encoding="utf-8")
    key = processes.process_ids(body)[0]
    open_modeller(page, server, key)
    page.evaluate("() => window.ieumModeller.modeler.get('modeling')"
                  ".updateProperties(window.ieumModeller.modeler.get('elementRegistry')"
                  ".filter(e => e.type === 'bpmn:StartEvent')[0], {name: '결재 요청'})")
    expect(page.get_by_role("button", name="저장", exact=True)).to_be_enabled()
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_test_id("modeller-version")).to_have_text("버전 1")
    stored = document(page, server, key)
    assert stored["version"] == 1
    assert processes.same_meaning(body, stored["body"])


def test_someone_without_a_studio_role_gets_403(page, server):
    sign_in(page, server, "nobody")
    response = page.goto(f"{server.url}/content/process/approval/edit")
    assert response.status == 403


BUILD = """() => {
  const m = window.ieumModeller.modeler;
  const modeling = m.get('modeling'), factory = m.get('elementFactory');
  const registry = m.get('elementRegistry'), canvas = m.get('canvas');
  const start = registry.get('start');
  const participant = modeling.createShape(
    factory.createParticipantShape({isExpanded: true}), {x: 500, y: 250},
    canvas.getRootElement());
  modeling.resizeShape(participant, {x: participant.x, y: 40, width: 1000, height: 420});
  modeling.splitLane(participant, 2);
  const lanes = registry.filter(e => e.type === 'bpmn:Lane').sort((a, b) => a.y - b.y);
  const shape = (type, id, x, y) => modeling.createShape(
    factory.createShape({type, businessObject: m.get('bpmnFactory').create(type, {id})}),
    {x, y}, participant);
  const write = shape('bpmn:UserTask', 'write_plan', 380, 150);
  const gateway = shape('bpmn:ExclusiveGateway', 'plan_gateway', 530, 150);
  const approve = shape('bpmn:UserTask', 'approve_plan', 680, 350);
  const finish = shape('bpmn:UserTask', 'file_plan', 680, 150);
  const end = shape('bpmn:EndEvent', 'end', 860, 150);
  const rework = shape('bpmn:EndEvent', 'returned', 860, 350);
  modeling.moveElements([start], {x: 242 - start.x, y: 132 - start.y});
  const flows = [[start, write], [write, gateway], [gateway, finish], [gateway, approve],
                 [finish, end], [approve, rework]];
  flows.forEach(([a, b]) => modeling.connect(a, b));
  window.ieumModeller.fit();
  return lanes.map(l => l.id);
}"""


def pick(page, test_id: str, label: str) -> None:
    page.get_by_test_id(test_id).select_option(label=label)


def click_element(page, element_id: str, position: dict | None = None) -> None:
    page.locator(f'.djs-element[data-element-id="{element_id}"]').first.click(
        position=position)
    expect(page.get_by_test_id("properties-panel")).to_contain_text(element_id)


def select_flow(page, flow_id: str) -> None:
    """A flow is thin to click: select it as a click would."""
    page.evaluate("""id => { const m = window.ieumModeller.modeler;
        m.get('selection').select(m.get('elementRegistry').get(id)); }""", flow_id)
    expect(page.get_by_test_id("properties-panel")).to_contain_text(flow_id)


def test_a_three_step_process_with_a_gateway_and_two_lanes_is_modelled_and_saved(page, server):
    registry = server.registry
    form_titles = {f.id: f"{f.title} ({f.id})" for f in registry.forms.values()}
    roles = processes.role_choices(registry)
    sign_in(page, server, "author")
    open_modeller(page, server, "home_visit_plan")
    expect(page.get_by_test_id("modeller-version")).to_have_text("새 문서")
    lane_ids = page.evaluate(BUILD)

    # Lanes → roles, by the role picker.
    for lane_id, role in zip(lane_ids, ("worker", "team_leader"), strict=True):
        click_element(page, lane_id, position={"x": 300, "y": 20})  # above its tasks
        page.get_by_label("맡는 역할").select_option(label=f"{roles[role]['title']} ({role})")
    expect(page.locator(".modeller-role-badge")).to_have_text(
        [roles["worker"]["title"], roles["team_leader"]["title"]])
    # User tasks → names and forms, by the form picker.
    for task_id, name, form in (("write_plan", "계획 작성", "counselling_note"),
                                ("file_plan", "계획 보관", "counselling_note"),
                                ("approve_plan", "계획 승인", "approval_decision")):
        click_element(page, task_id)
        page.get_by_test_id("element-name").fill(name)
        page.get_by_test_id("element-name").press("Enter")
        pick(page, "form-picker", form_titles[form])
        if task_id == "approve_plan":
            page.get_by_label("결재 단계 (결재 대기로 셉니다)").check()

    # The gateway's branches: a condition checked as typed (a mistake first), and a default.
    flows = page.evaluate("""() => window.ieumModeller.modeler.get('elementRegistry')
        .get('plan_gateway').outgoing.map(f => [f.id, f.target.id])""")
    to_approval = next(f for f, target in flows if target == "approve_plan")
    to_file = next(f for f, target in flows if target == "file_plan")
    select_flow(page, to_approval)
    page.get_by_test_id("element-name").fill("결재 필요")
    page.get_by_test_id("element-name").press("Enter")
    condition = page.get_by_test_id("condition")
    condition.fill("needs_approval == ")
    expect(page.locator('[data-role="expression-feedback"]').first).to_contain_text(
        "문법이 맞지 않습니다")
    expect(page.get_by_test_id("problems")).to_contain_text(to_file)  # no condition yet
    condition.fill("needs_approval == true")
    expect(page.locator('[data-role="expression-feedback"]').first).to_have_text("식이 올바릅니다")
    condition.press("Tab")
    select_flow(page, to_file)
    page.get_by_test_id("element-name").fill("바로 보관")
    page.get_by_test_id("element-name").press("Enter")
    page.get_by_label("기본 흐름 (어느 조건도 맞지 않을 때)").check()

    # The process's name, then every problem is gone.
    page.evaluate("() => window.ieumModeller.modeler.get('selection').select([])")
    page.get_by_test_id("process-name").fill("가정방문 계획")
    page.get_by_test_id("process-name").press("Enter")
    expect(page.get_by_test_id("problems")).to_contain_text("문제 없음", timeout=10_000)

    # Undo takes the last change back, redo brings it again.
    page.get_by_role("button", name="되돌리기", exact=True).click()
    expect(page.get_by_test_id("problems")).to_contain_text("업무 절차의 이름이 없습니다")
    page.get_by_role("button", name="다시 하기", exact=True).click()
    expect(page.get_by_test_id("problems")).to_contain_text("문제 없음", timeout=10_000)
    page.keyboard.press("Control+z")  # the same from the keyboard
    expect(page.get_by_test_id("process-name")).to_have_value("")
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_test_id("process-name")).to_have_value("가정방문 계획")
    expect(page.get_by_test_id("problems")).to_contain_text("문제 없음", timeout=10_000)

    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_test_id("modeller-version")).to_have_text("버전 1")
    click_element(page, "approve_plan")
    screenshot(page, "studio_modeller")

    saved = document(page, server, "home_visit_plan")
    body = saved["body"]
    assert saved["version"] == 1 and saved["problems"] == []
    assert processes.check(body, registry, functions=FUNCTIONS, key="home_visit_plan") == []
    root = processes.parse(body)
    ns = {"bpmn": processes.BPMN_NS, "spiffworkflow": processes.SPIFF_NS}
    assert sorted(lane.get("name") for lane in root.iterfind(".//bpmn:lane", ns)) == [
        "team_leader", "worker"]
    tasks = {t.get("id"): (t.get("name"), processes.properties(t))
             for t in root.iterfind(".//bpmn:userTask", ns)}
    assert tasks == {
        "write_plan": ("계획 작성", {"formJsonSchemaFilename": "counselling_note.json"}),
        "file_plan": ("계획 보관", {"formJsonSchemaFilename": "counselling_note.json"}),
        "approve_plan": ("계획 승인", {"formJsonSchemaFilename": "approval_decision.json",
                                    "approvalStep": "true"}),
    }
    conditions = {f.get("id"): f.findtext("bpmn:conditionExpression", None, ns)
                  for f in root.iterfind(".//bpmn:sequenceFlow", ns)}
    assert conditions[to_approval] == "needs_approval == true"
    assert root.find(".//bpmn:exclusiveGateway", ns).get("default") == to_file
    # Lanes hold their tasks: the approval is the team leader's.
    lanes = {lane.get("name"): {ref.text for ref in lane.iterfind("bpmn:flowNodeRef", ns)}
             for lane in root.iterfind(".//bpmn:lane", ns)}
    assert "approve_plan" in lanes["team_leader"] and "write_plan" in lanes["worker"]
    assert json.dumps(saved).count("spiffworkflow:property") >= 4


TEST_PROCESSES = REPOSITORY_ROOT / "tests" / "content" / "workflows" / "bpmn"
IMPORT = "xml => window.ieumModeller.importXML(xml).then(() => window.ieumModeller.saveXML())"


def test_service_tasks_timers_and_lanes_of_the_test_content_keep_their_meaning(page, server):
    """Service tasks (serviceTaskOperator and its parameters), a timer and three lanes: they
    survive bpmn-js unchanged, and the panel edits them (the function picker offers the
    function's parameters; the timer's duration is checked as typed)."""
    sign_in(page, server, "author")
    open_modeller(page, server, "modelled_here")
    bodies = {path.stem: path.read_text(encoding="utf-8")
              for path in sorted(TEST_PROCESSES.glob("*.bpmn"))}
    assert {"broken_service", "reminder", "three_lane"} <= set(bodies)
    for name, body in bodies.items():
        saved = page.evaluate(IMPORT, body)
        assert processes.differences(body, saved) == [], name

    page.evaluate("xml => window.ieumModeller.importXML(xml)", bodies["broken_service"])
    click_element(page, "call_outside")
    picker = page.get_by_test_id("function-picker")
    expect(picker).to_have_value("fail")
    picker.select_option("add_days")
    expect(page.get_by_label("인자 days")).to_be_visible()
    page.get_by_label("인자 days").fill("7")
    page.get_by_label("인자 days").press("Tab")
    root = processes.parse(saved_xml(page))
    operator = root.find(f".//{{{processes.SPIFF_NS}}}serviceTaskOperator")
    assert operator.get("id") == "add_days" and operator.get("resultVariable") == "out"
    assert {p.get("id"): (p.get("type"), p.get("value"))
            for p in operator.iter(f"{{{processes.SPIFF_NS}}}parameter")} == {
        "message": ("str", '"외부 시스템 응답 없음"'), "date": ("any", ""), "days": ("any", "7")}
    page.get_by_role("button", name="되돌리기", exact=True).click()
    page.get_by_role("button", name="되돌리기", exact=True).click()
    assert processes.same_meaning(bodies["broken_service"], saved_xml(page))

    page.evaluate("xml => window.ieumModeller.importXML(xml)", bodies["reminder"])
    page.evaluate("""() => { const m = window.ieumModeller.modeler;
        m.get('selection').select(m.get('elementRegistry').get('assessment_late')); }""")
    duration = page.get_by_label("기간 (식)")
    expect(duration).to_have_value('"P30D"')
    duration.fill('"30일"')
    expect(page.locator('[data-role="expression-feedback"]').first).to_contain_text(
        "ISO 8601 기간이 아닙니다")
    duration.fill('"P14D"')
    expect(page.locator('[data-role="expression-feedback"]').first).to_have_text("식이 올바릅니다")
    duration.press("Tab")
    assert '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P14D"</bpmn:timeDuration>' \
        in saved_xml(page)
    assert processes.differences(bodies["reminder"], saved_xml(page))[0].startswith(
        "assessment_late_timer: 다릅니다")


STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'")


def test_the_modeller_works_under_a_strict_content_security_policy(page, server):
    """No inline script or style: the page, bpmn-js and the panel work under the strict CSP
    the app is getting (set here on the page's response)."""
    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response,
                      headers={**response.headers, "content-security-policy": STRICT_CSP})

    sign_in(page, server, "author")
    page.add_init_script("""window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(
            e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || '')));""")
    page.route("**/content/process/*/edit", with_csp)
    open_modeller(page, server, "approval")
    click_element(page, "decide")
    expect(page.get_by_test_id("form-picker")).to_have_value("approval_decision.json")
    page.get_by_test_id("element-name").fill("승인 여부 검토")
    page.get_by_test_id("element-name").press("Enter")
    expect(page.get_by_test_id("problems")).to_contain_text("문제 없음")
    assert page.evaluate("() => window.__violations") == []
    # The policy is in force: an inline script is refused (and seen).
    page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__ran = true'; document.body.appendChild(s); }""")
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("() => window.__violations.length > 0")
    assert page.evaluate("() => window.__ran") is None


def test_a_save_over_someone_elses_newer_version_is_refused_in_korean(page, server):
    sign_in(page, server, "author")
    open_modeller(page, server, "approval")
    rename = """name => { const m = window.ieumModeller.modeler;
        m.get('modeling').updateProperties(m.get('elementRegistry').get('decide'), {name}); }"""
    page.evaluate(rename, "승인 검토 1")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_test_id("modeller-version")).to_have_text("버전 1")
    # Someone else saves version 2 meanwhile (same endpoint, another tab).
    other = page.context.new_page()
    open_modeller(other, server, "approval")
    other.evaluate(rename, "승인 검토 2")
    other.get_by_role("button", name="저장", exact=True).click()
    expect(other.get_by_test_id("modeller-version")).to_have_text("버전 2")
    other.close()

    page.evaluate(rename, "승인 검토 3")
    page.get_by_role("button", name="저장", exact=True).click()
    expect(page.get_by_test_id("modeller-status")).to_contain_text("다른 사용자가 먼저")
    expect(page.get_by_test_id("modeller-status")).to_have_class(re.compile("text-danger"))
    expect(page.get_by_test_id("modeller-version")).to_have_text("버전 1")
    stored = document(page, server, "approval")
    assert stored["version"] == 2 and 'name="승인 검토 2"' in stored["body"]
    assert page.evaluate("() => window.ieumModeller.isDirty()") is True
