"""The shipped service unit functions: 입퇴소, 서비스 제공 기록, 사례관리, 사례회의, 프로그램,
건강관리, 외출·외박, 출결, 이용료 수납.

Most tests load the content in this repository exactly as it ships and run the form engine on
its forms (required fields, computed values, conditional parts, cross-field rules). The last
ones put the shipped forms and units in a facility of a small test profile and use them through
the web app: every screen, a case from 접수 to 사후관리 with its lock, an Excel import.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import extensions, load_registry
from ieum.definitions.model import Registry
from ieum.forms.engine import Outcome, process
from ieum.forms.excel import import_fields
from ieum.forms.fields import field_tree
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import Record, User
from tests.formlab import api_token
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 2)
REQUIRED = "필수 입력 항목입니다"
NOT_AN_OPTION = "선택할 수 있는 값이 아닙니다"

UNITS = {
    "admission_discharge": ("입퇴소 관리", ["admission", "discharge"], "required"),
    "service_history": ("서비스 제공 기록", ["service_record"], "required"),
    "case_management": ("사례관리", ["case_intake", "case_assessment", "case_plan",
                                    "case_action", "case_closure", "case_followup"], "required"),
    "case_conference": ("사례회의", ["conference_note"], "required"),
    "programmes": ("프로그램 운영", ["programme", "programme_session"], "optional"),
    "health_management": ("건강관리", ["health_check"], "required"),
    "outings": ("외출·외박", ["outing"], "required"),
    "attendance": ("출결 관리", ["attendance_record"], "optional"),
    "usage_fee": ("이용료 수납", ["fee_payment"], "required"),
}
SUBJECT = {"name": "김하늘", "birth_date": dt.date(1950, 5, 1), "age": 75, "status": "admitted"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry([REPOSITORY_ROOT], plugins=False)


def counts(**records: int) -> dict[str, Any]:
    """The context the records service gives a form of a subject with ``records`` saved."""
    return {"record_counts": dict(records), "subject": SUBJECT}


def run(registry: Registry, form_id: str, data: dict, parameters: dict | None = None,
        **kw: Any) -> Outcome:
    return process(registry.forms[form_id], data, today=TODAY, parameters=parameters, **kw)


def without(data: dict, name: str) -> dict:
    return {k: v for k, v in data.items() if k != name}


# ---------------------------------------------------------------- the manifests


@pytest.mark.parametrize("unit_id", sorted(UNITS))
def test_unit_loads_with_its_forms_and_a_list_screen(registry, unit_id) -> None:
    title, forms, record_subject = UNITS[unit_id]
    unit = registry.unit_functions[unit_id]
    assert (unit.title, unit.layer, list(unit.forms)) == (title, 2, forms)
    assert unit.record_subject == record_subject
    assert {"view", "create", "update", "delete", "export"} <= set(unit.actions)
    assert all(form_id in registry.forms for form_id in unit.forms)
    assert {s.form for s in unit.screens if s.kind == "list"} >= {forms[0]}
    for form_id in forms:
        form = registry.forms[form_id]
        assert form.version == 1
        assert field_tree(form).list_columns, form_id
        assert any(f.is_filter for f in field_tree(form).fields), form_id


def test_parameters_and_feeds(registry) -> None:
    units = registry.unit_functions
    capacity = units["admission_discharge"].parameters["capacity_managed"]
    assert (capacity.type, capacity.default, capacity.title) == ("boolean", True, "정원 관리")
    months = units["case_management"].parameters["max_plan_months"]
    assert (months.type, months.default, months.minimum, months.maximum) == ("integer", 12, 1, 60)
    assert "occupancy" in units["admission_discharge"].feeds
    # Every feed a manifest lists is one an installed package provides (ieum check).
    provided = extensions.feed_names()
    assert all(set(unit.feeds) <= provided for unit in units.values())
    assert "service_history" in units["case_management"].feeds


def test_case_management_declares_its_case_list_and_lock(registry) -> None:
    unit = registry.unit_functions["case_management"]
    case = unit.case_list
    assert (case["registered_by"], case["worker_from"]) == ("case_intake", "case_assessment")
    assert [(stage["title"], stage["form"]) for stage in case["stages"]] == [
        ("접수", "case_intake"), ("사정", "case_assessment"), ("계획", "case_plan"),
        ("실행", "case_action"), ("종결", "case_closure"), ("사후관리", "case_followup")]
    (lock,) = unit.locks
    assert lock["form"] == "case_closure"
    assert list(lock["units"]) == ["case_management"]
    assert list(lock["except_forms"]) == ["case_followup"]
    assert "approve" in unit.actions  # a team leader changes the assigned worker


def test_only_case_management_has_a_case_list(registry) -> None:
    for unit_id in UNITS:
        unit = registry.unit_functions[unit_id]
        assert (unit.case_list is not None) == (unit_id == "case_management")
        assert bool(unit.locks) == (unit_id == "case_management")
        assert unit.subject_registry is None  # subjects are registered by 대상자관리


# ---------------------------------------------------------------- 입소

ADMISSION = {"admission_date": "2026-02-16", "admission_type": "new",
             "admission_route": "family", "admission_reason": "가족의 돌봄이 어려움",
             "capacity_type": "within"}
MANAGED = {"capacity_managed": True, **counts()}


def test_admission_saves_and_computes_the_age_at_admission(registry) -> None:
    outcome = run(registry, "admission", {**ADMISSION, "contract_start": "2026-02-16",
                                          "contract_end": "2027-02-15"}, MANAGED)
    assert outcome.ok, outcome.errors
    assert outcome.data["age_at_admission"] == 75
    assert "age_at_admission" not in run(registry, "admission", ADMISSION,
                                         {"capacity_managed": True}).data


@pytest.mark.parametrize("name", ["admission_date", "admission_type", "admission_route",
                                  "admission_reason"])
def test_admission_required_fields(registry, name) -> None:
    outcome = run(registry, "admission", without(ADMISSION, name), MANAGED)
    assert outcome.errors == {name: [REQUIRED]}


def test_admission_capacity_type_follows_the_parameter(registry) -> None:
    missing = run(registry, "admission", without(ADMISSION, "capacity_type"), MANAGED)
    assert missing.errors == {
        "capacity_type": ["정원을 관리하는 시설은 정원 구분을 입력해야 합니다."]}
    unmanaged = run(registry, "admission", ADMISSION, {"capacity_managed": False, **counts()})
    assert unmanaged.ok, unmanaged.errors
    assert "capacity_type" in unmanaged.hidden
    assert "capacity_type" not in unmanaged.data


def test_admission_route_needs_its_detail(registry) -> None:
    other = run(registry, "admission", {**ADMISSION, "admission_route": "other"}, MANAGED)
    assert other.errors == {"admission_route_other": [REQUIRED]}
    referred = run(registry, "admission", {**ADMISSION, "admission_route": "local_government",
                                           "admission_route_other": "dropped"}, MANAGED)
    assert referred.errors == {"referring_agency": [REQUIRED]}
    assert "admission_route_other" not in referred.data


def test_admission_dates_are_checked(registry) -> None:
    future = run(registry, "admission", {**ADMISSION, "admission_date": "2026-03-03"}, MANAGED)
    assert list(future.errors) == ["admission_date"]
    before_birth = run(registry, "admission", {**ADMISSION, "admission_date": "1949-01-01"},
                       MANAGED)
    assert before_birth.errors == {"admission_date": ["입소일은 생년월일보다 빠를 수 없습니다."]}
    contract = run(registry, "admission", {**ADMISSION, "contract_start": "2026-02-16",
                                           "contract_end": "2026-02-15"}, MANAGED)
    assert contract.errors == {"contract_end": ["계약 종료일은 계약 시작일보다 빠를 수 없습니다."]}
    bad_phone = run(registry, "admission", {**ADMISSION, "guardian_phone": "0101234"}, MANAGED)
    assert bad_phone.errors == {"guardian_phone": ["형식이 올바르지 않습니다 (예: 010-0000-0000)"]}


# ---------------------------------------------------------------- 퇴소

DISCHARGE = {"discharge_date": "2026-03-01", "discharge_reason": "return_home",
             "residence_type": "home"}


def test_discharge_needs_an_admission_record(registry) -> None:
    assert run(registry, "discharge", DISCHARGE, counts(admission=1)).ok
    alone = run(registry, "discharge", DISCHARGE, counts())
    assert alone.errors == {
        "discharge_date": ["퇴소하려면 이 대상자의 입소 기록이 먼저 있어야 합니다."]}


@pytest.mark.parametrize("name", ["discharge_date", "discharge_reason", "residence_type"])
def test_discharge_required_fields(registry, name) -> None:
    outcome = run(registry, "discharge", without(DISCHARGE, name), counts(admission=1))
    assert outcome.errors == {name: [REQUIRED]}


def test_discharge_reasons_decide_the_other_fields(registry) -> None:
    ctx = counts(admission=1)
    death = run(registry, "discharge", {"discharge_date": "2026-03-01", "discharge_reason":
                                        "death", "residence_address": "서울시"}, ctx)
    assert death.ok, death.errors
    assert {"residence_type", "residence_address", "aftercare_plan"} <= death.hidden
    assert "residence_address" not in death.data
    transfer = run(registry, "discharge", {**DISCHARGE, "discharge_reason": "transfer",
                                           "residence_type": "facility"}, ctx)
    assert transfer.errors == {"linked_agency": [REQUIRED]}
    assert run(registry, "discharge", {**DISCHARGE, "discharge_reason": "runaway"},
               ctx).errors == {"reason_detail": [REQUIRED]}
    assert run(registry, "discharge", {**DISCHARGE, "discharge_reason": "moved_away"},
               ctx).errors == {"discharge_reason": [NOT_AN_OPTION]}
    future = run(registry, "discharge", {**DISCHARGE, "discharge_date": "2026-03-03"}, ctx)
    assert list(future.errors) == ["discharge_date"]


# ---------------------------------------------------------------- 서비스 제공 기록

SERVICE = {"service_date": "2026-03-02", "category": "counselling", "content": "정서 상담",
           "provider": "이사회", "minutes": 50}


def test_service_record_saves(registry) -> None:
    outcome = run(registry, "service_record", {**SERVICE, "place": "상담실"})
    assert outcome.ok, outcome.errors
    assert outcome.data["minutes"] == 50


@pytest.mark.parametrize("name", sorted(SERVICE))
def test_service_record_required_fields(registry, name) -> None:
    assert run(registry, "service_record", without(SERVICE, name)).errors == {name: [REQUIRED]}


def test_service_record_categories_and_minutes(registry) -> None:
    form = registry.forms["service_record"]
    options = dict(field_tree(form).top("category").options)
    assert list(options.values()) == ["상담", "사례관리", "교육", "건강", "급식", "돌봄",
                                      "여가·문화", "연계", "기타"]
    assert [f.name for f in field_tree(form).stat_fields] == ["category"]
    assert run(registry, "service_record", {**SERVICE, "minutes": -1}).errors == {
        "minutes": ["0 이상이어야 합니다"]}
    assert run(registry, "service_record", {**SERVICE, "minutes": 0}).ok
    assert run(registry, "service_record", {**SERVICE, "category": "meal"}).errors == {
        "category": [NOT_AN_OPTION]}
    assert list(run(registry, "service_record",
                    {**SERVICE, "service_date": "2026-03-03"}).errors) == ["service_date"]


def test_service_record_voucher_and_linkage_parts(registry) -> None:
    voucher = run(registry, "service_record", {**SERVICE, "is_voucher": True})
    assert voucher.errors == {"voucher_program": [REQUIRED]}
    assert run(registry, "service_record", {**SERVICE, "is_voucher": True,
                                            "voucher_program": "노인맞춤돌봄"}).ok
    plain = run(registry, "service_record", {**SERVICE, "is_voucher": False,
                                             "voucher_program": "노인맞춤돌봄"})
    assert plain.ok and "voucher_program" not in plain.data
    linkage = run(registry, "service_record", {**SERVICE, "category": "linkage"})
    assert linkage.errors == {"linked_agency": [REQUIRED]}


# ---------------------------------------------------------------- 사례관리

INTAKE = {"intake_date": "2026-02-02", "intake_route": "self", "problems": ["economic", "care"],
          "request": "생계와 돌봄 지원", "urgency": "normal", "consent": True}
ASSESSMENT = {"assessment_date": "2026-02-09", "risk_level": "medium", "summary": "종합 사정",
              "needs": [{"domain": "economic", "description": "소득 없음", "severity": "high"},
                        {"domain": "care", "description": "돌봄 공백", "severity": "high"},
                        {"domain": "housing", "description": "주거 불안", "severity": "low"}]}
PLAN = {"plan_date": "2026-02-16", "period_start": "2026-02-16", "period_end": "2027-02-15",
        "goal": "생활 안정", "client_agreed": True,
        "services": [{"category": "linkage", "content": "긴급복지 연계"},
                     {"category": "care", "content": "돌봄 서비스", "frequency": "주 2회"}]}
ACTION = {"action_date": "2026-02-20", "action_type": "direct", "content": "물품 지원"}
CLOSURE = {"closure_date": "2026-03-02", "closure_reason": "goal_achieved",
           "evaluation": "목표 달성"}
FOLLOWUP = {"followup_date": "2026-03-02", "method": "phone", "status": "stable",
            "content": "안부 확인"}


def test_case_intake(registry) -> None:
    assert run(registry, "case_intake", INTAKE).ok
    for name in ("intake_date", "intake_route", "problems", "request", "urgency", "consent"):
        assert run(registry, "case_intake", without(INTAKE, name)).errors == {name: [REQUIRED]}
    assert run(registry, "case_intake", {**INTAKE, "problems": []}).errors == {
        "problems": ["1개 이상 입력하세요"]}
    refused = run(registry, "case_intake", {**INTAKE, "consent": False})
    assert list(refused.errors) == ["consent"]
    assert run(registry, "case_intake", {**INTAKE, "consent": False}, draft=True).ok
    assert run(registry, "case_intake", {**INTAKE, "intake_route": "public_agency"}).errors == {
        "referrer": [REQUIRED]}


def test_case_assessment_needs_an_intake_and_counts_high_needs(registry) -> None:
    outcome = run(registry, "case_assessment", ASSESSMENT, counts(case_intake=1))
    assert outcome.ok, outcome.errors
    assert outcome.data["high_need_count"] == 2
    assert run(registry, "case_assessment", ASSESSMENT, counts()).errors == {
        "assessment_date": ["사정하려면 이 대상자의 사례관리 접수가 먼저 있어야 합니다."]}
    assert run(registry, "case_assessment", {**ASSESSMENT, "needs": []},
               counts(case_intake=1)).errors == {"needs": ["1개 이상 입력하세요"]}
    row = run(registry, "case_assessment", {**ASSESSMENT, "needs": [{"domain": "economic"}]},
              counts(case_intake=1))
    assert row.errors == {"needs.0.description": [REQUIRED], "needs.0.severity": [REQUIRED]}


def test_case_plan_period_follows_the_parameter(registry) -> None:
    ctx = {"max_plan_months": 12, **counts(case_intake=1, case_assessment=1)}
    outcome = run(registry, "case_plan", PLAN, ctx)
    assert outcome.ok, outcome.errors
    assert outcome.data["service_count"] == 2
    too_long = run(registry, "case_plan", {**PLAN, "period_end": "2027-02-16"}, ctx)
    assert list(too_long.errors) == ["period_end"]
    six = run(registry, "case_plan", PLAN, {**ctx, "max_plan_months": 6})
    assert list(six.errors) == ["period_end"]
    backwards = run(registry, "case_plan", {**PLAN, "period_end": "2026-02-01"}, ctx)
    assert backwards.errors == {"period_end": ["계획기간 종료일은 시작일보다 빠를 수 없습니다."]}
    assert run(registry, "case_plan", PLAN, {"max_plan_months": 12, **counts()}).errors == {
        "plan_date": ["계획을 세우려면 이 대상자의 사정이 먼저 있어야 합니다."]}


def test_case_action(registry) -> None:
    assert run(registry, "case_action", ACTION, counts(case_intake=1)).ok
    linkage = run(registry, "case_action", {**ACTION, "action_type": "linkage"})
    assert linkage.errors == {"linked_agency": [REQUIRED]}
    direct = run(registry, "case_action", {**ACTION, "linked_agency": "주민센터"})
    assert direct.ok and "linked_agency" not in direct.data


def test_case_closure_needs_an_action_record(registry) -> None:
    assert run(registry, "case_closure", CLOSURE, counts(case_intake=1, case_action=2)).ok
    for ctx in (counts(case_intake=1), counts(case_intake=1, case_action=0)):
        assert run(registry, "case_closure", CLOSURE, ctx).errors == {
            "closure_reason": ["종결하려면 실행 기록이 한 건 이상 있어야 합니다."]}


def test_case_closure_conditional_parts(registry) -> None:
    ctx = counts(case_action=1)
    followup = run(registry, "case_closure", {**CLOSURE, "followup_planned": True}, ctx)
    assert followup.errors == {"followup_until": [REQUIRED]}
    early = run(registry, "case_closure", {**CLOSURE, "followup_planned": True,
                                           "followup_until": "2026-03-01"}, ctx)
    assert list(early.errors) == ["followup_until"]
    death = run(registry, "case_closure", {**CLOSURE, "closure_reason": "death",
                                           "followup_planned": True}, ctx)
    assert death.ok and "followup_planned" not in death.data
    assert run(registry, "case_closure", {**CLOSURE, "closure_reason": "transfer"},
               ctx).errors == {"transfer_agency": [REQUIRED]}
    assert run(registry, "case_closure", {**CLOSURE, "closure_reason": "other"},
               ctx).errors == {"reason_detail": [REQUIRED]}


def test_case_followup_comes_after_the_closure(registry) -> None:
    assert run(registry, "case_followup", FOLLOWUP, counts(case_closure=1)).ok
    assert run(registry, "case_followup", FOLLOWUP, counts(case_action=1)).errors == {
        "followup_date": ["사후관리는 사례를 종결한 뒤에 기록합니다."]}
    assert run(registry, "case_followup", {**FOLLOWUP, "status": "reopen"},
               counts(case_closure=1)).errors == {"action_taken": [REQUIRED]}


# ---------------------------------------------------------------- 사례회의

CONFERENCE = {"conference_date": "2026-02-27", "kind": "internal", "agenda": "서비스 계획 점검",
              "internal_participants": [{"name": "이사회", "position": "사회복지사"},
                                        {"name": "박팀장", "role": "사회자"}],
              "decisions": "돌봄 서비스 주 3회로 확대"}
EXPERT = {"agency": "정신건강복지센터", "name": "최전문", "expertise": "정신건강"}


def test_conference_note_counts_its_participants(registry) -> None:
    outcome = run(registry, "conference_note", {**CONFERENCE, "attachment": 7})
    assert outcome.ok, outcome.errors
    assert outcome.data["participant_count"] == 2
    both = run(registry, "conference_note", {**CONFERENCE, "external_participants": [EXPERT]})
    assert both.data["participant_count"] == 3
    assert field_tree(registry.forms["conference_note"]).top("attachment").kind == "file"


def test_integrated_conference_needs_an_external_participant(registry) -> None:
    integrated = {**CONFERENCE, "kind": "integrated"}
    assert run(registry, "conference_note", integrated).errors == {
        "external_participants": [REQUIRED]}
    assert run(registry, "conference_note", {**integrated, "external_participants": []}).errors \
        == {"external_participants": ["1개 이상 입력하세요"]}
    assert run(registry, "conference_note", {**integrated, "external_participants": [EXPERT]}).ok
    assert run(registry, "conference_note", {**integrated, "external_participants": [
        {"name": "최전문"}]}).errors == {"external_participants.0.agency": [REQUIRED]}


def test_conference_note_rules(registry) -> None:
    assert run(registry, "conference_note", {**CONFERENCE, "internal_participants": []}).errors \
        == {"internal_participants": ["1개 이상 입력하세요"]}
    assert run(registry, "conference_note", {**CONFERENCE, "kind": "family"}).errors == {
        "kind": [NOT_AN_OPTION]}
    same_day = run(registry, "conference_note", {**CONFERENCE,
                                                  "next_conference_date": "2026-02-27"})
    assert same_day.errors == {"next_conference_date": ["다음 회의일은 회의일보다 뒤여야 합니다."]}


# ---------------------------------------------------------------- 프로그램

PROGRAMME = {"name": "건강 체조", "field": "health", "start_date": "2026-03-02",
             "end_date": "2026-06-30", "goal": "근력 유지", "capacity": 15, "staff": "이사회"}
SESSION = {"programme_name": "건강 체조", "session_date": "2026-03-02", "session_no": 1,
           "participants": [3, 5, 8], "start_time": "10:00", "end_time": "11:30",
           "content": "스트레칭"}


def test_programme(registry) -> None:
    assert run(registry, "programme", PROGRAMME).ok
    for name in PROGRAMME:
        assert run(registry, "programme", without(PROGRAMME, name)).errors == {name: [REQUIRED]}
    assert run(registry, "programme", {**PROGRAMME, "capacity": 0}).errors == {
        "capacity": ["1 이상이어야 합니다"]}
    assert list(run(registry, "programme", {**PROGRAMME, "end_date": "2026-03-01"}).errors) \
        == ["end_date"]


def test_programme_session_counts_participants_and_minutes(registry) -> None:
    outcome = run(registry, "programme_session", SESSION)
    assert outcome.ok, outcome.errors
    assert (outcome.data["participant_count"], outcome.data["total_minutes"]) == (3, 90)
    nobody = run(registry, "programme_session", without(SESSION, "participants"))
    assert nobody.ok and nobody.data["participant_count"] == 0
    tree = field_tree(registry.forms["programme_session"])
    assert tree.top("participants").kind == "subjects"
    assert tree.top("participant_count").computed


def test_programme_session_rules(registry) -> None:
    twice = run(registry, "programme_session", {**SESSION, "participants": [3, 3]})
    assert twice.errors == {"participants": ["같은 값을 두 번 넣을 수 없습니다"]}
    backwards = run(registry, "programme_session", {**SESSION, "end_time": "09:00"})
    assert backwards.errors == {"end_time": ["종료시간은 시작시간보다 늦어야 합니다."]}
    assert list(run(registry, "programme_session",
                    {**SESSION, "session_date": "2026-03-03"}).errors) == ["session_date"]
    typed = run(registry, "programme_session", {**SESSION, "participant_count": 99})
    assert typed.data["participant_count"] == 3


# ---------------------------------------------------------------- 건강관리

HEALTH = {"check_date": "2026-03-02", "height": 175, "weight": 70, "systolic": 128,
          "diastolic": 82, "temperature": 36.5}


def test_health_check_computes_the_bmi(registry) -> None:
    outcome = run(registry, "health_check", HEALTH)
    assert outcome.ok, outcome.errors
    assert outcome.data["bmi"] == 22.9
    assert run(registry, "health_check", {**HEALTH, "height": 160.5, "weight": 48.2}).data[
        "bmi"] == 18.7
    for name in ("height", "weight"):
        partial = run(registry, "health_check", without(HEALTH, name))
        assert partial.ok and "bmi" not in partial.data


def test_health_check_rules(registry) -> None:
    assert run(registry, "health_check", {"check_date": "2026-03-02"}).errors == {
        "check_date": ["측정값, 투약, 진료기관, 소견 가운데 하나 이상 입력하세요."]}
    assert run(registry, "health_check", {"check_date": "2026-03-02", "medications": [
        {"drug": "아스피린", "dosage": "1정", "given_at": "08:00"}]}).ok
    assert run(registry, "health_check", without(HEALTH, "check_date")).errors == {
        "check_date": [REQUIRED]}
    half = run(registry, "health_check", without(HEALTH, "diastolic"))
    assert half.errors == {"systolic": ["수축기 혈압과 이완기 혈압을 함께 입력하세요."],
                           "diastolic": ["수축기 혈압과 이완기 혈압을 함께 입력하세요."]}
    assert list(run(registry, "health_check", {**HEALTH, "systolic": 80}).errors) == [
        "systolic"]
    assert run(registry, "health_check", {**HEALTH, "temperature": 45}).errors == {
        "temperature": ["42 이하여야 합니다"]}
    assert list(run(registry, "health_check", {**HEALTH, "sugar_timing": "fasting"}).errors) \
        == ["sugar_timing"]
    assert run(registry, "health_check", {**HEALTH, "blood_sugar": 95,
                                          "sugar_timing": "fasting"}).ok


def test_health_measurements_are_health_data(registry) -> None:
    sensitive = registry.forms["health_check"].sensitive
    for name in ("height", "weight", "bmi", "systolic", "diastolic", "blood_sugar",
                 "temperature", "medications", "opinion"):
        assert sensitive[name] == "health", name


# ---------------------------------------------------------------- 외출·외박

OUTING = {"outing_type": "outing", "departure": "2026-03-01T10:00",
          "expected_return": "2026-03-01T17:00", "companion_type": "family",
          "companion": "김보호(아들)", "destination": "서울시 종로구", "reason": "가족 모임"}


def test_outing_marks_a_late_return(registry) -> None:
    planned = run(registry, "outing", OUTING)
    assert planned.ok, planned.errors
    assert "late_return" not in planned.data
    on_time = run(registry, "outing", {**OUTING, "actual_return": "2026-03-01T16:30"})
    assert on_time.data["late_return"] is False
    late = run(registry, "outing", {**OUTING, "actual_return": "2026-03-01T18:10"})
    assert late.ok and late.data["late_return"] is True


def test_outing_return_comes_after_the_departure(registry) -> None:
    early = run(registry, "outing", {**OUTING, "expected_return": "2026-03-01T09:00"})
    assert early.errors == {"expected_return": ["복귀예정일시는 출발일시보다 뒤여야 합니다."]}
    back = run(registry, "outing", {**OUTING, "actual_return": "2026-03-01T09:59"})
    assert back.errors == {"actual_return": ["실제복귀일시는 출발일시보다 뒤여야 합니다."]}
    future = run(registry, "outing", {**OUTING, "actual_return": "2026-03-03T09:00"})
    assert list(future.errors) == ["actual_return"]


def test_outing_overnight_and_companion(registry) -> None:
    two_days = {**OUTING, "expected_return": "2026-03-02T17:00"}
    assert list(run(registry, "outing", two_days).errors) == ["outing_type"]
    assert run(registry, "outing", {**two_days, "outing_type": "overnight"}).ok
    assert run(registry, "outing", without(OUTING, "companion")).errors == {
        "companion": [REQUIRED]}
    alone = run(registry, "outing", {**OUTING, "companion_type": "none"})
    assert alone.ok and "companion" not in alone.data
    for name in ("outing_type", "departure", "expected_return", "destination", "reason"):
        assert run(registry, "outing", without(OUTING, name)).errors == {name: [REQUIRED]}


# ---------------------------------------------------------------- 출결

ATTENDANCE = {"attendance_date": "2026-03-02", "subject_name": "김하늘", "status": "present",
              "check_in": "09:00", "check_out": "17:30"}


def test_attendance_record(registry) -> None:
    assert run(registry, "attendance_record", ATTENDANCE).ok
    for name in ("attendance_date", "status"):
        assert run(registry, "attendance_record", without(ATTENDANCE, name)).errors == {
            name: [REQUIRED]}
    backwards = run(registry, "attendance_record", {**ATTENDANCE, "check_out": "08:00"})
    assert backwards.errors == {"check_out": ["퇴실시간은 입실시간보다 늦어야 합니다."]}


def test_attendance_names_its_subject_by_picker_or_name(registry) -> None:
    nameless = without(ATTENDANCE, "subject_name")
    assert run(registry, "attendance_record", nameless).errors == {
        "subject_name": ["대상자를 고르거나 이용자 성명을 입력하세요."]}
    assert run(registry, "attendance_record", nameless, counts()).ok


def test_attendance_status_decides_the_times(registry) -> None:
    absent = run(registry, "attendance_record", {**ATTENDANCE, "status": "absent",
                                                 "note": "병원 진료"})
    assert absent.ok and "check_in" not in absent.data and "check_out" not in absent.data
    late = {**without(ATTENDANCE, "check_in"), "status": "late"}
    assert run(registry, "attendance_record", late).errors == {"check_in": [REQUIRED]}
    leave = {**without(ATTENDANCE, "check_out"), "status": "early_leave"}
    assert run(registry, "attendance_record", leave).errors == {"check_out": [REQUIRED]}
    assert run(registry, "attendance_record", {**ATTENDANCE, "status": "sick"}).errors == {
        "status": [NOT_AN_OPTION]}


def test_attendance_is_importable_from_excel(registry) -> None:
    form = registry.forms["attendance_record"]
    assert [f.name for f in import_fields(form)] == list(form.properties)
    assert registry.unit_functions["attendance"].record_subject == "optional"


# ---------------------------------------------------------------- 이용료 수납

FEE = {"billing_month": "2026-02", "billed_amount": 300000, "discount_amount": 50000,
       "discount_reason": "차상위 감면", "paid_amount": 250000, "paid_on": "2026-02-25",
       "payment_method": "cms", "receipt_no": "R-2026-0012"}


def test_fee_payment_computes_the_unpaid_amount(registry) -> None:
    paid = run(registry, "fee_payment", FEE)
    assert paid.ok, paid.errors
    assert (paid.data["unpaid_amount"], paid.data["payment_status"]) == (0, "paid")
    partial = run(registry, "fee_payment", {**FEE, "paid_amount": 100000})
    assert (partial.data["unpaid_amount"], partial.data["payment_status"]) == (150000, "partial")
    billed = run(registry, "fee_payment", {"billing_month": "2026-03", "billed_amount": 300000})
    assert billed.ok, billed.errors
    assert (billed.data["unpaid_amount"], billed.data["payment_status"]) == (300000, "unpaid")


def test_fee_payment_rules(registry) -> None:
    over = run(registry, "fee_payment", {**FEE, "paid_amount": 260000})
    assert over.errors == {"paid_amount": ["감면액과 수납액의 합이 청구액보다 많습니다."]}
    assert over.data["unpaid_amount"] == -10000
    for month in ("2026-13", "2026-3", "202603", "2026-03-01"):
        assert list(run(registry, "fee_payment", {**FEE, "billing_month": month}).errors) == [
            "billing_month"], month
    for name in ("billing_month", "billed_amount"):
        assert run(registry, "fee_payment", without(FEE, name)).errors == {name: [REQUIRED]}
    assert run(registry, "fee_payment", without(FEE, "discount_reason")).errors == {
        "discount_reason": [REQUIRED]}
    unpaid_details = run(registry, "fee_payment", without(without(FEE, "paid_on"),
                                                          "payment_method"))
    assert unpaid_details.errors == {"paid_on": [REQUIRED], "payment_method": [REQUIRED]}
    assert run(registry, "fee_payment", {**FEE, "payment_method": "check"}).errors == {
        "payment_method": [NOT_AN_OPTION]}
    assert list(run(registry, "fee_payment", {**FEE, "paid_on": "2026-03-03"}).errors) == [
        "paid_on"]


def test_fee_payment_typed_totals_are_recomputed(registry) -> None:
    outcome = run(registry, "fee_payment", {**FEE, "unpaid_amount": 1, "payment_status": "unpaid"})
    assert outcome.ok
    assert (outcome.data["unpaid_amount"], outcome.data["payment_status"]) == (0, "paid")
    tree = field_tree(registry.forms["fee_payment"])
    assert {f.name for f in import_fields(registry.forms["fee_payment"])} == {
        f.name for f in tree.fields if not f.computed}


# ---------------------------------------------------------------- on the platform
# The shipped forms and units in a facility of a small test profile (the shipped profiles are
# assembled elsewhere): every screen renders, the case runs from 접수 to 사후관리 and locks,
# and attendance comes in from Excel.

LAB_PROFILE = """\
code: service_lab
title: 서비스 실험시설
target_group: elderly
statute: 사회복지사업법 제34조
menu:
  - group: 이용자
    items:
      - unit: subject_management
      - unit: admission_discharge
        parameters: {capacity_managed: false}
      - unit: attendance
      - unit: usage_fee
  - group: 서비스
    items:
      - unit: service_history
      - unit: case_management
        parameters: {max_plan_months: 6}
      - unit: case_conference
      - unit: programmes
      - unit: health_management
      - unit: outings
roles:
  - id: facility_admin
    title: 기관관리자
    administers: true
    grants:
      "*": {actions: ["*"], scope: facility}
  - id: worker
    title: 사회복지사
    grants:
      "*": {actions: [view, create, update], scope: facility}
"""
LAB_UNITS = ("admission_discharge", "attendance", "usage_fee", "service_history",
             "case_management", "case_conference", "programmes", "health_management", "outings")


@pytest.fixture
def lab(make_app, migrated_url, tmp_path):
    content = tmp_path / "content"
    for folder in ("forms", "unit_functions", "workflows"):
        shutil.copytree(REPOSITORY_ROOT / folder, content / folder)
    (content / "facility_profiles").mkdir()
    (content / "facility_profiles" / "service_lab.yaml").write_text(LAB_PROFILE, "utf-8")
    app = make_app(migrated_url, roots=[content], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        lab = create_facility(s, registry, code="lab", name="이음실험센터",
                              profile_code="service_lab", region_code="11110")
        for name, role in (("labadmin", "facility_admin"), ("labone", "worker"),
                           ("labtwo", "worker")):
            user = create_user(s, login=name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=lab, role=role,
                       valid_from=dt.date(2026, 1, 1))
    return app


def api(client, who: str, unit: str, form: str, data: dict, subject: int | None = None):
    body: dict[str, Any] = {"data": data}
    if subject is not None:
        body["subject_id"] = subject
    return client.post(f"/api/v1/f/lab/u/{unit}/{form}/records", json=body,
                       headers=api_token(client, who))


def a_subject(client, name: str = "김하늘") -> int:
    made = api(client, "labadmin", "subject_management", "subject_basic", {
        "name": name, "birth_date": "1950-05-01", "sex": "female", "status": "using",
        "admission_date": "2026-01-05"})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["subject_id"]


def test_every_screen_of_the_units_renders(lab) -> None:
    client = lab.test_client()
    login(client, "labadmin")
    registry = lab.extensions["ieum.registry"]
    for unit_id in LAB_UNITS:
        for form_id in registry.unit_functions[unit_id].forms:
            for path in ("/", "/new", "/template.xlsx"):
                url = f"/f/lab/u/{unit_id}/{form_id}{path}"
                assert client.get(url).status_code == 200, url
    cases = client.get("/f/lab/u/case_management/cases").get_data(as_text=True)
    assert "사례관리 대상자 목록" in cases and "사후관리" in cases
    assert client.get("/f/lab/u/service_history/service_record/stats").status_code == 200


def test_a_case_from_intake_to_followup_locks_after_the_closure(lab) -> None:
    client = lab.test_client()
    person = a_subject(client)
    unit = "case_management"
    early = api(client, "labone", unit, "case_assessment", ASSESSMENT, person)
    assert early.status_code == 400
    assert api(client, "labone", unit, "case_intake", INTAKE, person).status_code == 201
    assert api(client, "labtwo", unit, "case_assessment", ASSESSMENT, person).status_code == 201
    too_long = api(client, "labtwo", unit, "case_plan", PLAN, person)  # 12 months > 6
    assert too_long.status_code == 400 and "period_end" in too_long.get_json()["fields"]
    plan = {**PLAN, "period_end": "2026-08-15"}
    assert api(client, "labtwo", unit, "case_plan", plan, person).status_code == 201
    assert api(client, "labtwo", unit, "case_closure", CLOSURE, person).status_code == 400
    action = api(client, "labone", unit, "case_action", ACTION, person)
    assert action.status_code == 201
    assert api(client, "labtwo", unit, "case_closure", CLOSURE, person).status_code == 201
    assert api(client, "labtwo", unit, "case_action", ACTION, person).status_code == 409
    assert api(client, "labtwo", unit, "case_followup", FOLLOWUP, person).status_code == 201
    # other units keep recording for the person
    assert api(client, "labone", "service_history", "service_record", SERVICE,
               person).status_code == 201
    with lab.extensions["ieum.database"].session() as s:
        assessor = s.scalar(select(User.id).where(User.login == "labtwo"))
        records = s.scalars(select(Record).where(Record.unit_function == unit)).all()
        assert {r.assignee_id for r in records} == {assessor}  # who saved the first 사정
        assert sorted((r.form_id, r.status) for r in records) == [
            ("case_action", "locked"), ("case_assessment", "locked"), ("case_closure", "locked"),
            ("case_followup", "final"), ("case_intake", "locked"), ("case_plan", "locked")]


def test_units_that_need_a_subject_refuse_a_record_without_one(lab) -> None:
    client = lab.test_client()
    assert api(client, "labone", "service_history", "service_record", SERVICE).status_code \
        == 400
    assert api(client, "labone", "outings", "outing", OUTING).status_code == 400
    person = a_subject(client)
    assert api(client, "labone", "admission_discharge", "discharge", DISCHARGE,
               person).status_code == 400
    unmanaged = without(ADMISSION, "capacity_type")  # capacity_managed is off here
    assert api(client, "labone", "admission_discharge", "admission", unmanaged,
               person).status_code == 201
    assert api(client, "labone", "admission_discharge", "discharge", DISCHARGE,
               person).status_code == 201
    session = {**SESSION, "participants": [person]}
    made = api(client, "labone", "programmes", "programme_session", session)
    assert made.status_code == 201 and made.get_json()["data"]["participant_count"] == 1
    stranger = api(client, "labone", "programmes", "programme_session",
                   {**SESSION, "participants": [person + 999]})
    assert stranger.status_code == 400


def test_attendance_comes_in_from_excel(lab) -> None:
    client = lab.test_client()
    login(client, "labone")
    base = "/f/lab/u/attendance/attendance_record"
    template = client.get(f"{base}/template.xlsx")
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.data)).active[1]]
    book = openpyxl.Workbook()
    book.active.append(header)
    values = {"일자": "2026-03-02", "이용자 성명": "김하늘", "출결": "출석",
              "입실시간": "09:00", "퇴실시간": "17:00"}
    book.active.append([values.get(str(h).rstrip(" *")) for h in header])
    book.active.append([{**values, "이용자 성명": "박바다", "출결": "결석",
                         "입실시간": None, "퇴실시간": None}.get(str(h).rstrip(" *"))
                        for h in header])
    out = io.BytesIO()
    book.save(out)
    token = csrf_token(client, f"{base}/import")
    imported = client.post(f"{base}/import", data={"csrf_token": token,
                                                  "file": (io.BytesIO(out.getvalue()),
                                                           "출결.xlsx")})
    assert imported.status_code == 302, imported.get_data(as_text=True)
    with lab.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(Record).where(Record.form_id == "attendance_record")).all()
        assert sorted((r.data["subject_name"], r.data["status"]) for r in rows) == [
            ("김하늘", "present"), ("박바다", "absent")]
        assert {r.subject_id for r in rows} == {None}
