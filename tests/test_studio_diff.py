"""The studio's diff in words (issue 22): what changed between two versions of a form, a unit
function, a profile and a process, as an author and a reviewer read it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from ieum.studio.diff import describe_changes, summarize

REPOSITORY = Path(__file__).resolve().parents[1]

EXIT_FORM = {
    "title": "퇴소기록", "version": 1, "type": "object",
    "properties": {
        "exit_date": {"type": "string", "format": "date", "title": "퇴소일"},
        "exit_reason": {"type": "string", "title": "퇴소사유",
                        "oneOf": [{"const": "home", "title": "가정복귀"},
                                  {"const": "age", "title": "연령만기"}]},
        "phone": {"type": "string", "title": "연락처", "maxLength": 20},
        "needs": {"type": "array", "title": "욕구", "items": {"enum": ["주거", "취업"]}},
        "amount": {"type": "integer", "title": "지원금", "minimum": 0},
        "note": {"type": "string", "title": "비고"},
    },
    "required": ["exit_date"],
}


def changed(**edits) -> dict:  # noqa: ANN003
    form = copy.deepcopy(EXIT_FORM)
    for edit in edits.values():
        edit(form)
    return form


def test_nothing_changed_says_nothing() -> None:
    assert describe_changes("form", EXIT_FORM, copy.deepcopy(EXIT_FORM)) == []
    assert summarize([]) == "변경 없음"


def test_a_new_choice_and_a_removed_field_are_worded_as_in_the_issue() -> None:
    def add_choice(form: dict) -> None:
        form["properties"]["exit_reason"]["oneOf"].append({"const": "transfer", "title": "전원"})

    def drop_phone(form: dict) -> None:
        del form["properties"]["phone"]

    changes = describe_changes("form", EXIT_FORM, changed(a=add_choice, b=drop_phone))
    assert "필드 '퇴소사유'의 선택지에 '전원' 추가" in changes
    assert "필드 '연락처' 삭제" in changes
    assert len(changes) == 2


def test_field_title_type_required_bounds_and_help() -> None:
    def edit(form: dict) -> None:
        props = form["properties"]
        props["note"]["title"] = "특이사항"
        props["amount"]["type"] = "number"
        props["amount"]["minimum"] = 1000
        props["amount"]["maximum"] = 500000
        props["phone"].pop("maxLength")
        props["phone"]["description"] = "휴대전화"
        form["required"].append("exit_reason")
        form["required"].remove("exit_date")
        props["contact"] = {"type": "string", "title": "보호자"}

    changes = describe_changes("form", EXIT_FORM, changed(a=edit))
    assert "필드 '비고'의 제목을(를) '비고'에서 '특이사항'(으)로 변경" in changes
    assert "필드 '지원금'의 형식을(를) '정수'에서 '숫자'(으)로 변경" in changes
    assert "필드 '지원금'의 최솟값을(를) '0'에서 '1000'(으)로 변경" in changes
    assert "필드 '지원금'의 최댓값을(를) '500000'(으)로 지정" in changes
    assert "필드 '연락처'의 최대 글자 수 해제" in changes
    assert "필드 '연락처'의 도움말 변경" in changes
    assert "필드 '퇴소사유'을(를) 필수로 지정" in changes
    assert "필드 '퇴소일'의 필수 지정 해제" in changes
    assert "필드 '보호자' 추가" in changes


def test_choices_of_checkboxes_enums_removed_and_renamed() -> None:
    def edit(form: dict) -> None:
        form["properties"]["needs"]["items"]["enum"] = ["주거", "학업"]
        form["properties"]["exit_reason"]["oneOf"][1]["title"] = "만기퇴소"
        form["properties"]["exit_reason"]["oneOf"].pop(0)

    changes = describe_changes("form", EXIT_FORM, changed(a=edit))
    assert "필드 '욕구'의 선택지에 '학업' 추가" in changes
    assert "필드 '욕구'의 선택지에서 '취업' 삭제" in changes
    assert "필드 '퇴소사유'의 선택지에서 '가정복귀' 삭제" in changes
    assert any("'연령만기'의 이름" in c and "만기퇴소" in c for c in changes), changes


def test_conditions_computed_values_and_rules() -> None:
    def edit(form: dict) -> None:
        form["x-visible"] = {"note": "exit_reason == \"age\""}
        form["x-computed"] = {"amount": "1000"}
        form["x-rules"] = [{"check": "amount >= 0", "message": "지원금은 0 이상"}]

    added = changed(a=edit)
    changes = describe_changes("form", EXIT_FORM, added)
    assert "필드 '비고'에 표시 조건 추가: exit_reason == \"age\"" in changes
    assert "필드 '지원금'에 계산식 추가: 1000" in changes
    assert "검증 규칙 '지원금은 0 이상' 추가" in changes
    later = copy.deepcopy(added)
    later["x-visible"]["note"] = "exit_reason == \"home\""
    del later["x-computed"]
    later["x-rules"] = []
    changes = describe_changes("form", added, later)
    assert any(c.startswith("필드 '비고'의 표시 조건을(를)") for c in changes), changes
    assert "필드 '지원금'의 계산식 삭제" in changes
    assert "검증 규칙 '지원금은 0 이상' 삭제" in changes


def test_nested_rows_are_named_by_their_titles() -> None:
    old = {"type": "object", "properties": {"plan": {
        "type": "array", "title": "계획", "items": {"type": "object", "properties": {
            "item": {"type": "string", "title": "항목"}}}}}}
    new = copy.deepcopy(old)
    new["properties"]["plan"]["items"]["properties"]["amount"] = {"type": "integer",
                                                                  "title": "금액"}
    assert describe_changes("form", old, new) == ["필드 '금액' 추가"]


def test_new_and_deleted_documents() -> None:
    assert describe_changes("unit", None, {"id": "x"}) == ["단위기능 새로 작성"]
    assert describe_changes("form", EXIT_FORM, None) == ["양식 삭제"]
    with pytest.raises(ValueError):
        describe_changes("widget", {}, {"a": 1})


UNIT = {"id": "visits", "title": "방문기록", "layer": 2, "forms": ["visit_note"],
        "processes": [], "actions": ["view", "create", "approve"],
        "screens": [{"kind": "list", "form": "visit_note", "title": "방문 목록"}],
        "parameters": {"min_age": {"type": "integer", "default": 15, "title": "최소 연령"}}}


def test_unit_function_changes() -> None:
    new = copy.deepcopy(UNIT)
    new["forms"].append("visit_plan")
    new["actions"].remove("approve")
    new["parameters"]["min_age"]["default"] = 18
    new["parameters"]["region"] = {"type": "string", "default": "", "title": "지역"}
    new["screens"].append({"kind": "new", "form": "visit_plan", "title": "계획 작성"})
    new["title"] = "방문 상담"
    changes = describe_changes("unit", UNIT, new)
    assert "양식 'visit_plan' 추가" in changes
    assert "동작 'approve' 삭제" in changes
    assert "매개변수 '최소 연령'의 기본값을(를) '15'에서 '18'(으)로 변경" in changes
    assert "매개변수 '지역' 추가" in changes
    assert "화면 '계획 작성' 추가" in changes
    assert "단위기능 제목을(를) '방문기록'에서 '방문 상담'(으)로 변경" in changes


PROFILE = yaml.safe_load((REPOSITORY / "tests/content/facility_profiles/alpha_home.yaml")
                         .read_text(encoding="utf-8"))


def test_profile_menu_roles_and_grants() -> None:
    new = copy.deepcopy(PROFILE)
    new["menu"][1]["items"].append({"unit": "casebook"})
    new["menu"][0]["items"][0]["parameters"]["min_age"] = 18
    new["menu"].append({"group": "행정", "items": [{"unit": "visits"}]})
    new["menu"][1]["items"] = [item for item in new["menu"][1]["items"]
                               if item["unit"] != "visits"]
    leader = next(r for r in new["roles"] if r["id"] == "leader")
    leader["grants"]["visits"]["actions"].append("create")
    leader["grants"]["people"]["scope"] = "assigned"
    worker = next(r for r in new["roles"] if r["id"] == "worker")
    del worker["grants"]["people"]
    new["roles"].append({"id": "volunteer", "title": "자원봉사자", "grants": {}})
    new["exclusive_roles"] = []
    changes = describe_changes("profile", PROFILE, new)
    assert "메뉴 '서비스'에 단위기능 'casebook' 추가" in changes
    assert "메뉴 그룹 '행정' 추가" in changes
    assert "단위기능 'visits'을(를) 메뉴 '서비스'에서 '행정'(으)로 이동" in changes
    assert "메뉴 항목 'people'의 매개변수 'min_age'을(를) '15'에서 '18'(으)로 변경" in changes
    assert "역할 '팀장'의 'visits' 권한에 동작 'create' 추가" in changes
    assert "역할 '팀장'의 'people' 권한 범위을(를) 'facility'에서 'assigned'(으)로 변경" \
        in changes
    assert "역할 '생활복지사'의 'people' 권한 회수" in changes
    assert "역할 '자원봉사자' 추가" in changes
    assert "겸직 금지 역할 (leader, worker) 삭제" in changes


PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d">
  <bpmn:process id="care" name="돌봄" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_worker" name="worker"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>write</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_leader" name="team_leader"><bpmn:flowNodeRef>approve</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>gate</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start" name="시작"/>
    <bpmn:userTask id="write" name="작성">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="care_note.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="approve" name="승인"/>
    <bpmn:exclusiveGateway id="gate" name="승인 여부"/>
    <bpmn:endEvent id="end" name="끝"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write"/>
    <bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="approve"/>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="gate"/>
    <bpmn:sequenceFlow id="f4" sourceRef="gate" targetRef="end">
      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>
"""


def test_process_tasks_gateways_lanes_and_conditions() -> None:
    new = (PROCESS
           .replace('<bpmn:userTask id="approve" name="승인"/>',
                    '<bpmn:userTask id="approve" name="최종 승인"/>'
                    '<bpmn:userTask id="review" name="검토"/>')
           .replace('decision == "approve"', 'decision == "approve" and score > 3')
           .replace('value="care_note.json"', 'value="care_plan.json"')
           .replace('<bpmn:exclusiveGateway id="gate" name="승인 여부"/>', '')
           .replace('<bpmn:lane id="lane_leader" name="team_leader">',
                    '<bpmn:lane id="lane_head" name="director"></bpmn:lane>'
                    '<bpmn:lane id="lane_leader" name="team_leader">'))
    changes = describe_changes("process", PROCESS, new)
    assert "단계 '검토' 추가" in changes
    assert "분기 '승인 여부' 삭제" in changes
    assert "레인 'director' 추가" in changes
    assert "단계 '승인'의 이름을(를) '승인'에서 '최종 승인'(으)로 변경" in changes
    assert "단계 '작성'의 양식을(를) 'care_note.json'에서 'care_plan.json'(으)로 변경" in changes
    assert any(c.startswith("흐름 ") and "조건을(를)" in c and "score > 3" in c
               for c in changes), changes


def test_unreadable_bpmn_is_said_so() -> None:
    assert describe_changes("process", PROCESS, "<broken") == ["BPMN을 읽을 수 없게 바뀜"]
    assert describe_changes("process", "<broken", PROCESS) == ["읽을 수 없던 BPMN을 고침"]


@pytest.mark.parametrize("path", sorted((REPOSITORY / "forms").rglob("*.json")),
                         ids=lambda p: p.name)
def test_every_shipped_form_against_itself_has_no_changes(path: Path) -> None:
    form = json.loads(path.read_text(encoding="utf-8"))
    assert describe_changes("form", form, copy.deepcopy(form)) == []


@pytest.mark.parametrize("path", sorted((REPOSITORY / "workflows/bpmn").rglob("*.bpmn")),
                         ids=lambda p: p.name)
def test_every_shipped_process_against_itself_has_no_changes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert describe_changes("process", text, text) == []
