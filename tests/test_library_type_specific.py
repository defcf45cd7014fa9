"""Type-specific unit functions (shipped content): 장기요양 인력변경 신고 for long-term-care
institutions and 직업재활 작업·임금 for the vocational rehabilitation facilities; only those
profiles have them."""

from __future__ import annotations

import datetime as dt

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.definitions.reuse import reuse_matrix
from ieum.forms.engine import process

TODAY = dt.date(2026, 3, 20)
REQUIRED = "필수 입력 항목입니다"
LTC_PROFILES = {"elderly_care_home", "elderly_nursing_group_home", "home_visit_care",
                "day_care_center", "short_term_care", "home_visit_bathing",
                "home_visit_nursing"}
#: 직업재활시설 (장애인복지법 제58조①제3호): 보호작업장, 근로사업장, 직업적응훈련시설.
VOCATIONAL_PROFILES = {"sheltered_workshop", "disability_workplace", "vocational_adaptation"}
HIRE = {"reported_on": "2026-03-20", "change_type": "hire", "changed_on": "2026-04-01",
        "name": "최요양", "job_type": "care_worker", "work_pattern": "full_time",
        "license_number": "2019-123456"}


@pytest.fixture(scope="module")
def registry():
    return load_registry([REPOSITORY_ROOT], plugins=False)


def run(registry, form_id: str, data: dict):
    return process(registry.forms[form_id], data, today=TODAY)


def test_only_long_term_care_institutions_report_staffing_changes(registry) -> None:
    having = {code for code, p in registry.profiles.items() if "ltc_staff_change" in p.unit_ids}
    assert having == LTC_PROFILES
    having = {code for code, p in registry.profiles.items() if "vocational_work" in p.unit_ids}
    assert having == VOCATIONAL_PROFILES
    for code in VOCATIONAL_PROFILES:
        worker = registry.profiles[code].roles["worker"]
        assert {"view", "create", "update"} <= worker.grants["vocational_work"].actions, code
        assert worker.grants["vocational_work"].scope == "assigned", code


def test_reuse_counts_the_vocational_function_for_the_three_rehab_workplaces(registry) -> None:
    matrix = reuse_matrix(registry)
    assert matrix.reuse_ratio >= 0.83
    column = matrix.unit_functions.index("vocational_work")
    assert sum(1 for row in matrix.matrix if row[column]) == len(VOCATIONAL_PROFILES)
    assert registry.unit_functions["vocational_work"].layer == 3


def test_a_hire_report_saves_an_advance_report_included(registry) -> None:
    outcome = run(registry, "ltc_staff_change", HIRE)
    assert outcome.ok, outcome.errors


def test_a_licensed_job_needs_its_licence_number_on_hire(registry) -> None:
    data = {k: v for k, v in HIRE.items() if k != "license_number"}
    assert run(registry, "ltc_staff_change", data).errors == {
        "license_number": ["자격이 필요한 직종의 입사 신고에는 자격증 번호를 입력하세요."]}
    assert run(registry, "ltc_staff_change", {**data, "job_type": "cook"}).ok


def test_part_time_needs_hours_and_leaving_needs_a_reason(registry) -> None:
    part = {**HIRE, "work_pattern": "part_time"}
    assert run(registry, "ltc_staff_change", part).errors == {
        "monthly_hours": ["비상근이면 월 근무시간을 입력하세요."]}
    assert run(registry, "ltc_staff_change", {**part, "monthly_hours": 80}).ok
    leave = {"reported_on": "2026-03-20", "change_type": "leave", "changed_on": "2026-03-31",
             "name": "최요양", "job_type": "care_worker", "work_pattern": "full_time",
             "license_number": "x"}
    outcome = run(registry, "ltc_staff_change", leave)
    assert outcome.errors == {"leave_reason": ["퇴사 사유를 입력하세요."]}
    outcome = run(registry, "ltc_staff_change", {**leave, "leave_reason": "계약 만료"})
    assert outcome.ok
    assert "work_pattern" not in outcome.data and "license_number" not in outcome.data


@pytest.mark.parametrize("name", ["reported_on", "change_type", "changed_on", "name",
                                  "job_type"])
def test_staff_change_required_fields(registry, name) -> None:
    data = {k: v for k, v in HIRE.items() if k != name}
    assert REQUIRED in run(registry, "ltc_staff_change", data).errors[name]


def test_a_work_log_sums_hours_and_output(registry) -> None:
    outcome = run(registry, "rehab_work_log", {
        "work_date": "2026-03-20", "task": "쇼핑백 접기", "client": "이음상사",
        "workers": [{"name": "김근로", "hours": 4, "output": 120},
                    {"name": "이훈련", "hours": 3.5, "output": 90}]})
    assert outcome.ok, outcome.errors
    assert (outcome.data["total_hours"], outcome.data["total_output"]) == (7.5, 210)
    late = run(registry, "rehab_work_log", {"work_date": "2026-03-21", "task": "포장",
                                            "workers": [{"name": "김근로", "hours": 1}]})
    assert late.errors == {"work_date": ["작업일은 오늘 이후일 수 없습니다."]}


def test_a_wage_register_adds_up(registry) -> None:
    rows = [{"name": "김근로", "days": 20, "hours": 120, "wage": 600000, "deduction": 0,
             "net": 600000},
            {"name": "이훈련", "days": 18, "hours": 100, "wage": 450000, "deduction": 10000,
             "net": 440000}]
    data = {"pay_month": "2026-03", "paid_on": "2026-04-10", "workers": rows}
    outcome = run(registry, "rehab_wage", data)
    assert outcome.ok, outcome.errors
    assert (outcome.data["total_wage"], outcome.data["total_net"],
            outcome.data["total_hours"]) == (1050000, 1040000, 220)
    rows[1] = {**rows[1], "net": 450000}
    assert run(registry, "rehab_wage", data).errors == {
        "workers": ["실지급액의 합계가 임금 총액에서 공제액을 뺀 금액과 다릅니다."]}
