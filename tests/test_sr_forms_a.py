"""The shipped self-reliance forms (아동자립지원): child info, skills assessment, plan, sessions.

Each test runs the form engine on the forms in ``forms/`` exactly as they ship.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.definitions.model import FormDef
from ieum.forms.engine import Outcome, process

TODAY = dt.date(2026, 3, 2)
REQUIRED = "필수 입력 항목입니다"
NOT_AN_OPTION = "선택할 수 있는 값이 아닙니다"
DOMAINS = ("daily", "selfcare", "community", "money", "social", "career")
SCALE = [(1, "전혀 그렇지 않다"), (2, "그렇지 않다"), (3, "그렇다"), (4, "매우 그렇다")]
MANUAL_DAILY_ITEMS = [
    "영양성분을 고려한 식사준비를 계획할 수 있다.",
    "식품을 구매할 때 제조일자와 유통기한을 확인한다.",
    "조리법에 따라서 음식을 조리할 수 있다.",
    "음식에 따른 보관방법(냉장, 냉동 등)을 알고 있다.",
    "식사준비 시에 적절하게 주방기구를 사용하고, 사용한 후 주방기구를 깨끗하게 정리정돈 할 수 "
    "있다.",
    "집안청소(화장실, 침실, 가스레인지 등)를 할 수 있고, 방 정리정돈(책상, 서랍, 옷장 등)상태를 "
    "유지할 수 있다.",
    "분리수거 방법에 따라 쓰레기(재활용, 음식물 등)를 처리할 수 있다.",
    "세탁기 사용법에 따라 내 옷을 세탁할 수 있다.",
]


@pytest.fixture(scope="module")
def forms() -> dict[str, FormDef]:
    return dict(load_registry([REPOSITORY_ROOT], plugins=False).forms)


def run(form: FormDef, data: dict, **kw) -> Outcome:
    return process(form, data, today=TODAY, **kw)


def test_the_four_forms_ship_as_version_1(forms) -> None:
    titles = {fid: forms[fid].title for fid in
              ("sr_child_info", "sr_assessment", "sr_plan", "sr_session_report")}
    assert titles == {"sr_child_info": "아동자립정보", "sr_assessment": "자립기술평가",
                      "sr_plan": "자립지원계획", "sr_session_report": "자립지원 프로그램 회기보고"}
    assert {forms[fid].version for fid in titles} == {1}


# ---------------------------------------------------------------- 아동자립정보

CHILD = {"admission_date": "2015-04-01", "registered_on": "2026-03-02",
         "admission_route": "district_office", "main_cause": "parent_poverty"}
BORN = {"subject": {"name": "김하늘", "birth_date": dt.date(2010, 5, 1), "age": 15,
                    "status": "admitted"}}


def test_child_info_saves_and_computes_the_age_at_admission(forms) -> None:
    outcome = run(forms["sr_child_info"], {**CHILD, "sub_causes": ["parent_illness"],
                                           "admission_height": 120.5}, parameters=BORN)
    assert outcome.ok, outcome.errors
    assert outcome.data["admission_age"] == 4
    assert "admission_age" not in run(forms["sr_child_info"], CHILD).data


@pytest.mark.parametrize("name", ["admission_date", "registered_on", "admission_route",
                                  "main_cause"])
def test_child_info_required_fields(forms, name) -> None:
    data = {k: v for k, v in CHILD.items() if k != name}
    assert run(forms["sr_child_info"], data, parameters=BORN).errors == {name: [REQUIRED]}


def test_child_info_other_route_and_cause_need_their_text(forms) -> None:
    form = forms["sr_child_info"]
    other = {**CHILD, "admission_route": "other", "main_cause": "other"}
    assert run(form, other).errors == {"admission_route_other": [REQUIRED],
                                       "main_cause_other": [REQUIRED]}
    assert run(form, {**other, "admission_route_other": "교회", "main_cause_other": "x"}).ok
    dropped = run(form, {**CHILD, "admission_route_other": "남김"})
    assert dropped.ok and "admission_route_other" not in dropped.data


def test_child_info_rules(forms) -> None:
    form = forms["sr_child_info"]
    young = {"subject": {"birth_date": dt.date(2011, 3, 3)}}
    assert run(form, CHILD, parameters=young).errors == {
        "registered_on": ["자립지원 대상자는 대상등록일에 만 15세 이상이어야 합니다."]}
    assert run(form, {**CHILD, "registered_on": "2015-03-31"}).errors == {
        "registered_on": ["대상등록일은 입소일자보다 빠를 수 없습니다."]}
    assert run(form, {**CHILD, "admission_date": "2026-03-03",
                      "registered_on": "2026-03-03"}).errors == {
        "admission_date": ["입소일자는 오늘 이후일 수 없습니다."]}
    assert run(form, {**CHILD, "admission_date": "2009-01-01"}, parameters=BORN).errors == {
        "admission_date": ["입소일자는 생년월일보다 빠를 수 없습니다."]}
    assert run(form, {**CHILD, "sub_causes": ["parent_poverty"]}).errors == {
        "sub_causes": ["주 발생유형으로 고른 원인은 부 발생유형에 다시 넣지 않습니다."]}
    assert NOT_AN_OPTION in run(form, {**CHILD, "main_cause": "poverty"}).errors["main_cause"]


# ---------------------------------------------------------------- 자립기술평가


def answers(**by_domain: list[int] | int) -> dict[str, int]:
    """Answers for every item; a domain given as one number answers all its items so."""
    data = {}
    for domain in DOMAINS:
        given = by_domain.get(domain, 3)
        values = given if isinstance(given, list) else [given] * 10
        data.update({f"{domain}_{n:02d}": v for n, v in enumerate(values, 1)})
    return data


def test_assessment_has_six_domains_of_required_four_point_radio_items(forms) -> None:
    form = forms["sr_assessment"]
    assert "ieum" in form.schema["description"]
    required = set(form.schema["required"])
    for domain in DOMAINS:
        items = [name for name in form.properties if name.startswith(f"{domain}_")]
        assert 8 <= len(items) <= 12
        assert set(items) <= required
        for name in items:
            prop = form.properties[name]
            assert [(c["const"], c["title"]) for c in prop["oneOf"]] == SCALE
            assert form.ui[name]["widget"] == "radio"
        assert f"score_{domain}" in form.computed
    daily = [form.properties[f"daily_{n:02d}"]["title"] for n in range(1, 9)]
    assert daily == [f"{n}. {text}" for n, text in enumerate(MANUAL_DAILY_ITEMS, 1)]
    sections = [form.ui[name]["section"] for name in form.properties]
    assert list(dict.fromkeys(sections)) == ["영역별점수", "일상생활기술", "자기보호기술",
                                             "지역사회자원활용기술", "돈관리기술", "사회적기술",
                                             "진로탐색"]


def test_all_fours_score_100_and_all_ones_score_0(forms) -> None:
    form = forms["sr_assessment"]
    top = run(form, {"assessed_on": "2026-03-02", **answers(**dict.fromkeys(DOMAINS, 4))})
    assert top.ok, top.errors
    assert [top.data[f"score_{d}"] for d in DOMAINS] == [100] * 6
    assert top.data["score_total"] == 100
    assert top.data["assessment_year"] == 2026
    bottom = run(form, {"assessed_on": "2025-12-31", **answers(**dict.fromkeys(DOMAINS, 1))})
    assert [bottom.data[f"score_{d}"] for d in (*DOMAINS, "total")] == [0] * 7
    assert bottom.data["assessment_year"] == 2025


def test_a_known_mix_of_answers_gives_the_expected_scores(forms) -> None:
    data = answers(daily=[2, 4, 3, 3, 4, 3, 3, 3, 2, 1],  # mean 2.8 -> 60.0
                   selfcare=3,                            # 66.7
                   community=2,                           # 33.3
                   money=[4] * 5 + [1] * 5,               # mean 2.5 -> 50.0
                   social=4,                              # 100.0
                   career=1)                              # 0.0
    outcome = run(forms["sr_assessment"], {"assessed_on": "2026-03-01", **data,
                                           "score_total": 99, "score_daily": 99})
    assert outcome.ok, outcome.errors
    assert {d: outcome.data[f"score_{d}"] for d in DOMAINS} == {
        "daily": 60.0, "selfcare": 66.7, "community": 33.3, "money": 50.0, "social": 100.0,
        "career": 0.0}
    assert outcome.data["score_total"] == 51.7  # (60 + 66.7 + 33.3 + 50 + 100 + 0) / 6


def test_every_item_must_be_answered_with_one_of_the_four_answers(forms) -> None:
    form = forms["sr_assessment"]
    data = {"assessed_on": "2026-03-02", **answers()}
    missing = copy.deepcopy(data)
    del missing["money_07"], missing["daily_01"]
    assert run(form, missing).errors == {"money_07": [REQUIRED], "daily_01": [REQUIRED]}
    del data["assessed_on"]
    assert run(form, data).errors == {"assessed_on": [REQUIRED]}
    for bad in (0, 5):
        assert NOT_AN_OPTION in run(form, {**data, "assessed_on": "2026-03-02",
                                           "social_03": bad}).errors["social_03"]
    future = run(form, {**data, "assessed_on": "2026-03-03"})
    assert future.errors == {"assessed_on": ["작성일은 오늘 이후일 수 없습니다."]}


# ---------------------------------------------------------------- 자립지원계획

PLAN = {"planned_on": "2026-03-02", "school_level": "high", "grade": 2,
        "school_type": "vocational", "plan_type": "undecided",
        "desired_housing": "self_reliance_facility"}
STUDY = {"college_type": "two_year", "desired_university": "한국폴리텍대학",
         "desired_department": "전기과", "tuition_funding": "national_scholarship"}
WORK = {"desired_job_field": "skilled", "desired_job": "전기기능사"}


def test_an_undecided_plan_needs_only_the_housing_plan(forms) -> None:
    outcome = run(forms["sr_plan"], PLAN)
    assert outcome.ok, outcome.errors
    assert outcome.data["plan_year"] == 2026


@pytest.mark.parametrize("name", ["planned_on", "school_level", "grade", "plan_type",
                                  "desired_housing"])
def test_plan_required_fields(forms, name) -> None:
    data = {k: v for k, v in PLAN.items() if k != name}
    assert run(forms["sr_plan"], data).errors == {name: [REQUIRED]}


@pytest.mark.parametrize(("plan_type", "needed"), [
    ("study", set(STUDY)),
    ("employment", set(WORK)),
    ("study_employment", set(STUDY) | set(WORK)),
    ("undecided", set()),
])
def test_each_plan_type_requires_its_own_part(forms, plan_type, needed) -> None:
    form = forms["sr_plan"]
    bare = run(form, {**PLAN, "plan_type": plan_type})
    assert bare.errors == {name: [REQUIRED] for name in needed}
    full = run(form, {**PLAN, **STUDY, **WORK, "plan_type": plan_type})
    assert full.ok, full.errors
    assert (set(STUDY) | set(WORK)) - needed <= full.hidden
    assert {name for name in (*STUDY, *WORK) if name in full.data} == needed


def test_housing_other_and_school_leavers(forms) -> None:
    form = forms["sr_plan"]
    assert run(form, {**PLAN, "desired_housing": "other"}).errors == {
        "desired_housing_other": [REQUIRED]}
    out_of_school = run(form, {**PLAN, "school_level": "not_enrolled"})
    assert out_of_school.ok, out_of_school.errors
    assert "grade" not in out_of_school.data and "school_type" not in out_of_school.data
    assert run(form, {**PLAN, "planned_on": "2026-03-03"}).errors == {
        "planned_on": ["계획일자는 오늘 이후일 수 없습니다."]}


def test_current_situation_rows_are_validated(forms) -> None:
    form = forms["sr_plan"]
    rows = {
        "certificates": [{"field": "national_technical", "name": "전기기능사",
                          "issued_on": "2025-12-10", "issuer": "한국산업인력공단"}],
        "academy_support": [{"academy_name": "미래컴퓨터학원", "course_name": "컴퓨터활용능력",
                             "start_date": "2026-01-05", "end_date": "2026-02-27",
                             "fee_payer": "sponsor"}],
        "vocational_training": [{"institution": "직업전문학교", "course_name": "바리스타",
                                 "start_date": "2026-01-10", "fee_payer": "government",
                                 "other_cost": 30000}],
        "internships": [{"company": "이음전기", "start_date": "2026-01-02",
                         "end_date": "2026-02-27", "field_major": "skilled",
                         "field_minor": "전기설비"}],
        "mentors": [{"mentor_type": "self_reliance", "expertise": "주거",
                     "mentor_name": "박선배", "mentor_age": 27}],
        "attachment_1": 12,
    }
    outcome = run(form, {**PLAN, **rows})
    assert outcome.ok, outcome.errors
    assert outcome.data["mentors"][0]["mentor_name"] == "박선배"
    bad = run(form, {**PLAN,
                     "certificates": [{"field": "national_technical"}],
                     "academy_support": [{"academy_name": "학원", "course_name": "과정",
                                          "start_date": "2026-13-01"}],
                     "vocational_training": [{"institution": "기관", "course_name": "과정",
                                              "start_date": "2026-01-01", "other_cost": -1}],
                     "internships": [{"start_date": "2026-01-02"}],
                     "mentors": [{"mentor_type": "friend", "mentor_name": "김", "mentor_age": 0}]})
    assert bad.errors["certificates.0.name"] == [REQUIRED]
    assert bad.errors["academy_support.0.start_date"] == [
        "날짜 형식이 올바르지 않습니다 (예: 2026-03-01)"]
    assert bad.errors["vocational_training.0.other_cost"] == ["0 이상이어야 합니다"]
    assert bad.errors["internships.0.company"] == [REQUIRED]
    assert NOT_AN_OPTION in bad.errors["mentors.0.mentor_type"]
    assert bad.errors["mentors.0.mentor_age"] == ["1 이상이어야 합니다"]


def test_plan_attachments_are_file_fields(forms) -> None:
    form = forms["sr_plan"]
    files = [name for name, ui in form.ui.items() if ui.get("widget") == "file"]
    assert files == ["attachment_1", "attachment_2", "attachment_3"]
    for name in files:
        assert form.properties[name]["type"] == "integer"
        assert form.ui[name]["accept"] == ".pdf,.hwp,.hwpx,.doc,.docx,.jpg,.png"


# ---------------------------------------------------------------- 자립지원 프로그램 회기보고

SESSION = {"written_on": "2026-03-02", "title": "돈관리 교육 3회기", "program": "money_management",
           "participants": [11, 12, 15], "prep_program_name": "2026 경제교실", "session_no": 3,
           "session_date": "2026-02-27", "start_time": "14:00", "end_time": "15:40",
           "instructor": "이강사", "place": "프로그램실", "content": "용돈기입장 쓰기 실습"}


def test_session_report_computes_the_total_time_in_minutes(forms) -> None:
    form = forms["sr_session_report"]
    outcome = run(form, {**SESSION, "total_minutes": 5})
    assert outcome.ok, outcome.errors
    assert outcome.data["total_minutes"] == 100
    assert outcome.data["participants"] == [11, 12, 15]
    seconds = run(form, {**SESSION, "start_time": "09:05:00", "end_time": "12:00:30"})
    assert seconds.data["total_minutes"] == 175
    assert form.ui["participants"]["widget"] == "subjects"


@pytest.mark.parametrize("name", ["written_on", "title", "program", "session_date",
                                  "start_time", "end_time", "content"])
def test_session_report_required_fields(forms, name) -> None:
    data = {k: v for k, v in SESSION.items() if k != name}
    assert run(forms["sr_session_report"], data).errors == {name: [REQUIRED]}


def test_session_report_rules(forms) -> None:
    form = forms["sr_session_report"]
    future = run(form, {**SESSION, "session_date": "2026-03-03"})
    assert future.errors == {"session_date": ["회기일자는 오늘 이후일 수 없습니다.",
                                              "회기일자는 작성 일자보다 늦을 수 없습니다."]}
    assert run(form, {**SESSION, "written_on": "2026-02-26"}).errors == {
        "session_date": ["회기일자는 작성 일자보다 늦을 수 없습니다."]}
    backwards = run(form, {**SESSION, "end_time": "13:59"})
    assert backwards.errors == {"end_time": ["종료시간은 시작시간보다 늦어야 합니다."]}
    assert run(form, {**SESSION, "end_time": "14:00"}).errors == backwards.errors
    bad_time = run(form, {**SESSION, "start_time": "9:30"})
    assert list(bad_time.errors) == ["start_time"]
    assert "total_minutes" not in bad_time.data
    assert run(form, {**SESSION, "participants": [11, 11]}).errors == {
        "participants": ["같은 값을 두 번 넣을 수 없습니다"]}
    assert NOT_AN_OPTION in run(form, {**SESSION, "program": "cooking"}).errors["program"]
