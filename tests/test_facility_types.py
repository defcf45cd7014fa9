"""Every facility type the statutes list (``../shared/domain/facility_types.md``): a profile per
type composed from the library through a base per field, the type-specific unit functions,
the reuse figures at this scale (seed 002: 56 types, 83% reuse), the legal capacity rules, and
the demo facility of a new type of each field, signed in to and walked through menu entry by
menu entry with Flask's test client."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from html import unescape

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ieum.cli_content import reuse_command
from ieum.config import REPOSITORY_ROOT
from ieum.definitions import Registry, check_content, extensions, reuse_matrix
from ieum.forms.engine import process
from ieum.services import ServiceError
from ieum.services.demo import DEMO_PASSWORD, DemoContext, load_demo
from ieum.store import Database
from ieum.store.migrate import upgrade
from ieum.store.models import Record
from ieum_library.collaboration import occupancy
from tests.webutil import login

TODAY = dt.date(2026, 3, 20)

#: The types as the domain notes name them (statutes as published), each to be the title of a
#: profile, or part of it.
STATUTORY_TYPES = (
    # 아동복지법 제52조① (and 제44조의2)
    "아동양육시설", "아동일시보호시설", "아동보호치료시설", "공동생활가정", "자립지원시설",
    "아동상담소", "아동전용시설", "지역아동센터", "협동돌봄센터", "아동보호전문기관",
    "가정위탁지원센터", "국가아동권리보장원", "자립지원전담기관", "학대피해아동쉼터",
    "다함께돌봄센터",
    # 노인복지법 제31·32·34·36·38조 and the others
    "양로시설", "노인공동생활가정", "노인복지주택", "노인요양시설", "노인요양공동생활가정",
    "노인복지관", "경로당", "노인교실", "방문요양", "주·야간보호", "단기보호", "방문목욕",
    "재가노인지원서비스", "방문간호", "복지용구지원", "노인보호전문기관", "노인일자리지원기관",
    "학대피해노인 전용쉼터",
    # 장애인복지법 제58조① (and 제54조)
    "장애인 거주시설", "중증장애인 거주시설", "장애영유아 거주시설", "장애인 단기거주시설",
    "장애인 공동생활가정", "장애인복지관", "장애인주간보호시설", "장애인체육시설",
    "장애인수련시설", "점자도서관", "수어통역센터", "장애인보호작업장", "장애인근로사업장",
    "장애인직업적응훈련시설", "장애인 의료재활시설", "중증장애인자립생활지원센터",
    "피해장애인 쉼터",
    # the others
    "광역자활센터", "지역자활센터", "정신요양시설", "정신재활시설", "모자가족복지시설",
    "부자가족복지시설", "미혼모자가족복지시설", "일시지원복지시설", "한부모가족복지상담소",
    "노숙인일시보호시설", "노숙인자활시설", "노숙인재활시설", "노숙인요양시설",
    "노숙인종합지원센터", "종합사회복지관", "어린이집", "가정어린이집",
)
FIELDS = {"child_base": "child", "childcare_base": "child", "elderly_base": "elderly",
          "disability_base": "disabled", "community_base": "community",
          "self_sufficiency_base": "low_income", "mental_health_base": "mental_health",
          "single_parent_base": "family", "homeless_base": "homeless"}
#: Words every statute of a profile starts with (the laws the types come from).
LAWS = ("아동복지법", "영유아보육법", "노인복지법", "장애인복지법", "사회복지사업법",
        "국민기초생활보장법", "정신건강증진 및 정신질환자 복지서비스 지원에 관한 법률",
        "한부모가족지원법", "노숙인 등의 복지 및 자립지원에 관한 법률")
#: The type-specific unit functions and the types the law gives them to.
TYPE_SPECIFIC = {
    "senior_center_operation": {"senior_center"},
    "braille_loans": {"braille_library"},
    "sign_interpretation": {"sign_language_center"},
    "senior_job": {"senior_job_agency"},
    "welfare_equipment": {"welfare_equipment_provider"},
    "abuse_case": {"child_protection_agency", "elder_protection_agency"},
    "shelter_admission": {"abused_child_shelter", "elder_abuse_shelter",
                          "abused_disabled_shelter"},
    "ltc_service_record": {"home_visit_care", "day_care_center", "short_term_care",
                           "home_visit_bathing", "home_visit_nursing"},
    "street_outreach": {"homeless_temporary", "homeless_support_center"},
}
#: The demo facility of a new type of each field, its facility admin, and the unit of its
#: type it shows.
DEMOS = (
    ("demo-protect", "protectadmin", "child_protection_agency", "abuse_case"),
    ("demo-kids", "kidsadmin", "home_daycare", "admission_discharge"),
    ("demo-hall", "halladmin", "senior_center", "senior_center_operation"),
    ("demo-bath", "bathadmin", "home_visit_bathing", "ltc_service_record"),
    ("demo-sign", "signadmin", "sign_language_center", "sign_interpretation"),
    ("demo-jahwal", "jahwaladmin", "regional_self_sufficiency_center", "case_management"),
    ("demo-mind", "mindadmin", "mental_care_facility", "admission_discharge"),
    ("demo-mother", "motheradmin", "unmarried_mother_facility", "admission_discharge"),
    ("demo-street", "streetadmin", "homeless_support_center", "street_outreach"),
)


@pytest.fixture(scope="module")
def shipped() -> Registry:
    registry, problems = check_content([REPOSITORY_ROOT], plugins=False)
    assert problems == [], "\n".join(str(problem) for problem in problems)
    assert registry is not None
    return registry


# ---------------------------------------------------------------- the profiles


def test_every_statutory_type_has_a_profile(shipped: Registry) -> None:
    titles = [profile.title for profile in shipped.profiles.values()]
    missing = [name for name in STATUTORY_TYPES
               if not any(title == name or title.startswith(name) for title in titles)]
    assert missing == []
    assert len(shipped.profiles) >= 56
    assert len({profile.title for profile in shipped.profiles.values()}) == len(titles)


def test_each_type_extends_its_field_and_names_its_statute(shipped: Registry) -> None:
    fields_seen = set()
    for code, profile in shipped.profiles.items():
        field = profile.bases[0]
        assert profile.bases == (field, "base"), code
        assert profile.target_group == FIELDS[field], code
        assert profile.statute.startswith(LAWS), (code, profile.statute)
        assert re.search("제[0-9]+조", profile.statute), (code, profile.statute)
        assert profile.description and profile.title, code
        fields_seen.add(field)
    assert fields_seen == set(FIELDS)
    # the field's base is written once: no profile file repeats the target group
    for code in shipped.profiles:
        text = (REPOSITORY_ROOT / "facility_profiles" / f"{code}.yaml").read_text("utf-8")
        assert "\ntarget_group:" not in text or code in OLD_PROFILES, code


#: The profiles written before the field bases; they keep their own target group line.
OLD_PROFILES = {
    "child_home", "child_shelter", "child_treatment", "community_child_center",
    "community_welfare_center", "day_care_center", "daycare_center", "disability_day_care",
    "disability_group_home", "disability_residence", "disability_welfare_center",
    "elderly_care_home", "elderly_nursing_group_home", "elderly_residence", "foster_care_center",
    "group_home", "home_visit_care", "homeless_shelter", "mental_health_rehab",
    "self_reliance_facility", "self_sufficiency_center", "senior_welfare_center",
    "sheltered_workshop", "single_parent_facility",
}


def test_type_specific_functions_belong_to_the_types_the_law_gives_them(shipped) -> None:
    for unit_id, codes in TYPE_SPECIFIC.items():
        having = {code for code, p in shipped.profiles.items() if unit_id in p.unit_ids}
        assert having == codes, unit_id
        assert shipped.unit_functions[unit_id].layer == 3, unit_id
        for code in codes:  # the worker of the type may record it, never approve or delete
            grant = shipped.profiles[code].roles["worker"].grants[unit_id]
            assert "create" in grant.actions and grant.scope in ("own", "assigned"), (code,
                                                                                      unit_id)
            assert not {"approve", "delete"} & grant.actions, (code, unit_id)
    processes = {"abuse_case": ("abuse_case_decision", {"worker", "team_leader"}),
                 "shelter_admission": ("shelter_admission", {"worker", "facility_admin"}),
                 "sign_interpretation": ("sign_interpretation", {"worker", "team_leader"})}
    for unit_id, (process_id, lanes) in processes.items():
        assert shipped.unit_functions[unit_id].processes == (process_id,)
        assert set(shipped.processes[process_id].lanes) == lanes


def test_capacity_rules_where_the_law_sets_one(shipped: Registry) -> None:
    def rule(code: str) -> tuple[int, int, str]:
        params = shipped.profiles[code].parameters_for("admission_discharge")
        return (params["legal_capacity_min"], params["legal_capacity_max"],
                params["capacity_rule"])

    assert rule("elderly_nursing_group_home")[:2] == (5, 9)
    assert rule("elderly_group_living")[:2] == (5, 9)
    assert rule("elderly_care_home")[:2] == (10, 0)
    assert rule("home_daycare")[:2] == (5, 20)
    assert "30명 이하" in rule("disability_residence")[2]
    assert rule("group_home") == (0, 0, "")  # not confirmed: no rule (see the notes)
    for code, profile in shipped.profiles.items():
        if "admission_discharge" in profile.unit_ids:
            low, high, text = rule(code)
            assert not high or low <= high, code
            assert bool(low or high) <= bool(text), code  # a number always says its source


# ---------------------------------------------------------------- reuse at this scale


def test_reuse_json_at_the_scale_of_the_seed() -> None:
    result = CliRunner().invoke(reuse_command, [str(REPOSITORY_ROOT), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["profiles"] >= 56
    assert figures["reuse_ratio"] >= 0.85
    assert figures["slots"] >= 56 * 15  # each type composes a full menu
    single = figures["single_use"]
    assert single == {unit_id: next(iter(codes)) for unit_id, codes in TYPE_SPECIFIC.items()
                      if len(codes) == 1}
    assert figures["reuse_ratio"] == round(1 - figures["unit_functions"] / figures["slots"], 4)


def test_reuse_table_shows_the_matrix_and_names_the_single_use_functions(shipped) -> None:
    result = CliRunner().invoke(reuse_command, [str(REPOSITORY_ROOT)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    reuse = reuse_matrix(shipped)
    # the legend numbers every type with its field
    legend = [line.split() for line in lines[1:len(reuse.profiles) + 1]]
    assert [row[0] for row in legend] == [str(n) for n in range(1, len(reuse.profiles) + 1)]
    assert {row[-1] for row in legend} == set(FIELDS)
    # one row per unit function, one mark per type, the fields apart
    row = next(line.split() for line in lines if line.strip().startswith("braille_loans "))
    marks = "".join(row[-len(FIELDS):])
    assert len(marks) == len(reuse.profiles) and marks.count("x") == 1
    counselling = next(line.split() for line in lines if line.strip().startswith(
        "counselling "))
    assert counselling[3] == str(len(reuse.profiles))  # used by every type
    text = result.stdout
    assert "Used by one facility type only (type-specific, 5):" in text
    assert "braille_loans (점자도서관 이용): braille_library (점자도서관)" in text
    assert "senior_center_operation (경로당 운영): senior_center (경로당)" in text
    assert lines[-1].startswith(f"{len(reuse.profiles)} facility types, ")


# ---------------------------------------------------------------- type-specific forms


def run(shipped: Registry, form_id: str, data: dict):
    return process(shipped.forms[form_id], data, today=TODAY)


def test_a_long_term_care_record_ends_after_it_starts_and_bathing_says_how(shipped) -> None:
    record = {"service_date": "2026-03-19", "service_type": "home_care", "start_time": "09:00",
              "end_time": "12:00", "minutes": 180, "services": ["physical"],
              "condition": "good", "provider": "하요양"}
    assert run(shipped, "ltc_service_record", record).ok
    late = run(shipped, "ltc_service_record", {**record, "end_time": "08:00"})
    assert late.errors == {"end_time": ["종료시각은 시작시각보다 뒤여야 합니다."]}
    bath = run(shipped, "ltc_service_record", {**record, "service_type": "bathing"})
    assert list(bath.errors) == ["bath_method"]
    worry = run(shipped, "ltc_service_record", {**record, "condition": "attention"})
    assert list(worry.errors) == ["condition_note"]


def test_an_abuse_decision_names_the_abuse_it_found(shipped) -> None:
    decided = {"decided_on": "2026-03-19", "decision": "abuse", "plan": "가정방문"}
    assert list(run(shipped, "abuse_decision", decided).errors) == ["abuse_types"]
    assert run(shipped, "abuse_decision", {**decided, "abuse_types": ["neglect"]}).ok
    assert run(shipped, "abuse_decision", {**decided, "decision": "general"}).ok


def test_shelter_and_interpretation_decisions_need_their_reasons(shipped) -> None:
    refused = {"decision": "refused", "decided_on": "2026-03-19"}
    assert list(run(shipped, "shelter_admission_decision", refused).errors) == ["comment"]
    admitted = {"decision": "admitted", "decided_on": "2026-03-19",
                "protection_until": "2026-03-01"}
    assert run(shipped, "shelter_admission_decision", admitted).errors == {
        "protection_until": ["보호 종료 예정일은 결정일보다 뒤여야 합니다."]}
    assert list(run(shipped, "interpretation_assignment", {"decision": "assigned"}).errors) \
        == ["interpreter"]


def test_meeting_equipment_and_outreach_counts_are_consistent(shipped) -> None:
    meeting = {"meeting_date": "2026-03-01", "meeting_type": "general", "members_total": 20,
               "attendees": 25, "agenda": "총회", "decisions": "예산", "chair": "회장"}
    assert run(shipped, "senior_center_meeting", meeting).errors == {
        "attendees": ["참석 인원은 회원 수보다 많을 수 없습니다."]}
    supply = {"supplied_on": "2026-03-02", "item": "walker", "supply_type": "rental",
              "benefit_cost": 10_000, "copay": 1_500}
    assert list(run(shipped, "equipment_supply", supply).errors) == ["rental_months"]
    assert run(shipped, "equipment_supply", {**supply, "supply_type": "purchase",
                                             "copay": 20_000}).errors == {
        "copay": ["본인부담금은 급여비용보다 클 수 없습니다."]}
    outreach = {"outreach_date": "2026-03-02", "shift": "night", "area": "역", "contacts": 2,
                "new_contacts": 3}
    assert run(shipped, "outreach_log", outreach).errors == {
        "new_contacts": ["처음 만난 인원은 만난 인원보다 많을 수 없습니다."]}


# ---------------------------------------------------------------- the legal capacity


@pytest.fixture
def context(sqlite_url, sqlite_template: str) -> Iterator[DemoContext]:
    sqlite_template.copy_to(sqlite_url)
    database = Database(sqlite_url)
    session = database.sessions()
    registry, problems = check_content([REPOSITORY_ROOT], plugins=False)
    assert registry is not None, problems
    yield DemoContext(session, registry, TODAY)
    session.close()
    database.dispose()


def test_no_admission_beyond_the_legal_capacity_of_the_type(context: DemoContext) -> None:
    """노인공동생활가정: at most 9 residents (정원 내), whatever capacity the facility was given."""
    home = context.facility(code="home9", name="이음공동생활가정",
                            profile_code="elderly_group_living", region_code="11110")
    assert home.capacity is None
    context.staff(login="homehead", name="시설장", facility=home, roles=["facility_admin"],
                  valid_from=TODAY - dt.timedelta(days=30))
    desk = context.desk("homehead", "home9")

    def admit(number: int, capacity_type: str = "within") -> None:
        subject = desk.save("subject_management", "subject_basic", {
            "name": f"입소자{number}", "birth_date": "1940-01-01", "sex": "female",
            "status": "admitted", "admission_date": "2026-03-01"}).subject_id
        desk.save("admission_discharge", "admission", {
            "admission_date": "2026-03-01", "admission_type": "new",
            "admission_route": "family", "admission_reason": "돌봄",
            "capacity_type": capacity_type}, subject)

    for number in range(9):
        admit(number)
    with pytest.raises(ServiceError) as refused:
        admit(9)
    assert refused.value.status == 409
    assert str(refused.value).startswith("이 시설유형의 법정 입소정원은 9명 이하입니다(입소정원 "
                                         "5명 이상 9명 이하")
    context.session.rollback()
    admit(10, "outside")  # 정원 외 is counted apart
    admissions = context.session.scalars(select(Record.data).where(
        Record.facility_id == home.id, Record.form_id == "admission")).all()
    assert [data["capacity_type"] for data in admissions] == ["within"] * 9 + ["outside"]
    assert occupancy.occupancy(context.session, home.id) == 9


# ---------------------------------------------------------------- the demo, menu by menu


@pytest.fixture(scope="module")
def demo_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One app on one database with the kernel's demo runner having run the base chapter and
    the chapter of the new facility types."""
    from ieum import create_app

    folder = tmp_path_factory.mktemp("facility-types")
    url = f"sqlite:///{folder / 'ieum.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IEUM_INSTANCE_PATH", str(folder / "instance"))
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                          "IEUM_DATABASE_URL": url, "IEUM_CONTENT_ROOTS": [str(REPOSITORY_ROOT)],
                          "IEUM_PLUGINS": False, "IEUM_TODAY": TODAY.isoformat()})
        demos = extensions.objects(extensions.DEMO)
        with app.extensions["ieum.database"].session() as session:
            load_demo(session, app.extensions["ieum.registry"], TODAY,
                      {name: demos[name] for name in ("base", "facility_types")})
        yield app
        app.extensions["ieum.database"].dispose()


#: The unit functions added with the new types (their screens are opened too).
NEW_UNITS = (*TYPE_SPECIFIC, "facility_rental", "rehab_therapy")
MENU = re.compile(r'<nav[^>]*aria-label="업무 메뉴">(.*?)</nav>', re.S)
LINK = re.compile(r'href="([^"]+)"')


def _links(html: str, prefix: str) -> list[str]:
    return [unescape(href) for href in LINK.findall(html) if unescape(href).startswith(prefix)]


@pytest.mark.parametrize(("code", "login_name", "profile_code", "unit_id"), DEMOS,
                         ids=[demo[0] for demo in DEMOS])
def test_the_demo_admin_opens_every_menu_entry(demo_client, code, login_name, profile_code,
                                               unit_id) -> None:
    client = demo_client.test_client()
    signed_in = login(client, login_name, DEMO_PASSWORD, follow_redirects=True)
    assert signed_in.status_code == 200
    home = client.get(f"/f/{code}/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    profile = demo_client.extensions["ieum.registry"].profiles[profile_code]
    assert profile.title in html
    menu = MENU.search(html)
    assert menu, "no 업무 메뉴 on the dashboard"
    entries = _links(menu.group(1), f"/f/{code}/")
    units = [href for href in entries if "/u/" in href]
    assert len(units) == len(profile.unit_ids)  # the admin sees the whole menu
    assert f"/f/{code}/u/{unit_id}/" in units  # with the type's own function
    opened = set()
    for href in entries:
        page = client.get(href, follow_redirects=True)
        assert page.status_code == 200, href
        opened.add(href)
        if not any(f"/u/{unit}/" in href for unit in (*NEW_UNITS, unit_id)):
            continue
        # the type's own function and those added for the new types: every screen their
        # page links to as well (lists and forms)
        unit_prefix = href.split("?")[0].rstrip("/")
        for screen in _links(page.get_data(as_text=True), unit_prefix + "/"):
            if screen in opened or "/export" in screen:
                continue
            opened.add(screen)
            shown = client.get(screen, follow_redirects=True)
            assert shown.status_code == 200, screen
    assert len(opened) > len(entries)  # the type's lists and forms were opened too


def test_the_demo_dashboards_show_the_legal_capacity_rule(demo_client) -> None:
    client = demo_client.test_client()
    login(client, "kidsadmin", DEMO_PASSWORD)
    html = client.get("/f/demo-kids/").get_data(as_text=True)
    assert "정원 5명 이상 20명 이하(영유아보육법 시행규칙 별표1)" in html
    assert 'data-testid="capacity-rule-warning"' not in html  # 15 fits
    assert re.search(r'data-testid="occupancy">3명', html)


def test_the_protection_worker_sees_the_case_they_took_to_a_decision(demo_client) -> None:
    """The worker's grant on the type's function (from child_base, scope ``assigned``) lets
    them start the decision process and find their report and investigation again; the
    팀장's decision is in the same unit, seen by the 팀장 (the worker is not its author)."""
    client = demo_client.test_client()
    login(client, "protectworker", DEMO_PASSWORD)
    menu = MENU.search(client.get("/f/demo-protect/").get_data(as_text=True)).group(1)
    assert "/f/demo-protect/u/abuse_case/" in _links(menu, "/f/demo-protect/")
    assert "/f/demo-protect/u/hr_card/" not in _links(menu, "/f/demo-protect/")
    reports = client.get("/f/demo-protect/u/abuse_case/", follow_redirects=True)
    assert reports.status_code == 200
    assert "방임" in _table_body(reports.get_data(as_text=True))
    investigations = client.get("/f/demo-protect/u/abuse_case/abuse_investigation/",
                                follow_redirects=True)
    assert "조치 없음" in _table_body(investigations.get_data(as_text=True))
    decisions = "/f/demo-protect/u/abuse_case/abuse_decision/"
    assert "학대사례" not in _table_body(client.get(decisions).get_data(as_text=True))
    lead = demo_client.test_client()
    login(lead, "protectlead", DEMO_PASSWORD)
    assert "학대사례" in _table_body(lead.get(decisions).get_data(as_text=True))


def _table_body(html: str) -> str:
    """The rows of a list screen (not its filters, which name every choice)."""
    body = re.search(r"<tbody[^>]*>(.*?)</tbody>", html, re.S)
    assert body, "no list on the page"
    return body.group(1)
