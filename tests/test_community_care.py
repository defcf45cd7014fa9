"""Community care (layer 4) through its services and screens, on the shipped library's
content: placement decisions hold the places they take and never go to a full facility or
another region; the receiving facility declines with a reason; a care case shows agencies
only what the person consented to, hands over and closes; the compliance rules flag
subsidies spent beyond the grant and donations spent on excluded items; the policy view and
its Excel file; the elderly pathway's routing by the long-term-care grade; officials only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from ieum.services import ServiceError
from ieum.store.models import Facility, ProcessInstance, Record, Subject
from ieum.store.models_care import PlacementDecision
from ieum.workflow.functions import available
from ieum_library.collaboration import needs
from ieum_library.community_care import cases, compliance, pathway, placement, policy
from tests import carelab
from tests.collablab import CHILD, TODAY, actor, admit, register, runtime, save, workspace
from tests.webutil import login


@pytest.fixture
def app(make_app, sqlite_url, sqlite_template):
    sqlite_template.copy_to(sqlite_url)
    return carelab.build(make_app, sqlite_url)


@pytest.fixture
def app_both(make_app, migrated_url):
    """On SQLite and on PostgreSQL: where row locks and JSON queries matter."""
    return carelab.build(make_app, migrated_url)


def _official_rt(app, s, login: str):
    from ieum.access.audit import Actor
    from ieum.services.workflows import Runtime

    user, roles = carelab.official(s, login)
    rt = Runtime(app.extensions["ieum.registry"], available(plugins=False), TODAY,
                 Actor(user.id, user.login))
    return user, roles, rt


def _facility(s, code: str) -> Facility:
    return s.scalar(select(Facility).where(Facility.code == code))


def _child(name: str, kind: str, facility_id: int) -> dict:
    return {"child_name": name, "birth_date": "2015-01-02", "sex": "male",
            "protection_reason": "abuse", "placement_type": kind, "facility_id": facility_id,
            "assessment": "보호자의 학대로 분리 보호가 필요합니다.", "address": "비공개 주소"}


def test_placements_hold_places_and_refuse_full_wrong_or_foreign_facilities(app_both) -> None:
    app = app_both
    for name in ("가", "나"):
        data = {k: v for k, v in CHILD.items() if k != "rrn"}
        admit(app, "homeadmin", "home", register(app, "homeworker", "home",
                                                 {**data, "name": name}))
    with app.extensions["ieum.database"].session() as s:
        user, roles, rt = _official_rt(app, s, "jongno")
        home, gh, srf = (_facility(s, code) for code in ("home", "gh", "srf"))
        with pytest.raises(ServiceError) as full:
            placement.decide(s, rt, user, roles, _child("가득", "residential", home.id), [])
        assert full.value.status == 409 and "빈자리가 없습니다" in full.value.message
        s.rollback()
        with pytest.raises(ServiceError) as wrong:
            placement.decide(s, rt, user, roles, _child("유형", "residential", gh.id), [])
        assert wrong.value.field == "facility_id" and "아동양육시설" in wrong.value.message
        s.rollback()
        with pytest.raises(ServiceError) as missing:
            placement.decide(s, rt, user, roles, {**_child("평가", "group_home", gh.id),
                                                  "assessment": "짧음"}, [])
        assert missing.value.field == "assessment"
        s.rollback()
        # the group home has 4 places: 4 decisions hold them all, the fifth is refused
        for n in range(4):
            decision = placement.decide(s, rt, user, roles,
                                        _child(f"아동{n}", "group_home", gh.id), [])
        assert "address" not in decision.carried_data  # not consented
        assert decision.carried_data["protection_reason"] == "abuse"
        held = placement.candidates(s, app.extensions["ieum.registry"], roles, "group_home")
        assert [(c.vacancy.facility.code, c.free) for c in held] == [("gh", 0)]
        with pytest.raises(ServiceError) as taken:
            placement.decide(s, rt, user, roles, _child("다섯", "group_home", gh.id), [])
        assert taken.value.status == 409
        s.rollback()
        assert srf.region_code != "11110"
        other_user, other_roles, other_rt = _official_rt(app, s, "junggu")
        assert placement.candidates(s, app.extensions["ieum.registry"], other_roles,
                                    "group_home") == []


def test_the_receiving_facility_declines_with_a_reason(app) -> None:
    with app.extensions["ieum.database"].session() as s:
        user, roles, rt = _official_rt(app, s, "jongno")
        gh = _facility(s, "gh")
        decision = placement.decide(s, rt, user, roles, _child("거절", "group_home", gh.id),
                                    ["address"])
        assert decision.carried_data["address"] == "비공개 주소"  # consented this time
        instance_id = decision.instance_id
    with workspace(app, "ghworker", "gh") as (s, ws):  # not the manager's lane
        with pytest.raises(ServiceError) as refused:
            placement.for_instance(s, ws, instance_id)
        assert refused.value.status == 404
    with workspace(app, "ghadmin", "gh") as (s, ws):
        with pytest.raises(ServiceError) as no_reason:
            placement.answer(s, runtime(app, ws), ws, instance_id, {"decision": "decline"})
        assert no_reason.value.field == "reason"
        s.rollback()
        done = placement.answer(s, runtime(app, ws), ws, instance_id,
                                {"decision": "decline", "reason": "동성 아동만 보호합니다."})
        assert done.status == "declined" and done.subject_id is None
        assert s.get(ProcessInstance, instance_id).status == "completed"
        with pytest.raises(ServiceError) as again:
            placement.answer(s, runtime(app, ws), ws, instance_id, {"decision": "accept",
                                                                    "admission_date": "2026-03-02"})
        assert again.value.status == 409
        assert s.scalar(select(Subject.id).where(Subject.facility_id == ws.facility.id)) is None
    with app.extensions["ieum.database"].session() as s:
        row = s.get(PlacementDecision, decision.id)
        assert (row.status, row.answer_reason) == ("declined", "동성 아동만 보호합니다.")
    official = app.test_client()
    login(official, "jongno")
    detail = official.get(f"/region/care/placements/{decision.id}").get_data(as_text=True)
    assert "동성 아동만 보호합니다." in detail and "다시 결정하기" in detail
    again = official.get(f"/region/care/placements/new?again={decision.id}")
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and 'value="거절"' in text and "비공개 주소" in text
    with app.extensions["ieum.database"].session() as s:  # the held place is free again
        _u, roles, _rt = _official_rt(app, s, "jongno")
        (gh,) = placement.candidates(s, app.extensions["ieum.registry"], roles, "group_home")
        assert (gh.held, gh.free) == (0, 4)


def _case_form(**extra) -> dict:
    return {"region_code": "11110", "target_group": "elderly", "person_name": "오순자",
            "birth_date": "1941-04-10", "sex": "female", "address": "비밀길 7",
            "ltc_grade": "none", "income_status": "basic_pension", "living_alone": "1",
            "needs": "식사 준비가 어려움", "consent_method": "written",
            "consented_on": "2026-03-01", **extra}


def test_a_case_shows_agencies_only_what_was_consented_hands_over_and_closes(app) -> None:
    with app.extensions["ieum.database"].session() as s:
        user, roles, _rt = _official_rt(app, s, "jongno")
        with pytest.raises(ServiceError) as no_consent:
            cases.open_case(s, user, roles, _case_form(consent_method=""), [], TODAY)
        assert no_consent.value.field == "consent_method"
        with pytest.raises(ServiceError) as foreign:
            cases.open_case(s, user, roles, _case_form(region_code="11140"), [], TODAY)
        assert foreign.value.field == "region_code"
        case = cases.open_case(s, user, roles, _case_form(), ["birth_date", "needs"], TODAY)
        case_id = case.id
        cases.invite(s, user, roles, case_id, _facility(s, "hc").id, "식사 지원")
        with pytest.raises(ServiceError) as twice:
            cases.invite(s, user, roles, case_id, _facility(s, "hc").id, "식사 지원")
        assert twice.value.status == 409
        s.rollback()
        _u, other_roles, _r = _official_rt(app, s, "junggu")
        with pytest.raises(ServiceError) as hidden:
            cases.for_coordinator(s, _u, other_roles, case_id)
        assert hidden.value.status == 404
    with workspace(app, "hcworker", "hc") as (s, ws):
        case = cases.for_agency(s, ws, case_id, actor(ws))
        shared = dict(cases.shared_details(case))
        assert shared == {"생년월일": "1941-04-10", "욕구·상황": "식사 준비가 어려움"}
        cases.add_service(s, ws, actor(ws), case_id, {"service": "식사 지원", "frequency": "주 3회",
                                                      "start_on": "2026-03-02"}, TODAY)
        with pytest.raises(ServiceError) as backwards:
            cases.add_service(s, ws, actor(ws), case_id, {
                "service": "가사", "frequency": "주 1회", "start_on": "2026-03-05",
                "end_on": "2026-03-01"}, TODAY)
        assert backwards.value.field == "end_on"
    with workspace(app, "wcadmin", "wc") as (s, ws):  # not invited
        with pytest.raises(ServiceError) as outsider:
            cases.for_agency(s, ws, case_id, actor(ws))
        assert outsider.value.status == 404
    with app.extensions["ieum.database"].session() as s:
        user, roles, _rt = _official_rt(app, s, "jongno")
        with pytest.raises(ServiceError) as stranger:
            cases.review(s, user, roles, case_id, {"outcome": "handover", "summary": "이관",
                                                   "to_coordinator": "junggu"}, TODAY)
        assert stranger.value.field == "to_coordinator"
        s.rollback()
        cases.review(s, user, roles, case_id, {"outcome": "handover", "summary": "담당 변경",
                                               "to_coordinator": "jongno2"}, TODAY)
        successor, roles2, _r = _official_rt(app, s, "jongno2")
        assert cases.for_coordinator(s, successor, roles2, case_id).coordinator_id == successor.id
        cases.review(s, successor, roles2, case_id, {"outcome": "close",
                                                     "summary": "요양원 입소로 종결"}, TODAY)
        assert s.get(cases.CareCase, case_id).status == "closed"
    with workspace(app, "hcworker", "hc") as (s, ws):
        with pytest.raises(ServiceError) as closed:
            cases.add_service(s, ws, actor(ws), case_id, {"service": "식사", "frequency": "매일",
                                                          "start_on": "2026-03-02"}, TODAY)
        assert closed.value.status == 409


def test_compliance_flags_subsidies_beyond_the_grant_and_excluded_donation_items(app_both
                                                                                ) -> None:
    app = app_both
    with workspace(app, "wcadmin", "wc") as (s, ws):
        for kind, day, account, amount in (
                ("income", "2025-03-05", "income.subsidy.municipal", 10_000_000),
                ("expense", "2025-11-20", "expense.program.living", 10_800_000),
                ("income", "2026-01-10", "income.subsidy.municipal", 5_000_000),
                ("expense", "2026-02-10", "expense.program.living", 1_000_000)):
            save(app, s, ws, "resolution", "resolution", {
                "kind": kind, "resolved_on": day, "project": "경로식당", "summary": "보조금",
                "funding": "subsidy", "items": [{"account": account, "description": "식재료",
                                                 "amount": amount}]})
        # an imported resolution from before the form refused it: donations for a meeting
        s.add(Record(facility_id=ws.facility.id, unit_function="resolution",
                     form_id="resolution", form_version=1, status="final",
                     entry_date=dt.date(2026, 2, 1), author_id=ws.user.id,
                     data={"kind": "expense", "resolved_on": "2026-02-01", "funding": "donation",
                           "total": 300_000, "items": [
                               {"account": "expense.office.meeting", "amount": 200_000},
                               {"account": "expense.program.programs", "amount": 100_000}]}))
        s.commit()
    with app.extensions["ieum.database"].session() as s:
        user, roles, rt = _official_rt(app, s, "jongno")
        flags = compliance.region_check(s, app.extensions["ieum.registry"], roles, rt.actor,
                                        TODAY)
        found = {(f.facility.code, f.rule.id): f for f in flags}
        overspent = found[("wc", "subsidy_overspent")]
        assert overspent.figures["year"] == 2025 and overspent.figures["overspent"] == 800_000
        assert "800,000원 초과" in overspent.evidence
        assert ("wc", "subsidy_unsettled") not in found  # 2026 is not over yet
        donation = found[("wc", "donation_excluded")]
        assert donation.figures["excluded_amount"] == 200_000
        assert "회의비" in donation.evidence
        _u, other, _r = _official_rt(app, s, "junggu")
        assert not [f for f in compliance.region_check(
            s, app.extensions["ieum.registry"], other, rt.actor, TODAY)
            if f.facility.code == "wc"]


def test_the_policy_view_counts_waiting_demand_and_exports_it(app) -> None:
    with workspace(app, "wcadmin", "wc") as (s, ws):
        for text in ("방문요양 1", "방문요양 2"):
            needs.register_need(s, app.extensions["ieum.registry"], ws, actor(ws),
                                profile_code="home_visit_care", region_code="11110", need=text)
    with app.extensions["ieum.database"].session() as s:
        user, roles, rt = _official_rt(app, s, "jongno")
        placement.decide(s, rt, user, roles, _child("대기", "group_home",
                                                    _facility(s, "gh").id), [])
        rows = policy.supply_demand(s, app.extensions["ieum.registry"], roles)
        by_key = {(r.region, r.group, r.function): r for r in rows}
        home_care = by_key[("11110", "elderly", "home_care")]
        assert (home_care.free, home_care.needs, home_care.status) == (0, 2, policy.SHORTAGE)
        residential = by_key[("11110", "child", "residential")]
        assert (residential.capacity, residential.placements) == (6, 1)
        assert all(r.region == "11110" for r in rows)  # srf (11140) is not this region's
        only = policy.supply_demand(s, app.extensions["ieum.registry"], roles,
                                    function="home_care")
        assert [r.function for r in only] == ["home_care"]
        book = load_workbook(io.BytesIO(policy.workbook(rows)))
        sheet = book.active
        assert [c.value for c in sheet[1]][:3] == ["시·군·구", "대상", "기능"]
        shortage_row = next(r for r in sheet.iter_rows(min_row=2) if r[12].value == "공급 부족")
        assert shortage_row[2].value == "재가·돌봄" and shortage_row[0].fill.fgColor.rgb.endswith(
            "F8D7DA")
        svg = policy.chart_svg(rows)
        assert svg.startswith("<svg") and "재가·돌봄" in svg and "<script" not in svg


@pytest.mark.parametrize(("grade", "route", "program"), [
    ("1", "elderly_care_home", "ltc_facility"),
    ("4", "home_visit_care", "ltc_home"),
    ("cognitive", "day_care_center", "ltc_cognitive"),
    ("none", "senior_welfare_center", "customized_general"),
])
def test_the_long_term_care_grade_routes_the_person(grade, route, program) -> None:
    result = pathway.assess(dt.date(1944, 5, 1), {"ltc_grade": grade,
                                                  "income_status": "basic_livelihood"}, TODAY)
    assert route in result.route["profiles"]
    assert program in {p.id for p in result.eligible}
    young = pathway.assess(dt.date(1970, 5, 1), {"ltc_grade": "none",
                                                 "income_status": "basic_livelihood"}, TODAY)
    assert not young.eligible  # under 65, no elderly-care program


def test_the_region_pages_are_for_officials_and_the_excel_downloads(app) -> None:
    staff = app.test_client()
    login(staff, "homeadmin")
    for path in ("/region/care/placements", "/region/care/cases", "/region/care/compliance",
                 "/region/care/policy", "/region/care/policy.xlsx"):
        assert staff.get(path).status_code == 403, path
    official = app.test_client()
    login(official, "jongno")
    page = official.get("/region/care/policy")
    assert page.status_code == 200 and "수요·공급 현황" in page.get_data(as_text=True)
    export = official.get("/region/care/policy.xlsx?function=residential")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("11110", "아동", "생활시설(입소)") and len(rows) == 2
    bad = official.post("/region/care/cases/new", data={
        "csrf_token": _token(official, "/region/care/cases/new"), "person_name": ""})
    assert bad.status_code == 400 and "성명" in bad.get_data(as_text=True)
    assert official.get("/region/care/cases/999").status_code == 404
    with app.extensions["ieum.database"].session() as s:
        user, roles, _rt = _official_rt(app, s, "jongno")
        case_id = cases.open_case(s, user, roles, _case_form(), [], TODAY).id
        hc = _facility(s, "hc").id
    path = f"/region/care/cases/{case_id}"
    nobody = official.post(f"{path}/invite", data={"csrf_token": _token(official, path),
                                                   "request": "식사 지원"})
    assert nobody.status_code == 400 and "참여를 요청할 기관을 고르세요" in nobody.get_data(
        as_text=True)
    invited = official.post(f"{path}/invite", data={"csrf_token": _token(official, path),
                                                    "facility_id": hc, "request": "식사 지원"})
    assert invited.status_code == 302
    no_summary = official.post(f"{path}/review", data={"csrf_token": _token(official, path),
                                                       "outcome": "continue"})
    assert no_summary.status_code == 400 and "검토 내용" in no_summary.get_data(as_text=True)
    agency = app.test_client()
    login(agency, "hcadmin")
    page = f"/f/hc/care/cases/{case_id}"
    assert "오순자" in agency.get(page).get_data(as_text=True)
    empty = agency.post(f"{page}/services", data={"csrf_token": _token(agency, page),
                                                  "service": "", "frequency": "주 1회",
                                                  "start_on": "2026-03-02"})
    assert empty.status_code == 400 and "제공 서비스" in empty.get_data(as_text=True)
    assert "비밀길" not in agency.get(page).get_data(as_text=True)  # address not consented


def _token(client, path: str) -> str:
    from tests.webutil import csrf_token
    return csrf_token(client, path)


@pytest.mark.postgres
def test_concurrent_placements_never_hold_more_places_than_are_free(make_app, postgres_url):
    """Six officials' sessions decide placements into the group home (4 places) at the same
    moment: exactly four are decided, two refused (row lock on the facility, then a recount of
    the occupants and the places already held)."""
    import threading

    from ieum.store.migrate import upgrade

    upgrade(postgres_url)
    app = carelab.build(make_app, postgres_url)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def decide_one(n: int) -> None:
        with app.extensions["ieum.database"].session() as s:
            user, roles, rt = _official_rt(app, s, "jongno")
            gh = _facility(s, "gh").id
            s.commit()
            barrier.wait()
            try:
                placement.decide(s, rt, user, roles, _child(f"동시{n}", "group_home", gh), [])
            except ServiceError as refused:
                s.rollback()
                outcomes.append(f"refused {refused.status}")
            else:
                outcomes.append("decided")

    threads = [threading.Thread(target=decide_one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["decided"] * 4 + ["refused 409"] * 2
    with app.extensions["ieum.database"].session() as s:
        assert len(s.scalars(select(PlacementDecision)).all()) == 4


def test_a_rule_with_a_bad_expression_is_refused_when_the_rules_load(tmp_path, monkeypatch):
    (tmp_path / "compliance_rules.yaml").write_text(
        "rules:\n  - {id: broken, title: 깨진 규칙, source: payroll, when: 'max_pay >'}\n",
        encoding="utf-8")
    monkeypatch.setattr(compliance, "HERE", tmp_path)
    compliance.load.cache_clear()
    try:
        with pytest.raises(ValueError, match="broken"):
            compliance.load()
    finally:
        monkeypatch.undo()
        compliance.load.cache_clear()
    assert {rule.id for rule in compliance.load().rules} >= {"personnel_guideline",
                                                            "subsidy_overspent"}
