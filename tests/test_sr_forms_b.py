"""The shipped self-reliance forms for case logs, extension, settlement-grant plan, protection
end, counselling and case conference: each rule of the manual, through the form engine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.forms.engine import Outcome, process
from ieum.forms.fields import field_tree
from ieum.services.records import sensitive

TODAY = dt.date(2026, 3, 2)
TOMORROW = "2026-03-03"
REQUIRED = "필수 입력 항목입니다"
NEEDS_LOG = "종결하려면 사례관리일지가 한 건 이상 있어야 합니다."
SUM = "사용계획 금액의 합계가 자립정착금 총액과 같아야 합니다."
SUBJECT = {"name": "김하늘", "birth_date": "2007-05-01", "age": 18, "status": "admitted"}
HAS_LOG = {"sr_case_log": 1}
YOUNGER = {**SUBJECT, "birth_date": "2009-05-01", "age": 16}
FORMS = ("sr_case_log", "sr_extension", "sr_settlement_plan", "sr_end", "sr_counselling",
         "sr_case_conference")


@pytest.fixture(scope="module")
def forms():
    return load_registry([REPOSITORY_ROOT], plugins=False).forms


def run(form, data: dict[str, Any], counts: dict[str, int] | None = None, *,
        subject: dict[str, Any] = SUBJECT, foster: bool = True) -> Outcome:
    """Validate as the records service does: the unit's parameters (a foster-care centre's
    by default, where 일시중지 is used) and the context (record counts, the subject)."""
    context = {"record_counts": counts or {}, "subject": subject,
               "allow_suspension": foster}
    return process(form, data, today=TODAY, parameters=context)


def required_errors(outcome: Outcome) -> set[str]:
    return {path for path, messages in outcome.errors.items() if REQUIRED in messages}


def test_the_forms_are_shipped_at_version_1(forms) -> None:
    for form_id in FORMS:
        assert forms[form_id].version == 1
        assert field_tree(forms[form_id]).fields


# --- 사례관리일지 -------------------------------------------------------------------------

LOG = {"log_date": "2026-03-02", "area": "other", "service_content": "생활 점검"}


def test_case_log_needs_its_date_and_area(forms) -> None:
    form = forms["sr_case_log"]
    assert run(form, LOG).ok
    assert required_errors(run(form, {})) == {"log_date", "area"}


def test_case_log_date_may_not_be_in_the_future(forms) -> None:
    outcome = run(forms["sr_case_log"], {**LOG, "log_date": TOMORROW})
    assert outcome.errors == {"log_date": ["사례관리일자는 오늘 이후일 수 없습니다."]}


def test_case_log_employment_part(forms) -> None:
    form = forms["sr_case_log"]
    data = {**LOG, "area": "employment"}
    assert required_errors(run(form, data)) == {"employment_status"}
    employed = {**data, "employment_status": "employed"}
    assert required_errors(run(form, employed)) == {
        "workplace", "job_field", "monthly_income", "employment_type", "job_route"}
    full = {**employed, "workplace": "이음식품", "job_field": "skilled",
            "monthly_income": 2_100_000, "employment_type": "regular", "job_route": "school",
            "vocational_training": [{"institution": "직업전문학교", "course_name": "제과",
                                     "start_date": "2025-03-01"}],
            "certificates": [{"field": "national_technical", "name": "제과기능사"}]}
    assert run(form, full).ok
    unemployed = {**data, "employment_status": "unemployed"}
    assert required_errors(run(form, unemployed)) == {"desired_field"}
    assert run(form, {**unemployed, "desired_field": "clerical"}).ok


def test_case_log_parts_of_other_areas_are_hidden_and_dropped(forms) -> None:
    form = forms["sr_case_log"]
    outcome = run(form, {**LOG, "workplace": "이음식품", "university_type": "four_year",
                         "housing_support": "government"})
    assert outcome.ok, outcome.errors
    assert {"workplace", "university_type", "housing_support"} <= outcome.hidden
    assert not {"workplace", "university_type", "housing_support"} & set(outcome.data)
    assert "housing_total" not in outcome.data


def test_case_log_education_part(forms) -> None:
    form = forms["sr_case_log"]
    data = {**LOG, "area": "education"}
    assert required_errors(run(form, data)) == {"university_type"}
    assert run(form, {**data, "university_type": "none"}).ok
    enrolled = {**data, "university_type": "four_year"}
    assert required_errors(run(form, enrolled)) == {"university_name", "tuition_main"}
    assert run(form, {**enrolled, "university_name": "이음대학교",
                      "tuition_main": "national_scholarship"}).ok


def test_case_log_housing_part_and_total(forms) -> None:
    form = forms["sr_case_log"]
    data = {**LOG, "area": "housing"}
    assert required_errors(run(form, data)) == {"housing_support"}
    government = {**data, "housing_support": "government"}
    assert required_errors(run(form, government)) == {"housing_government"}
    assert required_errors(run(form, {**data, "housing_support": "non_government"})) == {
        "housing_private"}
    outcome = run(form, {**government, "housing_government": "jeonse_rental",
                         "self_funding": 1_000_000, "other_funding": 500_000})
    assert outcome.ok, outcome.errors
    assert outcome.data["housing_total"] == 1_500_000


# --- 보호연장 -----------------------------------------------------------------------------

EXTENSION = {"extension_date": "2026-03-02", "education": "high_graduated", "writer": "박담당",
             "extension_reason": "wish_under_25"}


def test_extension_needs_everything_the_manual_marks(forms) -> None:
    form = forms["sr_extension"]
    assert run(form, EXTENSION).ok
    assert required_errors(run(form, {})) == set(EXTENSION)


def test_extension_other_reason_needs_details(forms) -> None:
    form = forms["sr_extension"]
    other = {**EXTENSION, "extension_reason": "other"}
    assert required_errors(run(form, other)) == {"extension_reason_detail"}
    assert run(form, {**other, "extension_reason_detail": "직업훈련 수료 예정"}).ok
    dropped = run(form, {**EXTENSION, "extension_reason_detail": "남은 값"})
    assert "extension_reason_detail" not in dropped.data


# --- 자립정착금 사용계획서 -----------------------------------------------------------------

PLAN = {"application_date": "2026-02-20", "applicant_phone": "010-1234-5678",
        "bank_name": "이음은행", "account_number": "123-456-7890",
        "worker_phone": "010-2222-3333", "plan_submitted": "submitted",
        "grant_received": "received", "grant_amount": 10_000_000,
        "usage_plan": [{"purpose": "주거 보증금", "amount": 7_000_000},
                       {"purpose": "생활용품", "amount": 3_000_000}]}


def test_settlement_plan_rows_adding_up_to_the_grant_pass(forms) -> None:
    outcome = run(forms["sr_settlement_plan"], PLAN)
    assert outcome.ok, outcome.errors
    assert outcome.data["plan_total"] == 10_000_000
    assert outcome.data["applicant_name"] == "김하늘"


def test_settlement_plan_rows_must_add_up_to_the_grant(forms) -> None:
    form = forms["sr_settlement_plan"]
    short = {**PLAN, "usage_plan": PLAN["usage_plan"][:1]}
    assert run(form, short).errors == {"usage_plan": [SUM]}
    assert run(form, {**PLAN, "grant_amount": 12_000_000}).errors == {"usage_plan": [SUM]}
    assert run(form, {**PLAN, "usage_plan": []}).errors == {"usage_plan": [SUM]}


def test_settlement_plan_may_be_empty_when_not_submitted_or_nothing_granted(forms) -> None:
    form = forms["sr_settlement_plan"]
    not_submitted = {**PLAN, "plan_submitted": "not_submitted"}
    not_submitted.pop("usage_plan")
    assert run(form, not_submitted).ok
    nothing = {**not_submitted, "plan_submitted": "submitted", "grant_amount": 0}
    outcome = run(form, nothing)
    assert outcome.ok, outcome.errors
    assert outcome.data["plan_total"] == 0


def test_settlement_plan_required_fields_and_bounds(forms) -> None:
    form = forms["sr_settlement_plan"]
    assert required_errors(run(form, {})) == {
        "application_date", "applicant_phone", "bank_name", "account_number", "worker_phone",
        "plan_submitted", "grant_received", "grant_amount"}
    assert "grant_amount" in run(form, {**PLAN, "grant_amount": -1}).errors
    rows = run(form, {**PLAN, "usage_plan": [{"purpose": "주거"}]})
    assert rows.errors["usage_plan.0.amount"] == [REQUIRED]
    assert sensitive.private_fields(form) == ["applicant_email", "applicant_phone",
                                              "account_number"]


# --- 보호종료관리 -------------------------------------------------------------------------

CARD = {"end_date": "2026-02-28", "aftercare_consent": "agree", "education": "high_graduated",
        "housing_support": "government", "housing_government": "jeonse_rental",
        "self_funding": 300_000, "private_donation": 200_000, "settlement_grant": 10_000_000,
        "cda_balance": 2_400_000, "other_donations": 0, "allowance_receipt": "yes",
        "independence_education": "completed", "allowance_application": "applied"}
EXPIRY = {**CARD, "end_type": "expiry", "employment_status": "employed",
          "workplace": "이음식품", "job_field": "skilled", "monthly_income": 2_100_000,
          "employment_type": "regular", "job_route": "facility", "university_type": "none",
          "living_main": "work",
          "family": [{"name": "김바다", "relation": "형", "phone": "010-9999-8888"}]}
SUSPENSION = {"end_date": "2026-02-28", "end_type": "suspension",
              "education": "college_enrolled", "suspension_start": "2026-02-28",
              "suspension_end": "2027-08-31", "suspension_reason": "military_service"}


def test_expiry_end_passes_with_a_case_log_and_computes_age_and_housing(forms) -> None:
    outcome = run(forms["sr_end"], EXPIRY, HAS_LOG)
    assert outcome.ok, outcome.errors
    assert outcome.data["age_at_end"] == 18
    assert outcome.data["housing_total"] == 500_000
    assert run(forms["sr_end"], {**EXPIRY, "end_type": "extended_end"},
               {**HAS_LOG, "sr_extension": 1}).ok


@pytest.mark.parametrize("counts", [{}, {"sr_case_log": 0}, {"sr_plan": 3}])
def test_a_final_end_needs_a_case_log(forms, counts) -> None:
    for data, subject in ((EXPIRY, SUBJECT),  # 중간종료: before 18
                          ({**CARD, "end_type": "early_end", "early_end_form": "return_home"},
                           YOUNGER),
                          ({"end_date": "2026-02-28", "end_type": "other_end"}, SUBJECT)):
        assert run(forms["sr_end"], data, counts, subject=subject).errors == {
            "end_type": [NEEDS_LOG]}
        assert run(forms["sr_end"], data, HAS_LOG, subject=subject).ok


def test_suspension_is_not_final_and_needs_no_case_log(forms) -> None:
    outcome = run(forms["sr_end"], SUSPENSION, {})
    assert outcome.ok, outcome.errors


def test_suspension_part(forms) -> None:
    form = forms["sr_end"]
    bare = {"end_date": "2026-02-28", "end_type": "suspension"}
    assert required_errors(run(form, bare)) == {
        "education", "suspension_start", "suspension_end", "suspension_reason"}
    backwards = run(form, {**SUSPENSION, "suspension_end": "2026-01-31"})
    assert backwards.errors == {
        "suspension_end": ["일시중지 종료(예정)일은 시작일보다 빠를 수 없습니다."]}
    other_start = run(form, {**SUSPENSION, "suspension_start": "2026-02-01"})
    assert list(other_start.errors) == ["suspension_start"]
    other = {**SUSPENSION, "suspension_reason": "other"}
    assert required_errors(run(form, other)) == {"suspension_reason_detail"}


def test_suspension_hides_and_drops_the_card_and_the_final_parts(forms) -> None:
    outcome = run(forms["sr_end"], {**SUSPENSION, **{k: v for k, v in EXPIRY.items()
                                                     if k not in SUSPENSION}})
    assert outcome.ok, outcome.errors
    assert set(outcome.data) == set(SUSPENSION) | {"age_at_end"}


def test_final_end_requires_the_card_and_its_tabs(forms) -> None:
    outcome = run(forms["sr_end"], {"end_date": "2026-02-28", "end_type": "expiry"}, HAS_LOG)
    assert required_errors(outcome) == {
        "education", "aftercare_consent", "housing_support", "settlement_grant",
        "cda_balance", "other_donations", "allowance_receipt", "independence_education",
        "allowance_application", "employment_status", "university_type", "living_main"}


def test_final_end_employment_and_study_parts(forms) -> None:
    form = forms["sr_end"]
    unemployed = {**EXPIRY, "employment_status": "unemployed"}
    assert required_errors(run(form, unemployed, HAS_LOG)) == {"desired_field"}
    outcome = run(form, {**unemployed, "desired_field": "service"}, HAS_LOG)
    assert outcome.ok, outcome.errors
    assert "workplace" not in outcome.data
    employed = {k: v for k, v in EXPIRY.items() if k not in ("workplace", "job_route")}
    assert required_errors(run(form, employed, HAS_LOG)) == {"workplace", "job_route"}
    studying = {**EXPIRY, "university_type": "two_year"}
    assert required_errors(run(form, studying, HAS_LOG)) == {"university_name", "tuition_main"}
    assert run(form, {**studying, "university_name": "이음전문대학",
                      "tuition_main": "national_scholarship"}, HAS_LOG).ok


def test_allowance_not_applied_needs_a_reason(forms) -> None:
    form = forms["sr_end"]
    data = {**EXPIRY, "allowance_application": "not_applied"}
    assert required_errors(run(form, data, HAS_LOG)) == {"allowance_no_reason"}
    assert run(form, {**data, "allowance_no_reason": "수급 대상 아님"}, HAS_LOG).ok


def test_early_end_part_and_transfer(forms) -> None:
    form = forms["sr_end"]
    early = {**CARD, "end_type": "early_end"}
    assert required_errors(run(form, early, HAS_LOG, subject=YOUNGER)) == {"early_end_form"}
    transfer = {**early, "early_end_form": "transfer"}
    assert required_errors(run(form, transfer, HAS_LOG, subject=YOUNGER)) == {
        "transfer_facility_type", "transfer_facility_name"}
    outcome = run(form, {**transfer, "transfer_facility_type": "group_home",
                         "transfer_facility_name": "이음그룹홈", "employment_status": "employed",
                         "family": EXPIRY["family"]}, HAS_LOG, subject=YOUNGER)
    assert outcome.ok, outcome.errors
    assert "employment_status" not in outcome.data and "family" not in outcome.data


def test_other_end_needs_only_the_date(forms) -> None:
    outcome = run(forms["sr_end"], {"end_date": "2026-02-28", "end_type": "other_end",
                                    "education": "high_graduated"}, HAS_LOG)
    assert outcome.ok, outcome.errors
    assert "education" not in outcome.data


def test_end_date_may_not_be_in_the_future(forms) -> None:
    for data, counts in ((EXPIRY, HAS_LOG), (SUSPENSION, {})):
        future = {**data, "end_date": TOMORROW, "suspension_start": TOMORROW}
        future = {k: v for k, v in future.items() if k in data}
        outcome = run(forms["sr_end"], future, counts)
        assert outcome.errors == {"end_date": ["종료일은 오늘 이후일 수 없습니다."]}


def test_end_keeps_address_and_family_private(forms) -> None:
    assert set(sensitive.private_fields(forms["sr_end"])) == {
        "address", "address_detail", "family"}


# --- 자립지원 상담일지 ---------------------------------------------------------------------

COUNSELLING = {"counsellor": "박담당", "counselling_date": "2026-03-02",
               "counselling_type": "office_visit", "counselling_areas": ["housing", "living"],
               "is_private": False, "content": "전세임대 신청 상담"}


def test_counselling_required_fields(forms) -> None:
    form = forms["sr_counselling"]
    assert run(form, COUNSELLING).ok
    assert required_errors(run(form, {})) == set(COUNSELLING)
    no_area = run(form, {**COUNSELLING, "counselling_areas": []})
    assert no_area.errors == {"counselling_areas": ["1개 이상 입력하세요"]}


def test_counselling_date_may_not_be_in_the_future(forms) -> None:
    outcome = run(forms["sr_counselling"], {**COUNSELLING, "counselling_date": TOMORROW})
    assert outcome.errors == {"counselling_date": ["상담일자는 오늘 이후일 수 없습니다."]}


def test_counselling_private_switch_hides_the_whole_note(forms) -> None:
    """Manual: 공개 — every staff member of the facility sees the note; 비공개 — only its
    writer, the assigned worker and the managers. So the switch hides the whole record, and
    a 공개 note shows its content (no field is private on its own)."""
    form = forms["sr_counselling"]
    assert sensitive.private_flags(form) == ["is_private"]
    assert sensitive.private_fields(form) == []
    assert sensitive.is_private_record(form, {**COUNSELLING, "is_private": True})
    assert not sensitive.is_private_record(form, COUNSELLING)


# --- 사례회의 -----------------------------------------------------------------------------

CONFERENCE = {"meeting_kind": "individual", "meeting_date": "2026-02-27",
              "title": "보호종료점검 사례회의", "content": "자립준비도 점검 결과 검토",
              "result": "만기종료 진행, 전세임대 신청 지원",
              "internal_participants": [{"affiliation": "이음아동원", "name": "박담당",
                                         "position": "생활복지사"}]}


def test_conference_required_fields(forms) -> None:
    form = forms["sr_case_conference"]
    assert run(form, CONFERENCE).ok
    assert required_errors(run(form, {})) == set(CONFERENCE)
    nobody = run(form, {**CONFERENCE, "internal_participants": []})
    assert nobody.errors == {"internal_participants": ["1개 이상 입력하세요"]}
    nameless = run(form, {**CONFERENCE, "external_experts": [{"affiliation": "이음대학교"}]})
    assert nameless.errors == {"external_experts.0.name": [REQUIRED]}


def test_conference_draft_skips_the_final_save_requirements(forms) -> None:
    draft = process(forms["sr_case_conference"], {"title": "작성 중"}, today=TODAY, draft=True)
    assert draft.ok, draft.errors


def test_conference_dates(forms) -> None:
    form = forms["sr_case_conference"]
    future = run(form, {**CONFERENCE, "meeting_date": TOMORROW})
    assert future.errors == {"meeting_date": ["회의일시는 오늘 이후일 수 없습니다."]}
    before = run(form, {**CONFERENCE, "next_meeting_date": "2026-02-01"})
    assert list(before.errors) == ["next_meeting_date"]
    assert run(form, {**CONFERENCE, "next_meeting_date": "2026-03-27"}).ok


def test_conference_attachment_is_a_file_upload(forms) -> None:
    item = field_tree(forms["sr_case_conference"]).top("attachment")
    assert item is not None and item.kind == "file"
    assert item.accept == (".pdf", ".hwp", ".hwpx", ".doc", ".docx", ".jpg", ".png")


# --- the manual's ages and states (seed 004: 보호종료, 중간종료, 일시중지(가정위탁)) --------------


def test_expiry_and_extended_end_come_at_18_and_early_end_before(forms) -> None:
    form = forms["sr_end"]
    too_young = run(form, EXPIRY, HAS_LOG, subject=YOUNGER)
    assert too_young.errors["end_type"] == [
        "만기종료·연장종료는 만 18세 이후에 합니다. 만 18세 전에 보호가 끝나면 중간종료를 "
        "고르세요."]
    early_at_18 = run(form, {**EXPIRY, "end_type": "early_end"}, HAS_LOG)
    assert "end_type" in early_at_18.errors
    assert "end_type" not in run(form, {**EXPIRY, "end_type": "early_end"}, HAS_LOG,
                                 subject=YOUNGER).errors


def test_extended_end_needs_an_extension(forms) -> None:
    outcome = run(forms["sr_end"], {**EXPIRY, "end_type": "extended_end"}, HAS_LOG)
    assert outcome.errors["end_type"] == ["연장종료하려면 보호연장 기록이 있어야 합니다."]


def test_suspension_is_a_foster_care_state(forms) -> None:
    assert run(forms["sr_end"], SUSPENSION).ok
    refused = run(forms["sr_end"], SUSPENSION, foster=False)
    assert refused.errors["end_type"] == ["일시중지는 가정위탁에서만 씁니다."]


def test_aftercare_follows_the_end(forms) -> None:
    form = forms["sr_aftercare"]
    data = {"followed_on": "2026-03-01", "method": "phone", "areas": ["주거"],
            "content": "전세 계약 확인"}
    closed = {**SUBJECT, "case_closed": True}
    ended = run(form, data, {"sr_end": 1}, subject=closed)
    assert ended.ok, ended.errors
    refused = ["사후관리는 보호종료(종결) 뒤에 기록합니다. 먼저 보호종료관리를 저장하세요. "
               "일시중지는 종결이 아닙니다."]
    assert run(form, data, subject=closed).errors["followed_on"] == refused
    # a 일시중지 is saved as an end record but does not close the case
    suspended = run(form, data, {"sr_end": 1}, subject={**SUBJECT, "case_closed": False})
    assert suspended.errors["followed_on"] == refused
