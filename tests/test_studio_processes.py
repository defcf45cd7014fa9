"""The process modeller's pure logic (ieum.studio.processes): the checks a process document
gets in the studio (each problem naming its BPMN element, in Korean) and the comparison of two
documents by meaning (the diagram and the order of attributes do not count; a changed
condition, lane or property does)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.studio import processes
from ieum.workflow.functions import available

SHIPPED = sorted((REPOSITORY_ROOT / "workflows" / "bpmn").rglob("*.bpmn"))
REFERRAL = REPOSITORY_ROOT / "workflows" / "bpmn" / "collaboration" / "referral_review.bpmn"
FUNCTIONS = frozenset(available(plugins=False))


@pytest.fixture(scope="module")
def registry():
    return load_registry([REPOSITORY_ROOT], plugins=False)


def referral() -> str:
    return REFERRAL.read_text(encoding="utf-8")


def problems_of(body: str, registry, **kwargs) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in processes.check(body, registry, functions=FUNCTIONS, **kwargs):
        found.setdefault(problem.pointer, []).append(problem.message)
    return found


def test_the_shipped_processes_are_found():
    assert len(SHIPPED) >= 12
    assert REFERRAL in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_process_passes_the_studio_checks(path: Path, registry):
    body = path.read_text(encoding="utf-8")
    key = processes.process_ids(body)[0]
    assert processes.check(body, registry, functions=FUNCTIONS, key=key) == []


def test_a_form_that_does_not_exist_is_reported_on_its_user_task(registry):
    body = referral().replace('value="referral_review.json"',
                              'value="no_such_form.json"')
    found = problems_of(body, registry)
    assert found == {
        "review": ["서식 'no_such_form.json'이(가) 없습니다: 등록된 서식에서 고르세요."]}


def test_a_user_task_without_a_form_or_name_is_reported(registry):
    body = referral().replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="referral_review.json" />',
        "").replace('name="서비스의뢰 검토"', "")
    messages = problems_of(body, registry)["review"]
    assert any(m.startswith("사용자 작업에 서식이 없습니다") for m in messages)
    assert any(m.startswith("사용자 작업의 이름이 없습니다") for m in messages)


def test_a_lane_must_name_a_role(registry):
    unknown = referral().replace('name="facility_admin"', 'name="janitor"')
    assert problems_of(unknown, registry) == {
        "Lane_facility_admin": ["레인의 역할 'janitor'은(는) 어느 시설유형에도 없는 역할입니다."]}
    nameless = referral().replace('name="facility_admin"', "")
    assert problems_of(nameless, registry)["Lane_facility_admin"][0].startswith(
        "레인에 역할이 없습니다")


def test_a_lane_role_missing_from_a_profile_that_uses_the_process_is_reported(registry):
    # referral_review is used by units in profiles; a role of some other profile only is not
    # enough (the same rule `ieum check` applies to the profiles).
    roles = processes.role_choices(registry)
    using = processes._profiles_using(registry, ["referral_review"])
    assert using, "referral_review is used by some profile"
    elsewhere = next(r for r, info in roles.items()
                     if not set(using) <= set(info["profiles"]))
    body = referral().replace('name="facility_admin"', f'name="{elsewhere}"')
    messages = problems_of(body, registry)["Lane_facility_admin"]
    assert messages and all("이 업무 절차를 쓰는 시설유형" in m for m in messages)


def test_a_condition_that_does_not_parse_is_reported_in_korean(registry):
    body = referral().replace('decision == "accept"', 'decision == "accept" and (')
    assert problems_of(body, registry) == {
        "flow_accepted": ["조건식: 식의 문법이 맞지 않습니다 (26번째 글자): "
                          "'(' 괄호가 닫히지 않았습니다"]}


def test_a_gateway_branch_without_a_condition_is_reported(registry):
    body = re.sub(r"<bpmn:conditionExpression>.*?</bpmn:conditionExpression>", "", referral())
    assert problems_of(body, registry)["flow_accepted"] == [
        "분기 조건이 없습니다: 조건식을 적거나 이 흐름을 기본 흐름으로 정하세요."]


def test_a_service_task_names_a_registered_function(registry):
    body = (REPOSITORY_ROOT / "tests" / "content" / "workflows" / "bpmn"
            / "broken_service.bpmn").read_text(encoding="utf-8")
    task = re.search(r'<bpmn:serviceTask id="([^"]+)"', body).group(1)
    assert task not in problems_of(body, registry)
    renamed = body.replace('serviceTaskOperator id="fail"', 'serviceTaskOperator id="no_such_fn"')
    assert "등록되지 않은 서비스 함수입니다: no_such_fn" in problems_of(renamed, registry)[task]
    broken_parameter = body.replace('value="&quot;외부 시스템 응답 없음&quot;"',
                                    'value="&quot;열린 따옴표"')
    assert any(m.startswith("인자 'message'")
               for m in problems_of(broken_parameter, registry)[task])


def test_timers_are_checked(registry):
    body = (REPOSITORY_ROOT / "tests" / "content" / "workflows" / "bpmn"
            / "reminder.bpmn").read_text(encoding="utf-8")
    event = re.search(r'<bpmn:boundaryEvent id="([^"]+)"', body).group(1)
    assert event not in problems_of(body, registry)
    wrong = body.replace('"P30D"', '"30 days"')
    assert problems_of(wrong, registry)[event] == [
        "타이머: 기간 '30 days'은(는) ISO 8601 기간이 아닙니다 "
        "(예: \"P3D\"는 3일, \"PT2H\"는 2시간)"]
    assert processes.check_timer('"2026-03-01T09:00:00"', "timeDate") == []
    assert processes.check_timer('"내일"', "timeDate")


def test_not_bpmn_and_the_wrong_key_are_reported(registry):
    assert processes.check("", registry) == [
        processes.StudioProblem("", "BPMN 문서가 비어 있습니다.")]
    assert processes.check("<a><b></a>", registry)[0].message.startswith("XML 문법 오류")
    assert processes.check("<root/>", registry)[0].message.startswith("BPMN 문서가 아닙니다")
    assert problems_of(referral(), registry, key="other_key") == {
        "referral_review": ["업무 절차의 ID는 'other_key'여야 합니다 (지금: referral_review)."]}


def test_what_spiffworkflow_refuses_is_reported_on_its_element(registry):
    body = referral().replace('sourceRef="review" targetRef="decision_gateway"',
                              'sourceRef="review" targetRef="nowhere"')
    found = processes.check(body, registry, functions=FUNCTIONS)
    assert found and all(p.message.startswith("BPMN 검사: ") for p in found)


def test_a_new_process_starts_with_a_start_event_and_passes(registry):
    body = processes.empty_process("home_visit_plan", "가정방문 계획")
    assert processes.process_ids(body) == ["home_visit_plan"]
    assert "<bpmn:startEvent" in body and 'name="가정방문 계획"' in body
    assert processes.check(body, registry, functions=FUNCTIONS, key="home_visit_plan") == []
    assert processes.check(processes.empty_process("plan"), registry) == [processes.StudioProblem(
        "plan", "업무 절차의 이름이 없습니다: 한글 이름을 적으세요.")]


def test_expressions_are_checked_in_korean():
    assert processes.check_condition('decision == "approve"') == []
    assert processes.check_condition("") == ["식이 비어 있습니다"]
    assert processes.check_condition("open(x)") == ["쓸 수 없는 함수입니다: open"]
    assert processes.check_script_text("approved = decision == \"approve\"") == []
    assert processes.check_script_text("x + 1") == [
        "1번째 줄: 스크립트의 각 줄은 '이름 = 식' 꼴이어야 합니다"]


# --- same meaning --------------------------------------------------------------------------------

def test_the_diagram_attribute_order_and_layout_do_not_change_the_meaning():
    body = referral()
    moved = re.sub(r'x="(\d+)"', lambda m: f'x="{int(m.group(1)) + 40}"', body)
    reordered = body.replace('<bpmn:sequenceFlow id="flow_rejected" name="거절" '
                             'sourceRef="decision_gateway"\n                       '
                             'targetRef="rejected" />',
                             '<bpmn:sequenceFlow targetRef="rejected" sourceRef="decision_gateway" '
                             'name="거절" id="flow_rejected"/>')
    assert reordered != body
    one_line = re.sub(r">\s+<", "><", body)
    typed = body.replace("<bpmn:conditionExpression>",
                         '<bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/'
                         'XMLSchema-instance" xsi:type="bpmn:tFormalExpression">')
    for other in (moved, reordered, one_line, typed):
        assert processes.same_meaning(body, other), processes.differences(body, other)


@pytest.mark.parametrize(("old", "new", "element"), [
    ('decision == "accept"', 'decision != "accept"', "flow_accepted"),
    ('name="facility_admin"', 'name="social_worker"', "Lane_facility_admin"),
    ('name="dueInDays" value="7"', 'name="dueInDays" value="14"', "review"),
    ('name="서비스의뢰 검토"', 'name="서비스의뢰 확인"', "review"),
    ('default="flow_rejected"', "", "decision_gateway"),
    ('<bpmn:flowNodeRef>rejected</bpmn:flowNodeRef>', "", "Lane_facility_admin"),
])
def test_a_changed_condition_lane_property_or_name_is_a_difference(old, new, element):
    body = referral()
    changed = body.replace(old, new)
    assert changed != body
    assert not processes.same_meaning(body, changed)
    assert [line.split(":")[0] for line in processes.differences(body, changed)] == [element]


def test_an_element_removed_or_added_is_a_difference():
    body = referral()
    without = body.replace('<bpmn:endEvent id="rejected" name="의뢰 거절">\n'
                           '      <bpmn:incoming>flow_rejected</bpmn:incoming>\n'
                           '    </bpmn:endEvent>', "")
    assert without != body
    assert "rejected: 첫 문서에만 있습니다 (endEvent id='rejected' name='의뢰 거절' " \
           "[incoming 'flow_rejected'])" in processes.differences(body, without)
    assert any(line.startswith("rejected: 둘째 문서에만 있습니다")
               for line in processes.differences(without, body))
    assert not processes.same_meaning(body, without)


def test_a_document_without_a_diagram_gets_one_of_the_same_meaning():
    folder = REPOSITORY_ROOT / "tests" / "content" / "workflows" / "bpmn"
    body = (folder / "reminder.bpmn").read_text(encoding="utf-8")
    assert "BPMNDiagram" not in body
    drawn = processes.with_diagram(body)
    assert processes.same_meaning(body, drawn)
    root = processes.parse(drawn)
    di = "{http://www.omg.org/spec/BPMN/20100524/DI}"
    shapes = {s.get("bpmnElement") for s in root.iter(f"{di}BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(f"{di}BPMNEdge")}
    assert shapes == {"start", "yearly_assessment", "assessment_late", "overdue_reminder",
                      "assessed", "reminded"}
    assert edges == {"flow_start_assessment", "flow_assessment_end", "flow_late_reminder",
                     "flow_reminder_end"}
    assert "<!-- A yearly assessment" in drawn  # the notes stay
    assert processes.with_diagram(referral()) == referral()  # a drawn one is left alone
