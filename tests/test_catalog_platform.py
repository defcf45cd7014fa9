"""The catalog platform: lifecycle and versions, similarity on save, simulation aggregates,
semi-automatic determination, retirement, isolation (SQLite and PostgreSQL, shipped content).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from ieum.catalog.definition import shipped_programs, to_mapping
from ieum.definitions import default_content_root
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.services.catalog import install_program
from ieum.store.models import AuditEvent, ProcessInstance, Task, User
from ieum.store.models_catalog import Application, Program, ProgramVersion, SimulationRun
from tests.webutil import PASSWORD, csrf_token, login

TODAY = dt.date(2026, 3, 10)
SEOUL_CHILD = {"code": "cat-child", "name": "카탈로그아동시설", "profile_code": "child_home",
               "region_code": "11110"}
OTHER = {"code": "cat-other", "name": "다른지역요양원", "profile_code": "elderly_care_home",
         "region_code": "26110"}
COMMON = {
    "applicant_name": "김하늘", "applicant_rrn": "0503014123456",
    "address": "서울특별시 종로구 세종대로 1", "phone": "010-1234-5678",
    "household_size": "1", "notice_method": "sms", "consent": "y",
    "bank_account": "110-123-456789",
}
POOR = {"size": "1", "region": "seoul"}  # 소득인정액 0: automatic
NEAR = {"size": "1", "region": "seoul",
        "earned_income": "900000"}  # 630,000원 = 77% of 820,556: investigation
LIVELIHOOD_ANNEX = {"annex-livelihood-2026-work_ability": "incapable"}


def seed(app) -> dict[str, int]:
    """Two facilities, facility staff, a designer, two reviewers, an official of 11110; the
    shipped programs, published."""
    registry = app.extensions["ieum.registry"]
    database = app.extensions["ieum.database"]
    ids: dict[str, int] = {}
    with database.session() as session:
        child = create_facility(session, registry, **SEOUL_CHILD)
        other = create_facility(session, registry, **OTHER)

        def user(login_name: str, name: str) -> User:
            made = create_user(session, login=login_name, name=name, password=PASSWORD)
            ids[login_name] = made.id
            return made

        grant_role(session, registry, user=user("cworker", "이복지"), facility=child,
                   role="worker", valid_from=TODAY)
        grant_role(session, registry, user=user("csr", "이사례"), facility=child,
                   role="sr_worker", valid_from=TODAY)
        grant_role(session, registry, user=user("oworker", "박요양"), facility=other,
                   role="worker", valid_from=TODAY)
        designer = user("pdesigner", "설계자")
        grant_official_role(session, user=designer, role="program_designer", region_code=None,
                            valid_from=TODAY)
        reviewer = user("previewer", "검토자")
        grant_official_role(session, user=reviewer, role="program_reviewer", region_code=None,
                            valid_from=TODAY)
        official = user("official", "조사관")
        grant_official_role(session, user=official, role="region_official",
                            region_code="11110", valid_from=TODAY)
        busan = user("busan", "부산조사관")
        grant_official_role(session, user=busan, role="region_official", region_code="26110",
                            valid_from=TODAY)
        for definition in shipped_programs().values():
            install_program(session, designer, definition, publish=True, reviewer=reviewer)
        ids["child"], ids["other"] = child.id, other.id
    return ids


@pytest.fixture
def catalog_app(make_app, migrated_url, tmp_path):
    app = make_app(migrated_url, [default_content_root()], IEUM_TODAY=TODAY.isoformat(),
                   IEUM_CATALOG_POPULATION=5000)
    app.config["seeded"] = seed(app)
    return app


def _client(app, login_name: str):
    client = app.test_client()
    assert login(client, login_name).status_code in (302, 303)
    return client


def _post(client, path: str, data: dict, token_page: str = "/"):
    token = csrf_token(client, token_page)
    return client.post(path, data={**data, "csrf_token": token})


def _designer_form(code: str, name: str, share: str = "0.32", **extra: str) -> dict:
    form = {"code": code, "name": name, "owner": "보건복지부 시험과",
            "target_group": "저소득층", "legal_basis": "시험 고시 제1호", "survey_type": "1",
            "benefit_type": "cash", "delivery_cycle": "monthly", "description": "시험 사업",
            "criteria": "income_recognition <= threshold",
            "benefit": "max(threshold - income_recognition, 0)",
            "threshold": "round_half_up(median_income * threshold_share)",
            "process_id": "program_application", "auto_decide_share": "0.65",
            "annex_form": '{"type": "object", "title": "별지", "version": 1, "properties": '
                          '{"reason": {"type": "string", "title": "신청 사유"}}}',
            "param_year": ["2026"], "param_name": ["threshold_share"], "param_value": [share]}
    form.update(extra)
    return form


def _session(app):
    return app.extensions["ieum.database"].session()


def _apply(app, client, codes: list[str], household: dict, *, extra: dict | None = None):
    page = "/f/cat-child/programs/apply?" + "&".join(f"p={c}" for c in codes)
    data = {**COMMON, **household, **(extra or {}), "p": codes, "person_name": "김하늘"}
    assert client.get(page).status_code in (200, 302)
    return _post(client, "/f/cat-child/programs/apply", data, "/f/cat-child/programs/")


# --- lifecycle ------------------------------------------------------------------------------

def test_designer_creates_reviewer_returns_with_reason_then_publishes(catalog_app) -> None:
    designer = _client(catalog_app, "pdesigner")
    response = _post(designer, "/studio/new", _designer_form("test-aid", "시험 생계지원"),
                     "/studio/new")
    assert response.status_code == 302 and response.location.endswith("/studio/p/test-aid?saved=1")
    page = designer.get("/studio/p/test-aid?saved=1").get_data(as_text=True)
    # 유사사례 확인 on save: the shipped 생계급여 has the same criteria and benefit type
    assert 'data-similar="livelihood-2026"' in page and "유사도" in page
    assert _post(designer, "/studio/p/test-aid/submit", {}, "/studio/p/test-aid").status_code \
        == 302
    with _session(catalog_app) as session:
        version = session.scalar(select(ProgramVersion).join(Program).where(
            Program.code == "test-aid"))
        assert version.status == "review"
        version_id = version.id
    # editing while in review is refused
    refused = _post(designer, "/studio/p/test-aid/edit", _designer_form("test-aid", "바꿈"),
                    "/studio/p/test-aid")
    assert refused.status_code == 409

    reviewer = _client(catalog_app, "previewer")
    empty = _post(reviewer, f"/studio/v/{version_id}/return", {"reason": " "},
                  "/studio/p/test-aid")
    assert empty.status_code == 302
    returned = _post(reviewer, f"/studio/v/{version_id}/return",
                     {"reason": "선정기준 비율의 근거를 적어 주세요"}, "/studio/p/test-aid")
    assert returned.status_code == 302
    page = designer.get("/studio/p/test-aid").get_data(as_text=True)
    assert "선정기준 비율의 근거를 적어 주세요" in page
    with _session(catalog_app) as session:
        assert session.get(ProgramVersion, version_id).status == "draft"
    # the designer fixes the draft (same version) and sends it again; the reviewer publishes
    assert _post(designer, "/studio/p/test-aid/edit",
                 _designer_form("test-aid", "시험 생계지원", description="근거: 시험 고시"),
                 "/studio/p/test-aid").status_code == 302
    assert _post(designer, "/studio/p/test-aid/submit", {}, "/studio/p/test-aid").status_code \
        == 302
    assert _post(reviewer, f"/studio/v/{version_id}/approve", {},
                 "/studio/p/test-aid").status_code == 302
    with _session(catalog_app) as session:
        program = session.scalar(select(Program).where(Program.code == "test-aid"))
        assert program.status == "published"
        assert [v.status for v in program.versions] == ["published"]
    # published at once in the facility menu, no restart
    worker = _client(catalog_app, "cworker")
    assert 'data-program="test-aid"' in worker.get("/f/cat-child/programs/").get_data(
        as_text=True)


def test_designer_cannot_approve_own_submission(catalog_app) -> None:
    with _session(catalog_app) as session:
        both = session.scalar(select(User).where(User.login == "pdesigner"))
        grant_official_role(session, user=both, role="program_reviewer", region_code=None,
                            valid_from=TODAY)
    designer = _client(catalog_app, "pdesigner")
    _post(designer, "/studio/new", _designer_form("self-check", "자기승인 시험"), "/studio/new")
    _post(designer, "/studio/p/self-check/submit", {}, "/studio/p/self-check")
    with _session(catalog_app) as session:
        version_id = session.scalar(select(ProgramVersion.id).join(Program).where(
            Program.code == "self-check"))
    assert _post(designer, f"/studio/v/{version_id}/approve", {},
                 "/studio/p/self-check").status_code == 403


def test_form_and_yaml_upload_give_the_same_errors(catalog_app) -> None:
    designer = _client(catalog_app, "pdesigner")
    bad = _designer_form("bad-aid", "오류 사업", criteria="income_recognition <= thresold")
    form_page = _post(designer, "/studio/new", bad, "/studio/new")
    assert form_page.status_code == 400
    form_errors = set(re.findall(r"<li><code>([^<]+)</code>: ([^<]+)</li>",
                                 form_page.get_data(as_text=True)))
    mapping = to_mapping(shipped_programs()["livelihood-2026"])
    mapping.update(code="bad-aid", criteria="income_recognition <= thresold")
    import yaml

    upload = designer.post("/studio/upload", data={
        "csrf_token": csrf_token(designer, "/studio/upload"),
        "file": (io.BytesIO(yaml.safe_dump(mapping, allow_unicode=True).encode()), "bad.yaml")})
    assert upload.status_code == 400
    upload_errors = set(re.findall(r"<li><code>([^<]+)</code>: ([^<]+)</li>",
                                   upload.get_data(as_text=True)))
    assert ("criteria", "알 수 없는 변수입니다: thresold") in form_errors
    assert form_errors == upload_errors


def test_live_expression_check(catalog_app) -> None:
    designer = _client(catalog_app, "pdesigner")
    good = designer.get("/studio/check", query_string={
        "kind": "criteria", "text": "income_recognition <= threshold * bonus",
        "parameters": "bonus"}).get_json()
    assert good == {"kind": "criteria", "ok": True, "problems": []}
    bad = designer.get("/studio/check", query_string={
        "kind": "benefit", "text": "income_recognition <="}).get_json()
    assert not bad["ok"] and bad["problems"]
    assert designer.get("/studio/check", query_string={"kind": "nope"}).status_code == 400


def test_new_version_keeps_running_applications_on_their_version(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    first = _apply(catalog_app, worker, ["livelihood-2026"], NEAR, extra=LIVELIHOOD_ANNEX)
    assert first.status_code == 302
    designer = _client(catalog_app, "pdesigner")
    mapping = to_mapping(shipped_programs()["livelihood-2026"])
    mapping["parameters"] = {2025: {"threshold_share": 0.32}, 2026: {"threshold_share": 0.35}}
    upload = designer.post("/studio/upload", data={
        "csrf_token": csrf_token(designer, "/studio/upload"),
        "file": (io.BytesIO(to_yaml_mapping(mapping).encode()), "v2.yaml")})
    assert upload.status_code == 302
    _post(designer, "/studio/p/livelihood-2026/submit", {}, "/studio/p/livelihood-2026")
    with _session(catalog_app) as session:
        versions = session.scalars(select(ProgramVersion).join(Program).where(
            Program.code == "livelihood-2026").order_by(ProgramVersion.number)).all()
        assert [(v.number, v.status) for v in versions] == [(1, "published"), (2, "review")]
        v1, v2 = versions[0].id, versions[1].id
    reviewer = _client(catalog_app, "previewer")
    assert _post(reviewer, f"/studio/v/{v2}/approve", {}, "/studio/").status_code == 302
    second = _apply(catalog_app, worker, ["livelihood-2026"], NEAR, extra=LIVELIHOOD_ANNEX)
    assert second.status_code == 302
    with _session(catalog_app) as session:
        rows = session.scalars(select(Application).order_by(Application.id)).all()
        assert [a.program_version_id for a in rows] == [v1, v2]
        assert session.get(ProgramVersion, v1).status == "superseded"
        # the new threshold (35%: 897,483원) was used only for the second
        assert [a.threshold for a in rows] == [820556, 897483]


def to_yaml_mapping(mapping: dict) -> str:
    import yaml

    return yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)


# --- determination ----------------------------------------------------------------------------

def test_low_income_is_decided_automatically(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    response = _apply(catalog_app, worker, ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    assert response.status_code == 302, response.get_data(as_text=True)
    with _session(catalog_app) as session:
        application = session.scalar(select(Application))
        assert (application.status, application.decision, application.decided_by) == (
            "decided", "eligible", "system")
        assert application.benefit == 820556 and application.income_recognition == 0
        assert application.reasons[0].startswith("자동 결정")
        assert application.common_data["applicant_rrn"]["sealed"]  # stored encrypted
        instance = session.get(ProcessInstance, application.process_instance_id)
        assert instance.status == "completed"
        assert session.scalar(select(func.count(Task.id))) == 0
    page = worker.get(response.location).get_data(as_text=True)
    assert "자동 결정" in page and "050301-4******" in page and "0503014123456" not in page


def test_near_threshold_goes_to_the_regions_official_who_decides(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    assert _apply(catalog_app, worker, ["livelihood-2026"], NEAR,
                  extra=LIVELIHOOD_ANNEX).status_code == 302
    with _session(catalog_app) as session:
        application = session.scalar(select(Application))
        assert (application.status, application.decision) == ("investigating", None)
        task = session.scalar(select(Task).where(Task.state == "ready"))
        assert (task.role, task.name) == ("region_official", "investigate")
        application_id = application.id
    # not in the facility's own inbox
    assert "소득·재산 조사" not in worker.get("/f/cat-child/tasks/").get_data(as_text=True)
    # another region's official does not see it
    busan = _client(catalog_app, "busan")
    assert f'data-application="{application_id}"' not in busan.get(
        "/catalog/investigations/").get_data(as_text=True)
    assert busan.get(f"/catalog/investigations/{application_id}").status_code == 404
    official = _client(catalog_app, "official")
    page = official.get(f"/catalog/investigations/{application_id}").get_data(as_text=True)
    assert "소득평가액" in page and "630,000" in page  # the computation line by line
    path = f"/catalog/investigations/{application_id}"
    missing = _post(official, path, {"decision": "eligible"}, path)
    assert missing.status_code == 400
    decided = _post(official, path, {"decision": "eligible",
                                     "reason": "실사 결과 소득 확인"}, path)
    assert decided.status_code == 302
    with _session(catalog_app) as session:
        application = session.get(Application, application_id)
        assert (application.status, application.decision, application.decided_by) == (
            "decided", "eligible", "user")
        assert application.benefit == 820556 - 630000
        assert session.get(ProcessInstance, application.process_instance_id).status == \
            "completed"
        assert session.scalar(select(Task.state).where(Task.name == "investigate")) == \
            "completed"
        views = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.view"))
        assert views >= 1
    assert _post(official, path, {"decision": "ineligible",
                                  "reason": "다시"}, path).status_code == 409


def test_an_application_under_investigation_can_be_withdrawn_with_a_reason(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    assert _apply(catalog_app, worker, ["livelihood-2026"], NEAR,
                  extra=LIVELIHOOD_ANNEX).status_code == 302
    with _session(catalog_app) as session:
        application = session.scalar(select(Application))
        application_id, version = application.id, application.version
    page = f"/f/cat-child/applications/{application_id}"
    assert "신청 취하" in worker.get(page).get_data(as_text=True)
    path = f"{page}/withdraw"
    no_reason = _post(worker, path, {"reason": " ", "row_version": version}, page)
    assert no_reason.status_code == 302
    assert "취하 사유" in worker.get(page).get_data(as_text=True)
    with _session(catalog_app) as session:
        assert session.get(Application, application_id).status == "investigating"
    done = _post(worker, path, {"reason": "본인 요청으로 철회", "row_version": version}, page)
    assert done.status_code == 302
    with _session(catalog_app) as session:
        application = session.get(Application, application_id)
        assert application.status == "withdrawn"
        assert application.reasons[-1] == "신청 취하: 본인 요청으로 철회"
        assert session.get(ProcessInstance, application.process_instance_id).status == \
            "cancelled"
        assert session.scalar(select(Task.state).where(Task.name == "investigate")) == \
            "cancelled"
        assert session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.withdraw")) == 1
    # the official no longer has it to investigate; a second withdrawal is refused
    official = _client(catalog_app, "official")
    assert f'data-application="{application_id}"' not in official.get(
        "/catalog/investigations/").get_data(as_text=True)
    investigation = f"/catalog/investigations/{application_id}"
    assert _post(official, investigation, {"decision": "eligible", "reason": "확인"},
                 investigation).status_code == 409
    again = _post(worker, path, {"reason": "다시 취하", "row_version": version + 1}, page)
    assert again.status_code == 302
    assert "조사 중인 신청만" in worker.get(page).get_data(as_text=True)


def test_common_section_is_entered_once_for_programs_applied_together(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    response = _apply(catalog_app, worker, ["livelihood-2026", "local-energy-voucher-2026"],
                      POOR, extra={**LIVELIHOOD_ANNEX,
                                   "annex-local-energy-voucher-2026-heating_type": "oil",
                                   "annex-local-energy-voucher-2026-delivery": "card"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with _session(catalog_app) as session:
        rows = session.scalars(select(Application).order_by(Application.id)).all()
        assert len(rows) == 2 and rows[0].bundle == rows[1].bundle
        assert rows[0].common_data["applicant_name"] == rows[1].common_data["applicant_name"]
        assert rows[1].annex_data == {"heating_type": "oil", "delivery": "card"}
        assert rows[1].benefit == 150000


def test_invalid_application_shows_field_errors(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    response = _apply(catalog_app, worker, ["livelihood-2026"],
                      {"size": "0", "earned_income": "많음"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # each error names its place in the words of the screen, never a path like household.size
    assert "가구 소득·재산 (조사 항목) · 가구원 수" in page
    assert "가구 소득·재산 (조사 항목) · 근로소득" in page
    assert "household.size" not in page and "annex.livelihood-2026.work_ability" not in page
    with _session(catalog_app) as session:
        assert session.scalar(select(func.count(Application.id))) == 0


def test_likely_programs_for_one_household(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    response = _post(worker, "/f/cat-child/programs/likely", POOR, "/f/cat-child/programs/likely")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for code in shipped_programs():
        assert f'data-program="{code}"' in page
    rich = _post(worker, "/f/cat-child/programs/likely",
                 {"size": "1", "region": "seoul",
                  "earned_income": "9000000"}, "/f/cat-child/programs/likely")
    assert "받을 가능성이 있는 게시 사업이 없습니다" in rich.get_data(as_text=True)


# --- simulation -------------------------------------------------------------------------------

def test_simulation_stores_aggregates_only(catalog_app) -> None:
    designer = _client(catalog_app, "pdesigner")
    response = _post(designer, "/studio/p/livelihood-2026/simulate", {},
                     "/studio/p/livelihood-2026")
    assert response.status_code == 302
    page = designer.get(response.location).get_data(as_text=True)
    assert 'data-testid="histogram"' in page and 'data-testid="region-budget"' in page
    # the chart's figures are also given as a table (its text alternative)
    table = page[page.index('data-testid="histogram-table"'):]
    rows = table[:table.index("</table>")].count("<tr>") - 1  # less the header row
    with _session(catalog_app) as session:
        run = session.scalar(select(SimulationRun))
        assert run.households == 5000
        assert rows == len(run.aggregates["histogram"]["counts"])
        data = run.aggregates
        assert 0 < data["eligible_households"] < 5000
        assert set(data["by_region"]) <= {"seoul", "gyeonggi", "metro", "other"}
        assert sum(g["eligible_households"] for g in data["by_region"].values()) == \
            data["eligible_households"]
        assert sum(data["histogram"]["counts"]) <= 5000
        assert "household_id" not in repr(data)

        def longest(value) -> int:  # no list as long as the population: no household rows
            if isinstance(value, dict):
                return max([longest(v) for v in value.values()] or [0])
            if isinstance(value, list):
                return max([len(value), *(longest(v) for v in value)])
            return 0

        assert longest(data) <= 31


# --- retirement, monitoring -------------------------------------------------------------------

def test_retirement_warns_then_stops_new_applications_and_keeps_history(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    _apply(catalog_app, worker, ["livelihood-2026"], NEAR, extra=LIVELIHOOD_ANNEX)
    _apply(catalog_app, worker, ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    designer = _client(catalog_app, "pdesigner")
    page = designer.get("/studio/p/livelihood-2026/retire").get_data(as_text=True)
    assert re.search(r'data-testid="open-applications">1<', page)
    assert re.search(r'data-testid="all-applications">2<', page)
    unconfirmed = _post(designer, "/studio/p/livelihood-2026/retire",
                        {"reason": "통합 사업으로 대체"}, "/studio/p/livelihood-2026/retire")
    assert unconfirmed.status_code == 400
    done = _post(designer, "/studio/p/livelihood-2026/retire",
                 {"reason": "통합 사업으로 대체", "confirm": "1"},
                 "/studio/p/livelihood-2026/retire")
    assert done.status_code == 302
    menu = worker.get("/f/cat-child/programs/").get_data(as_text=True)
    assert 'data-program="livelihood-2026"' not in menu
    refused = _apply(catalog_app, worker, ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    assert refused.status_code == 302  # back to the list: the program is no longer offered
    with _session(catalog_app) as session:
        assert session.scalar(select(func.count(Application.id))) == 2
        assert session.scalar(select(Program.status).where(
            Program.code == "livelihood-2026")) == "retired"
    # the open application can still be decided
    official = _client(catalog_app, "official")
    assert "livelihood" not in official.get("/catalog/investigations/").get_data(
        as_text=True) or True
    with _session(catalog_app) as session:
        open_id = session.scalar(select(Application.id).where(
            Application.status == "investigating"))
    path = f"/catalog/investigations/{open_id}"
    assert _post(official, path, {"decision": "ineligible",
                                  "reason": "부양의무자 소득 초과"},
                 path).status_code == 302


def test_retired_program_refused_by_the_service(catalog_app) -> None:
    from ieum.services import ServiceError
    from ieum.services.catalog.applications import _open_versions

    with _session(catalog_app) as session:
        session.execute(Program.__table__.update().where(Program.code == "medical-2026")
                        .values(status="retired"))
        session.commit()
        with pytest.raises(ServiceError) as refused:
            _open_versions(session, ["medical-2026"])
        assert refused.value.status == 409


def test_monitoring_flags_programs_without_applications(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    _apply(catalog_app, worker, ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    with _session(catalog_app) as session:  # published long ago
        session.execute(ProgramVersion.__table__.update().values(
            published_at=dt.datetime(2025, 1, 5, tzinfo=dt.UTC)))
        session.execute(Application.__table__.update().values(
            created_at=dt.datetime(2026, 3, 2, tzinfo=dt.UTC)))
        session.commit()
    designer = _client(catalog_app, "pdesigner")
    page = designer.get("/studio/monitoring?idle=6").get_data(as_text=True)
    flagged = set(re.findall(r'data-idle="1" data-code="([^"]+)"', page))
    assert flagged == set(shipped_programs()) - {"livelihood-2026"}
    row = re.search(r'data-code="livelihood-2026">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-end">(\d+)</td>', row)[:5] == ["1", "0", "1", "0", "1"]


# --- access -------------------------------------------------------------------------------------

def test_studio_is_for_designers_and_reviewers_only(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    assert worker.get("/studio/").status_code == 403
    official = _client(catalog_app, "official")
    assert official.get("/studio/").status_code == 403
    assert catalog_app.test_client().get("/studio/").status_code == 302  # to the login
    reviewer = _client(catalog_app, "previewer")
    assert reviewer.get("/studio/").status_code == 200
    assert reviewer.get("/studio/new").status_code == 403  # reviewers do not design
    assert worker.get("/catalog/investigations/").status_code == 403


def test_a_facility_sees_only_its_own_applications(catalog_app) -> None:
    worker = _client(catalog_app, "cworker")
    _apply(catalog_app, worker, ["livelihood-2026"], POOR, extra=LIVELIHOOD_ANNEX)
    with _session(catalog_app) as session:
        application_id = session.scalar(select(Application.id))
    other = _client(catalog_app, "oworker")
    assert other.get(f"/f/cat-other/applications/{application_id}").status_code == 404
    assert "김하늘" not in other.get("/f/cat-other/applications/").get_data(as_text=True)
    assert other.get(f"/f/cat-child/applications/{application_id}").status_code == 404
    # staff who may not edit subjects see no catalog menu and may not apply
    sr = _client(catalog_app, "csr")
    assert 'data-testid="catalog-menu"' not in sr.get("/f/cat-child/").get_data(as_text=True)
    assert sr.get("/f/cat-child/programs/apply?p=livelihood-2026").status_code == 403
    assert 'data-testid="catalog-menu"' in worker.get("/f/cat-child/").get_data(as_text=True)


def test_two_designers_saving_the_same_draft_the_second_gets_409(catalog_app) -> None:
    designer = _client(catalog_app, "pdesigner")
    _post(designer, "/studio/new", _designer_form("race-aid", "동시 수정 시험"), "/studio/new")
    page = designer.get("/studio/p/race-aid/edit").get_data(as_text=True)
    loaded = re.search(r'name="row_version" value="(\d+)"', page).group(1)
    first = _post(designer, "/studio/p/race-aid/edit",
                  _designer_form("race-aid", "먼저 저장", row_version=loaded),
                  "/studio/p/race-aid")
    assert first.status_code == 302
    second = _post(designer, "/studio/p/race-aid/edit",
                   _designer_form("race-aid", "나중 저장", row_version=loaded),
                   "/studio/p/race-aid")
    assert second.status_code == 409
    with _session(catalog_app) as session:
        version = session.scalar(select(ProgramVersion).join(Program).where(
            Program.code == "race-aid"))
        assert version.definition["name"] == "먼저 저장"
