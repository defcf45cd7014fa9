"""The shipped administration unit functions: 품의서, 결의서, 인사카드, 급여대장, 후원, 안전점검.

Each test runs the form engine (or the process engine) on the content exactly as it ships.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import Registry, load_registry
from ieum.definitions.model import FormDef
from ieum.forms.engine import Outcome, process
from ieum.workflow import runtime
from ieum.workflow.environment import SafeScriptEngine

TODAY = dt.date(2026, 3, 2)
REQUIRED = "필수 입력 항목입니다"
NO_DONATION = ("후원금은 업무추진비(기관운영비·직책보조비·회의비), 법인회계전출금, 부채상환금, "
               "잡지출, 예비비에 쓸 수 없습니다.")
#: The expense items donations may not pay for (accounting.md, ministry guide 2020).
EXCLUDED = [
    "expense.office.institution_operation",
    "expense.office.position_allowance",
    "expense.office.meeting",
    "expense.transfer.corporation",
    "expense.repayment.principal",
    "expense.repayment.interest",
    "expense.misc",
    "expense.reserve",
]
UNITS = {
    "spending_request": ["spending_request", "approval_decision"],
    "resolution": ["resolution", "approval_decision"],
    "hr_card": ["staff_card", "staff_change_report"],
    "payroll": ["payroll_register"],
    "donations": ["donor", "donation"],
    "safety_check": ["safety_inspection"],
}
APPROVALS = {"spending_request": ("spending_approval", "write_request", "spending_request",
                                  "spending_approved"),
             "resolution": ("resolution_approval", "write_resolution", "resolution",
                            "resolution_approved")}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry([REPOSITORY_ROOT], plugins=False)


@pytest.fixture(scope="module")
def forms(registry) -> dict[str, FormDef]:
    return dict(registry.forms)


def run(form: FormDef, data: dict, **kw) -> Outcome:
    return process(form, data, today=TODAY, **kw)


def codes(form: FormDef, *path: str) -> list[str]:
    schema = form.properties
    for key in path:
        schema = schema[key]
    return [choice["const"] for choice in schema["oneOf"]]


# ---------------------------------------------------------------- manifests

def test_units_are_layer_one_without_subjects(registry) -> None:
    for unit_id, form_ids in UNITS.items():
        unit = registry.unit_functions[unit_id]
        assert (unit.layer, unit.record_subject) == (1, "none"), unit_id
        assert list(unit.forms) == form_ids
        # 급여대장 2판: 기관부담 사회보험료·퇴직적립금 and the link to its 인건비 결의서
        assert all(registry.forms[form_id].version == (2 if form_id == "payroll_register"
                                                       else 1) for form_id in form_ids)
    # the 결재선 (approval_line → approval) is called, not started on its own
    assert registry.unit_functions["spending_request"].processes == ("spending_approval",)
    assert registry.unit_functions["resolution"].processes == ("resolution_approval",)
    assert {"reveal_rrn", "view_private"} <= set(registry.unit_functions["hr_card"].actions)
    assert "view_private" in registry.unit_functions["donations"].actions
    assert "확정" in registry.unit_functions["payroll"].description
    assert "인건비 지출결의서" in registry.unit_functions["payroll"].description


def test_the_chart_of_accounts_is_shared_and_prefixed(forms) -> None:
    expense = codes(forms["spending_request"], "account")
    both = codes(forms["resolution"], "items", "items", "properties", "account")
    assert all(code.startswith("expense.") for code in expense)
    assert set(expense) < set(both)
    income = [code for code in both if code not in expense]
    assert income and all(code.startswith("income.") for code in income)
    assert {"income.donation.designated", "income.donation.undesignated"} <= set(income)
    assert set(EXCLUDED) < set(expense)


def test_profiles_using_the_approvals_have_every_role_of_the_line(registry) -> None:
    """The approval tasks take their role from ``approver_role`` (no lane checks it)."""
    for profile in registry.profiles.values():
        for unit_id in APPROVALS:
            if unit_id in profile.unit_ids:
                assert {"worker", "team_leader", "facility_admin"} <= set(profile.roles), (
                    profile.code, unit_id)


# ---------------------------------------------------------------- 품의서

REQUEST = {"requested_on": "2026-03-02", "project": "아동 급식 지원", "content": "3월분 부식 구입",
           "estimated_amount": 450000, "account": "expense.program.living",
           "funding": "donation"}


def test_spending_request_saves(forms) -> None:
    outcome = run(forms["spending_request"], REQUEST)
    assert outcome.ok, outcome.errors
    assert outcome.data == REQUEST


@pytest.mark.parametrize("name", ["requested_on", "project", "content", "estimated_amount",
                                  "account"])
def test_spending_request_required_fields(forms, name) -> None:
    data = {k: v for k, v in REQUEST.items() if k != name}
    assert run(forms["spending_request"], data).errors == {name: [REQUIRED]}


@pytest.mark.parametrize("account", EXCLUDED)
def test_spending_request_refuses_donations_for_excluded_items(forms, account) -> None:
    form = forms["spending_request"]
    assert run(form, {**REQUEST, "account": account}).errors == {"account": [NO_DONATION]}
    assert run(form, {**REQUEST, "account": account, "funding": "subsidy"}).ok
    assert run(form, {k: v for k, v in {**REQUEST, "account": account}.items()
                      if k != "funding"}).ok


def test_spending_request_amount_is_positive(forms) -> None:
    errors = run(forms["spending_request"], {**REQUEST, "estimated_amount": 0}).errors
    assert errors == {"estimated_amount": ["1 이상이어야 합니다"]}


# ---------------------------------------------------------------- 결의서

RESOLUTION = {
    "kind": "expense", "resolved_on": "2026-03-02", "project": "아동 급식 지원",
    "summary": "3월 부식비", "funding": "donation",
    "items": [{"account": "expense.program.living", "description": "부식", "amount": 300000},
              {"account": "expense.program.medical", "description": "상비약", "amount": 45000}],
    "counterparty": "이음마트", "account_number": "123-456-789012",
}


def test_resolution_computes_its_total(forms) -> None:
    outcome = run(forms["resolution"], {**RESOLUTION, "total": 1})
    assert outcome.ok, outcome.errors
    assert outcome.data["total"] == 345000


def test_resolution_counterparty_and_account_are_optional(forms) -> None:
    data = {k: v for k, v in RESOLUTION.items() if k not in ("counterparty", "account_number")}
    assert run(forms["resolution"], data).ok
    bad = run(forms["resolution"], {**RESOLUTION, "account_number": "계좌"})
    assert list(bad.errors) == ["account_number"]


@pytest.mark.parametrize("name", ["kind", "resolved_on", "project", "summary", "funding",
                                  "items"])
def test_resolution_required_fields(forms, name) -> None:
    data = {k: v for k, v in RESOLUTION.items() if k != name}
    assert run(forms["resolution"], data).errors == {name: [REQUIRED]}


def test_resolution_rows_need_an_account_a_description_and_a_positive_amount(forms) -> None:
    form = forms["resolution"]
    assert run(form, {**RESOLUTION, "items": []}).errors == {"items": ["1개 이상 입력하세요"]}
    rows = [{"account": "expense.program.living", "amount": 0}]
    assert run(form, {**RESOLUTION, "items": rows}).errors == {
        "items.0.description": [REQUIRED], "items.0.amount": ["1 이상이어야 합니다"]}
    rows = [{"account": "expense.unknown", "description": "x", "amount": 1}]
    assert run(form, {**RESOLUTION, "items": rows}).errors == {
        "items.0.account": ["선택할 수 있는 값이 아닙니다"]}


@pytest.mark.parametrize("account", EXCLUDED)
def test_resolution_refuses_donations_for_excluded_items(forms, account) -> None:
    form = forms["resolution"]
    items = [*RESOLUTION["items"], {"account": account, "description": "x", "amount": 10000}]
    assert run(form, {**RESOLUTION, "items": items}).errors == {"items": [NO_DONATION]}
    for funding in ("subsidy", "corporation", "own", "other"):
        assert run(form, {**RESOLUTION, "items": items, "funding": funding}).ok


def test_resolution_accepts_donations_for_every_other_expense_item(forms) -> None:
    form = forms["resolution"]
    allowed = [code for code in codes(forms["spending_request"], "account")
               if code not in EXCLUDED]
    assert len(allowed) > 20
    items = [{"account": code, "description": "x", "amount": 1000} for code in allowed]
    outcome = run(form, {**RESOLUTION, "items": items})
    assert outcome.ok, outcome.errors
    assert outcome.data["total"] == 1000 * len(allowed)


def test_resolution_items_follow_the_kind(forms) -> None:
    form = forms["resolution"]
    income_row = {"account": "income.donation.undesignated", "description": "정기후원",
                  "amount": 50000}
    income = {**RESOLUTION, "kind": "income", "items": [income_row]}
    assert run(form, income).ok
    mixed = [income_row, RESOLUTION["items"][0]]
    assert run(form, {**income, "items": mixed}).errors == {
        "items": ["수입결의서에는 세입 예산과목만 적을 수 있습니다."]}
    assert run(form, {**RESOLUTION, "items": mixed}).errors == {
        "items": ["지출결의서에는 세출 예산과목만 적을 수 있습니다."]}


def test_resolution_statistics_count_kind_and_funding(forms) -> None:
    ui = forms["resolution"].ui
    assert [name for name, field in ui.items() if field.get("stat")] == ["kind", "funding"]
    assert {"project", "total"} <= {name for name, field in ui.items()
                                    if field.get("list") and field.get("filter")}


# ---------------------------------------------------------------- 인사카드

CARD = {"name": "김이음", "job_type": "social_worker", "position": "주임",
        "hired_on": "2024-03-01", "rrn": "9001012345678", "phone": "010-1234-5678",
        "certificates": [{"name": "사회복지사 1급", "number": "1-123456",
                          "acquired_on": "2013-02-20"}],
        "careers": [{"organisation": "이음복지관", "started_on": "2013-03-01",
                     "ended_on": "2024-02-29"}]}


def test_staff_card_saves_and_keeps_personal_data_sensitive(forms) -> None:
    form = forms["staff_card"]
    outcome = run(form, CARD)
    assert outcome.ok, outcome.errors
    assert outcome.data["rrn"] == "900101-2345678"
    assert outcome.data["status"] == "active"
    assert dict(form.sensitive) == {"rrn": "rrn", "phone": "private", "address": "private"}
    assert run(form, {**CARD, "rrn": "901301-1234567"}).errors == {
        "rrn": ["주민등록번호 형식이 올바르지 않습니다 (예: 000000-0000000)"]}


def test_staff_card_leaving(forms) -> None:
    form = forms["staff_card"]
    assert run(form, {**CARD, "left_on": "2026-02-28"}).data["status"] == "left"
    assert run(form, {**CARD, "left_on": "2024-02-01"}).errors == {
        "left_on": ["퇴사일은 입사일보다 앞설 수 없습니다."]}


@pytest.mark.parametrize("name", ["name", "job_type", "hired_on"])
def test_staff_card_required_fields(forms, name) -> None:
    data = {k: v for k, v in CARD.items() if k != name}
    assert run(forms["staff_card"], data).errors == {name: [REQUIRED]}


def test_staff_change_report_needs_a_reason_to_leave(forms) -> None:
    form = forms["staff_change_report"]
    hire = {"change_type": "hire", "changed_on": "2026-03-02", "name": "박새봄",
            "job_type": "care_worker"}
    assert run(form, hire).ok
    leave = {**hire, "change_type": "leave"}
    assert run(form, leave).errors == {"reason": [REQUIRED]}
    assert run(form, {**leave, "reason": ""}).errors == {"reason": [REQUIRED]}
    assert run(form, {**leave, "reason": "계약만료"}).ok
    for name in ("change_type", "changed_on", "name", "job_type"):
        assert run(form, {k: v for k, v in hire.items() if k != name}).errors == {
            name: [REQUIRED]}


# ---------------------------------------------------------------- 급여대장

PAYROLL = {"pay_month": "2026-02", "paid_on": "2026-02-25", "employees": [
    {"name": "김이음", "base": 2800000, "allowance": 200000, "deduction": 350000,
     "net": 2650000},
    {"name": "박새봄", "base": 2500000, "allowance": 0, "deduction": 280000, "net": 2220000},
]}


def test_payroll_computes_its_totals(forms) -> None:
    outcome = run(forms["payroll_register"], {**PAYROLL, "confirmed": True})
    assert outcome.ok, outcome.errors
    totals = {k: outcome.data[k] for k in ("total_pay", "total_deduction", "total_net")}
    assert totals == {"total_pay": 5500000, "total_deduction": 630000, "total_net": 4870000}


def test_payroll_net_pay_must_add_up(forms) -> None:
    rows = [dict(row) for row in PAYROLL["employees"]]
    rows[1]["net"] = 2200000
    assert run(forms["payroll_register"], {**PAYROLL, "employees": rows}).errors == {
        "employees": ["실지급액의 합계가 지급총액에서 공제총액을 뺀 금액과 다릅니다."]}


def test_payroll_deductions_cannot_exceed_pay(forms) -> None:
    rows = [{"name": "김이음", "base": 100, "allowance": 0, "deduction": 200, "net": 0}]
    errors = run(forms["payroll_register"], {**PAYROLL, "employees": rows}).errors
    assert errors["employees"] == [
        "실지급액의 합계가 지급총액에서 공제총액을 뺀 금액과 다릅니다.",
        "공제총액이 지급총액보다 클 수 없습니다."]


@pytest.mark.parametrize("month", ["2026-13", "2026-3", "202603", "2026-00"])
def test_payroll_month_is_year_and_month(forms, month) -> None:
    errors = run(forms["payroll_register"], {**PAYROLL, "pay_month": month}).errors
    assert errors == {"pay_month": ["형식이 올바르지 않습니다 (예: 2026-03)"]}


@pytest.mark.parametrize("name", ["pay_month", "paid_on", "employees"])
def test_payroll_required_fields(forms, name) -> None:
    data = {k: v for k, v in PAYROLL.items() if k != name}
    assert run(forms["payroll_register"], data).errors == {name: [REQUIRED]}


# ---------------------------------------------------------------- 후원자, 후원금·후원품

def test_donor(forms) -> None:
    form = forms["donor"]
    donor = {"name": "이음상사", "donor_type": "organisation", "receipt_wanted": True,
             "phone": "02-123-4567", "address": "서울특별시 종로구"}
    assert run(form, donor).ok
    assert dict(form.sensitive) == {"phone": "private", "address": "private"}
    assert run(form, {"name": "홍길동"}).errors == {"donor_type": [REQUIRED]}


def test_donation_cash_and_goods(forms) -> None:
    form = forms["donation"]
    cash = {"received_on": "2026-03-02", "donor_name": "홍길동", "kind": "cash",
            "amount": 100000, "receipt_number": "2026-0001", "goods": "쌀"}
    outcome = run(form, cash)
    assert outcome.ok, outcome.errors
    assert "goods" not in outcome.data  # only goods (현물) have items
    assert run(form, {**cash, "amount": None}).errors == {"amount": [REQUIRED]}
    goods = {"received_on": "2026-03-02", "donor_name": "이음상사", "kind": "in_kind"}
    assert run(form, goods).errors == {"goods": [REQUIRED]}
    assert run(form, {**goods, "goods": "쌀 20kg", "quantity": "10포"}).ok


def test_donation_designated_use(forms) -> None:
    form = forms["donation"]
    cash = {"received_on": "2026-03-02", "donor_name": "홍길동", "kind": "cash",
            "amount": 100000, "designated": True}
    assert run(form, cash).errors == {"designated_use": [REQUIRED]}
    assert run(form, {**cash, "designated_use": "아동 학습비"}).ok


# ---------------------------------------------------------------- 안전점검

CHECKS = ["fire_extinguisher", "fire_alarm", "evacuation", "electric_panel", "electric_wiring",
          "gas", "boiler", "building", "fall_prevention", "equipment", "elevator", "cleaning",
          "water", "food_storage", "kitchen"]
INSPECTION = {"inspected_on": "2026-03-02", "inspection_kind": "regular", "inspector": "김이음",
              **{name: "good" for name in CHECKS}, "elevator": "na"}


def test_safety_checklist_is_required_radio_items(forms) -> None:
    form = forms["safety_inspection"]
    assert [name for name in form.properties if name in CHECKS] == CHECKS
    for name in CHECKS:
        assert codes(form, name) == ["good", "bad", "na"]
        assert form.ui[name]["widget"] == "radio"
        assert name in form.required
    outcome = run(form, INSPECTION)
    assert outcome.ok, outcome.errors
    assert outcome.data["defect_count"] == 0
    assert run(form, {k: v for k, v in INSPECTION.items() if k != "gas"}).errors == {
        "gas": [REQUIRED]}


def test_safety_defects_need_details_and_action(forms) -> None:
    form = forms["safety_inspection"]
    bad = {**INSPECTION, "gas": "bad", "kitchen": "bad"}
    outcome = run(form, bad)
    assert outcome.errors == {
        "defect_details": ["불량 항목이 있으면 불량 내용을 적어 주세요."],
        "action_taken": ["불량 항목이 있으면 조치내용을 적어 주세요."]}
    assert outcome.data["defect_count"] == 2
    fixed = {**bad, "defect_details": "가스경보기 배터리 방전, 조리대 곰팡이",
             "action_taken": "배터리 교체, 조리대 소독"}
    assert run(form, fixed).ok
    assert run(form, {**fixed, "action_taken": "  "}).errors == {
        "action_taken": ["불량 항목이 있으면 조치내용을 적어 주세요."]}


def test_safety_inspection_is_not_dated_in_the_future(forms) -> None:
    errors = run(forms["safety_inspection"], {**INSPECTION, "inspected_on": "2026-03-03"}).errors
    assert errors == {"inspected_on": ["점검일은 오늘 이후일 수 없습니다."]}


# ---------------------------------------------------------------- 결재 processes

@pytest.mark.parametrize("unit_id", list(APPROVALS))
def test_approval_processes_parse(registry, unit_id) -> None:
    process_id, first_task, form_id, _flag = APPROVALS[unit_id]
    process = registry.processes[process_id]
    assert process.lanes == ("worker",)
    assert [(t.id, t.form, t.lane) for t in process.user_tasks] == [
        (first_task, form_id, "worker")]
    assert "approval" in process.subprocess_specs
    called = registry.processes["approval"].user_tasks
    assert [(t.id, t.form, t.lane) for t in called] == [("decide", "approval_decision", None)]
    for task in (*process.user_tasks, *called):
        assert task.form in registry.forms
        assert task.form in registry.unit_functions[unit_id].forms


def walk(registry: Registry, process_id: str, decisions: list[str]) -> tuple[list, dict]:
    """Run the process; each decision task takes the next decision. The (task, role) seen
    and the final data."""
    workflow = runtime.new_workflow(registry.processes[process_id],
                                    SafeScriptEngine({}, TODAY))
    workflow.do_engine_steps()
    seen = []
    while not workflow.is_completed():
        (task,) = runtime.ready_user_tasks(workflow, TODAY)
        seen.append((task.name, task.role))
        spiff = runtime.find_task(workflow, task.spiff_id)
        if task.name == "decide":
            spiff.data["decision"] = decisions.pop(0)
        spiff.run()
        workflow.do_engine_steps()
    assert decisions == []
    return seen, workflow.last_task.data


@pytest.mark.parametrize("unit_id", list(APPROVALS))
def test_approval_line_is_worker_team_leader_facility_admin(registry, unit_id) -> None:
    process_id, first_task, _form, flag = APPROVALS[unit_id]
    seen, data = walk(registry, process_id, ["approve", "approve"])
    assert seen == [(first_task, "worker"), ("decide", "team_leader"),
                    ("decide", "facility_admin")]
    assert (data["approved"], data[flag]) == (True, True)


@pytest.mark.parametrize("unit_id", list(APPROVALS))
def test_a_return_ends_the_approval(registry, unit_id) -> None:
    process_id, first_task, _form, flag = APPROVALS[unit_id]
    seen, data = walk(registry, process_id, ["return"])
    assert seen == [(first_task, "worker"), ("decide", "team_leader")]
    assert data["approved"] is False and flag not in data
    seen, data = walk(registry, process_id, ["approve", "return"])
    assert seen[-1] == ("decide", "facility_admin")
    assert data["approved"] is False and flag not in data
