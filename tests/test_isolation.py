"""Isolation between facilities, checked on every route the app has.

Two facilities of the same profile, A and B, twice (form_lab: ``lab``/``other``; flow_lab:
``flow``/``far``). B gets data (a record with an attachment uploaded through the API, a
subject, a process instance with tasks and a task record, role assignments); A gets none.
Then every rule of ``app.url_map`` that takes a ``facility_code`` is called by A's
administrator:

* rules with an integer id: with A's code and B's ids, and with B's code and B's ids, for every
  method — each answer must be 404 (not 200, 302, 403, 400 or 500);
* list rules (no id), GET: with A's code — B's data must not show.

A new route whose id argument this test does not know fails here until the id is added to
``World.ids`` below — that is the point: every id-taking route must be proven scoped.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import (
    Attachment,
    Facility,
    Person,
    ProcessInstance,
    Record,
    RoleAssignment,
    Subject,
    Task,
    User,
)
from ieum.store.models_collab import Referral, SharingConsent, UnmetNeed
from tests.flowlab import seed_flow
from tests.formlab import GOOD, TODAY, api_token, seed_lab
from tests.webutil import PASSWORD, csrf_token, login

ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
# What a request carries so that body checks pass and the id lookup is what decides.
API_BODY = {"data": {}, "version": 1}
# Strings and link fragments that only B's data produces (A has no data of its own).
SECRET_WORDS = ("B기관비밀기록", "B기관비밀메모", "비밀대상자갑", "비밀대상자을",
                "b-secret-scan.pdf", "stranger", "outsider", "farworker", "다른시설", "먼시설")
# JSON keys whose value is an id of the named kind.
JSON_ID_KEYS = {"record_id": "record_id", "task_id": "task_id", "instance_id": "instance_id",
                "subject_id": "subject_id", "attachment_id": "attachment_id"}


@dataclass
class World:
    """A pair of facilities of one profile: A's administrator and B's objects."""

    name: str
    own_code: str  # A
    other_code: str  # B
    login: str  # A's administrator
    ids: dict[str, int] = field(default_factory=dict)  # B's objects, by route argument
    names: dict[str, str] = field(default_factory=dict)  # the other arguments


def arguments(rule) -> dict[str, str]:  # noqa: ANN001 - a werkzeug Rule
    """Argument name -> converter name (``default`` when none)."""
    return {m["name"]: m["converter"] or "default" for m in ARGUMENT.finditer(rule.rule)}


def id_arguments(rule) -> set[str]:  # noqa: ANN001
    return {name for name, converter in arguments(rule).items() if converter == "int"}


def path_of(rule, values: dict[str, Any]) -> str:  # noqa: ANN001
    return ARGUMENT.sub(lambda m: str(values[m["name"]]), rule.rule)


# ---------------------------------------------------------------- B's data


def seed_b(app) -> tuple[World, World]:
    """Both pairs of facilities; B's objects created through the API where there is one."""
    seed_flow(app)  # flow/far first: seed_lab reuses its worker2
    seed_lab(app)
    database = app.extensions["ieum.database"]
    client = app.test_client()
    with database.session() as s:
        ids = {code: s.scalar(select(Facility.id).where(Facility.code == code))
               for code in ("lab", "other", "flow", "far")}
        subjects = {code: Subject(facility_id=ids[code], name=name, status="입소")
                    for code, name in (("other", "비밀대상자갑"), ("far", "비밀대상자을"))}
        s.add_all(subjects.values())
        worker = create_user(s, login="farworker", name="먼시설직원", password=PASSWORD)
        grant_role(s, app.extensions["ieum.registry"], user=worker,
                   facility=s.get(Facility, ids["far"]), role="worker", valid_from=TODAY)
        s.commit()
        subject_ids = {code: subject.id for code, subject in subjects.items()}

    # form_lab: B = other, as its administrator "stranger"
    stranger = api_token(client, "stranger")
    api = "/api/v1/f/other/u/casebook/casebook"
    uploaded = client.post(f"{api}/files/evidence", headers=stranger,
                           data={"file": (io.BytesIO(b"B secret scan\n"), "b-secret-scan.pdf")})
    assert uploaded.status_code == 201, uploaded.get_json()
    attachment_id = uploaded.get_json()["id"]
    created = client.post(f"{api}/records", headers=stranger, json={
        "data": {**GOOD, "title": "B기관비밀기록", "evidence": attachment_id},
        "subject_id": subject_ids["other"]})
    assert created.status_code == 201, created.get_json()
    form_world = World("form_lab", "lab", "other", "admin", ids={
        "record_id": created.get_json()["id"], "attachment_id": attachment_id,
        "subject_id": subject_ids["other"]},
        names={"unit_id": "casebook", "form_id": "casebook", "field_name": "rrn",
               "process_id": "none"})

    # flow_lab: B = far, as its worker (the first lane of the process)
    outsider = api_token(client, "farworker")
    started = client.post("/api/v1/f/far/u/flows/processes/three_lane", headers=outsider,
                          json={"subject_id": subject_ids["far"]})
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    draft = next(t for t in started.get_json()["tasks"] if t["name"] == "draft_step")
    done = client.post(f"/api/v1/f/far/tasks/{draft['id']}/complete", headers=outsider,
                       json={"data": {"note": "B기관비밀메모"}})
    assert done.status_code == 200, done.get_json()
    with database.session() as s:
        ready = s.scalar(select(Task.id).where(Task.instance_id == instance_id,
                                               Task.state == "ready"))
        task_record = s.scalar(select(Task.record_id).where(Task.id == draft["id"]))
        assert ready is not None and task_record is not None
        assignments = {login_name: s.scalar(
            select(RoleAssignment.id).join(User, User.id == RoleAssignment.user_id)
            .where(User.login == login_name)) for login_name in ("stranger", "outsider")}
        assert s.scalar(select(Attachment.record_id).where(
            Attachment.id == attachment_id)) == form_world.ids["record_id"]
        assert s.get(ProcessInstance, instance_id).facility_id == ids["far"]
        assert s.get(Record, task_record).facility_id == ids["far"]
    form_world.ids["assignment_id"] = assignments["stranger"]
    collab = seed_collab(app, ids["other"], ids["far"], subject_ids["other"],
                         subject_ids["far"])
    form_world.ids.update(collab)
    flow_world = World("flow_lab", "flow", "far", "boss", ids={
        "record_id": task_record, "task_id": ready, "instance_id": instance_id,
        "subject_id": subject_ids["far"], "assignment_id": assignments["outsider"]},
        names={"unit_id": "flows", "form_id": "step_note", "process_id": "three_lane",
               "field_name": "none"})
    flow_world.ids.update(collab)
    catalog = seed_catalog(app, ids["other"])
    form_world.ids.update(catalog)
    flow_world.ids.update(catalog)
    report = seed_report(app, ids["other"])
    form_world.ids.update(report)
    flow_world.ids.update(report)
    care = seed_care(app, ids["other"])
    form_world.ids.update(care)
    flow_world.ids.update(care)
    return form_world, flow_world


def seed_report(app, other: int) -> dict[str, int]:
    """B's report to the 시·군·구 (a row only: generation needs the shipped units)."""
    import datetime as dt

    from ieum.store.models_reports import Report

    with app.extensions["ieum.database"].session() as s:
        author = s.scalar(select(User.id).where(User.login == "stranger"))
        report = Report(facility_id=other, kind="admissions", period_key="2026-10",
                        period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                        due_date=dt.date(2026, 11, 10), status="submitted",
                        content={"rows": [{"name": "비밀대상자갑"}]}, generated_by_id=author)
        s.add(report)
        s.flush()
        return {"report_id": report.id}


def seed_care(app, other: int) -> dict[str, int]:
    """A community-care case B is invited into, and a placement decision for B."""
    import datetime as dt

    from ieum.store.models_care import CareCase, CareCaseAgency, PlacementDecision

    with app.extensions["ieum.database"].session() as s:
        author = s.scalar(select(User.id).where(User.login == "stranger"))
        case = CareCase(region_code="11110", target_group="elderly", person_name="비밀대상자갑",
                        details={}, needs="B기관비밀기록", consent_method="written",
                        consented_on=dt.date(2026, 1, 1), consent_fields=[],
                        coordinator_id=author, status="open", opened_on=dt.date(2026, 1, 1))
        s.add(case)
        s.flush()
        decision = PlacementDecision(
            region_code="11110", child_name="비밀대상자갑", protection_reason="abuse",
            assessment="B기관비밀기록", placement_type="group_home", facility_id=other,
            carried_fields=[], carried_data={}, status="decided", decided_by_id=author,
            decided_on=dt.date(2026, 1, 1))
        s.add_all([CareCaseAgency(case_id=case.id, facility_id=other, invited_by_id=author),
                   decision])
        s.flush()
        return {"case_id": case.id, "decision_id": decision.id}


def seed_catalog(app, other: int) -> dict[str, int]:
    """B's application to a program of the catalog (rows only: no process is needed)."""
    from ieum.catalog.definition import shipped_programs, to_mapping
    from ieum.store.models_catalog import Application, Program, ProgramVersion

    with app.extensions["ieum.database"].session() as s:
        author = s.scalar(select(User.id).where(User.login == "stranger"))
        program = Program(code="iso-aid", name="격리 시험 사업", owner="시험", status="published")
        s.add(program)
        s.flush()
        version = ProgramVersion(program_id=program.id, number=1, status="published",
                                 definition=to_mapping(shipped_programs()["livelihood-2026"]))
        s.add(version)
        s.flush()
        application = Application(program_version_id=version.id, facility_id=other,
                                  person_name="비밀대상자갑", applicant_id=author, bundle="b",
                                  year=2026, status="investigating")
        s.add(application)
        s.flush()
        return {"application_id": application.id}


def seed_collab(app, other: int, far: int, other_subject: int, far_subject: int
                ) -> dict[str, int]:
    """B's consent, referral (between the two B facilities) and unmet need."""
    with app.extensions["ieum.database"].session() as s:
        person = Person(rrn_hmac=None)
        s.add(person)
        s.flush()
        s.get(Subject, other_subject).person_id = person.id
        author = s.scalar(select(User.id).where(User.login == "stranger"))
        consent = SharingConsent(person_id=person.id, facility_id=other,
                                 subject_id=other_subject, scopes=["history"], fields=[],
                                 method="written", consented_on=TODAY, recorded_by_id=author)
        referral = Referral(person_id=person.id, from_facility_id=other,
                            from_subject_id=other_subject, to_facility_id=far,
                            to_subject_id=far_subject, service="다른시설 의뢰",
                            reason="비밀대상자갑", shared_fields=["name"],
                            shared_data={"name": "비밀대상자갑"}, requested_by_id=author)
        need = UnmetNeed(facility_id=other, region_code="11110", profile_code="x",
                         need="B기관비밀기록", registered_by_id=author)
        s.add_all([consent, referral, need])
        s.flush()
        return {"consent_id": consent.id, "referral_id": referral.id, "need_id": need.id}


@pytest.fixture
def worlds(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    return app, seed_b(app)


# ---------------------------------------------------------------- callers


class Caller:
    """A's administrator: an HTML session for screens, a bearer token for ``/api/``."""

    def __init__(self, app, world: World) -> None:
        self.world = world
        self.html = app.test_client()
        assert login(self.html, world.login).status_code == 302
        self.token = csrf_token(self.html, f"/f/{world.own_code}/")
        self.api = app.test_client()
        self.headers = api_token(self.api, world.login)

    def call(self, method: str, path: str):
        if path.startswith("/api/"):
            body = API_BODY if method in ("POST", "PUT", "PATCH") else None
            return self.api.open(path, method=method, headers=self.headers, json=body)
        data = {"csrf_token": self.token} if method != "GET" else None
        return self.html.open(path, method=method, data=data)


def values_for(rule, world: World, code: str) -> dict[str, Any] | None:  # noqa: ANN001
    """The rule's arguments from ``world`` (None when it needs an id the world lacks)."""
    values: dict[str, Any] = {"facility_code": code}
    for name, converter in arguments(rule).items():
        if name == "facility_code":
            continue
        if converter == "int":
            if name not in world.ids:
                return None
            values[name] = world.ids[name]
        else:
            values[name] = world.names[name]
    return values


def refused_before_lookup(caller: Caller, rule, values: dict[str, Any],  # noqa: ANN001
                          method: str) -> bool:
    """The action itself is refused in A (403) whatever the id: an id that exists nowhere
    gets the same answer, so B's object was not consulted. Such a rule must still answer
    404 in the other world (checked by the caller through ``checked``)."""
    missing = {**values, **{name: 2**31 - 1 for name in id_arguments(rule)}}
    return caller.call(method, path_of(rule, missing)).status_code == 403


def unknown_arguments(rules, worlds: tuple[World, ...]) -> list[str]:  # noqa: ANN001
    problems = []
    for rule in rules:
        args = arguments(rule)
        ids = id_arguments(rule)
        if ids and "facility_code" not in args:
            problems.append(f"{rule.rule} ({rule.endpoint}): takes an id but no facility_code; "
                            "scope it under /f/<facility_code>/ or add it to this test")
            continue
        missing_ids = ids - {name for w in worlds for name in w.ids}
        if missing_ids:
            problems.append(
                f"{rule.rule} ({rule.endpoint}): id argument(s) {sorted(missing_ids)} unknown "
                "to tests/test_isolation.py; create such an object in facility B in seed_b() "
                "and add its id to World.ids so the route is proven to answer 404 for it")
        others = set(args) - ids - {"facility_code"}
        missing = others - {name for w in worlds for name in w.names}
        if missing:
            problems.append(f"{rule.rule} ({rule.endpoint}): argument(s) {sorted(missing)} "
                            "unknown to tests/test_isolation.py; add a value to World.names")
    return problems


#: Public-sector routes that take an id but belong to no facility: they are scoped by public
#: role and region instead (tests/test_catalog_platform.py and tests/test_reports_web.py prove
#: the region scoping); below, a facility's administrator is refused on every one of them.
PUBLIC_ID_ROUTES = {"studio.approve", "studio.return_version", "studio.run",
                    "catalog.investigate", "region.report", "region.decide",
                    "studio_compare.comparison", "studio_compare.comparison_json",
                    "studio_compare.comparison_xlsx", "api_compare.get_comparison",
                    # community care (tests/test_community_care.py proves the region scoping)
                    "care_region.placement_detail", "care_region.case_detail",
                    "care_region.invite", "care_region.review",
                    # decision records of catalog applications (tests/test_decision_records.py
                    # proves the region scoping)
                    "catalog.decision_record", "catalog.decision_replay",
                    "catalog.decision_json", "catalog.investigation_notice",
                    # a notice is the signed-in user's own, in any facility; another user's
                    # notice answers 404 (tests/test_notifications.py)
                    "notifications.read"}


#: Routes of an object that belongs to one person, not a facility: a job (내 작업) is its
#: owner's alone; tests/test_jobs.py proves every one answers 404 to anyone else.
OWNER_ID_ROUTES = {"jobs.page", "jobs.status", "jobs.cancel", "jobs.download",
                   "api_jobs.api_job", "api_jobs.api_cancel"}


def facility_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if ("facility_code" in arguments(rule)
            or id_arguments(rule)) and rule.endpoint not in PUBLIC_ID_ROUTES | OWNER_ID_ROUTES]


# ---------------------------------------------------------------- tests


def test_every_route_with_an_id_answers_404_for_another_facilitys_object(worlds) -> None:
    app, pair = worlds
    rules = facility_rules(app)
    problems = unknown_arguments(rules, pair)
    assert not problems, "\n".join(problems)
    callers = {world.name: Caller(app, world) for world in pair}
    leaks: list[str] = []
    checked: set[str] = set()  # endpoints seen answering 404 for B's own object
    for rule in rules:
        if not id_arguments(rule):
            continue
        for world in pair:
            for code in (world.own_code, world.other_code):
                values = values_for(rule, world, code)
                if values is None:
                    continue
                path = path_of(rule, values)
                for method in sorted(rule.methods - SKIPPED_METHODS):
                    response = callers[world.name].call(method, path)
                    if response.status_code == 404:
                        checked.add(rule.endpoint)
                        continue
                    if response.status_code == 403 and code == world.own_code and \
                            refused_before_lookup(callers[world.name], rule, values, method):
                        continue  # e.g. no unit grants 'delete': the id is never looked at
                    leaks.append(f"{method} {path} ({rule.endpoint}, as {world.login} of "
                                 f"{world.own_code}) -> {response.status_code}")
    assert not leaks, "another facility's object was not 'not found':\n" + "\n".join(leaks)
    expected = {"records.detail", "records.edit", "records.delete", "records.print_view",
                "api_records.read", "api_records.update", "api_records.delete",
                "attachments.download", "tasks.work", "tasks.claim", "tasks.instance",
                "tasks.retry", "tasks.subject", "api_tasks.read", "api_tasks.claim",
                "api_tasks.complete", "api_tasks.instance", "api_tasks.retry", "admin.revoke"}
    assert expected <= checked, sorted(expected - checked)


def test_public_sector_routes_refuse_facility_staff(worlds) -> None:
    """A facility administrator holds no public role: every id route of the studio, the
    investigations and the region answers 403 or 404 for B's objects, whatever the method."""
    app, pair = worlds
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in PUBLIC_ID_ROUTES]
    assert {rule.endpoint for rule in rules} == PUBLIC_ID_ROUTES
    caller = Caller(app, pair[0])
    answers = {}
    for rule in rules:
        ids = {name: caller.world.ids.get(name, 1) for name in id_arguments(rule)}
        path = path_of(rule, ids)
        for method in sorted(rule.methods - SKIPPED_METHODS):
            response = caller.call(method, path)
            answers[f"{method} {path}"] = response.status_code
            assert "비밀대상자갑" not in response.get_data(as_text=True)
    assert answers and all(code in (403, 404) for code in answers.values()), answers


def _json_ids(value: Any, found: list[tuple[str, Any]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in JSON_ID_KEYS:
                found.append((key, item))
            _json_ids(item, found)
    elif isinstance(value, list):
        for item in value:
            _json_ids(item, found)


def b_traces(world: World, body: str, is_json: bool) -> list[str]:
    """What of B's data a page or JSON body of A shows."""
    traces = [word for word in SECRET_WORDS if word in body]
    ids = world.ids
    fragments = {
        "task_id": f"/tasks/{ids.get('task_id')}", "instance_id": f"/processes/"
        f"{ids.get('instance_id')}", "subject_id": f"/subjects/{ids.get('subject_id')}",
        "attachment_id": f"/files/{ids.get('attachment_id')}",
        "record_id": f"/{world.names['form_id']}/{ids.get('record_id')}",
        "assignment_id": f"/assignments/{ids.get('assignment_id')}/"}
    for name, fragment in fragments.items():
        if name in ids and (f'{fragment}"' in body or f"{fragment}/" in body):
            traces.append(fragment)
    if is_json:
        found: list[tuple[str, Any]] = []
        _json_ids(json.loads(body), found)
        traces += [f"{key}={value}" for key, value in found
                   if value is not None and value == ids.get(JSON_ID_KEYS[key])]
    return traces


def test_lists_of_a_facility_do_not_show_another_facilitys_data(worlds) -> None:
    app, pair = worlds
    rules = [rule for rule in facility_rules(app)
             if not id_arguments(rule) and "GET" in rule.methods]
    problems = unknown_arguments(rules, pair)
    assert not problems, "\n".join(problems)
    leaks: list[str] = []
    seen = 0
    for world in pair:
        caller = Caller(app, world)
        for rule in rules:
            path = path_of(rule, values_for(rule, world, world.own_code))
            response = caller.call("GET", path)
            if response.status_code >= 500:
                leaks.append(f"GET {path} ({rule.endpoint}) -> {response.status_code}")
                continue
            is_json = response.is_json
            body = response.get_data().decode("utf-8", errors="replace")
            traces = b_traces(world, body, is_json and response.status_code == 200)
            seen += response.status_code == 200
            if traces:
                leaks.append(f"GET {path} ({rule.endpoint}, as {world.login}) shows "
                             f"{traces}")
    assert not leaks, "another facility's data shows in a list:\n" + "\n".join(leaks)
    assert seen >= 10  # the lists really answered


def test_b_sees_its_own_data_so_the_checks_above_can_fail(worlds) -> None:
    """The same probes from B's own administrator do find B's data (no vacuous pass)."""
    app, (form_world, flow_world) = worlds
    client = app.test_client()
    assert login(client, "stranger").status_code == 302
    record = form_world.ids["record_id"]
    page = client.get(f"/f/other/u/casebook/casebook/{record}").get_data(as_text=True)
    assert "B기관비밀기록" in page
    listed = client.get("/f/other/u/casebook/casebook/").get_data(as_text=True)
    assert b_traces(form_world, listed, False)
    assert client.get(f"/f/other/files/{form_world.ids['attachment_id']}").status_code == 200
    outsider = app.test_client()
    headers = api_token(outsider, "outsider")
    instance = outsider.get(f"/api/v1/f/far/processes/{flow_world.ids['instance_id']}",
                            headers=headers)
    assert instance.status_code == 200
    assert b_traces(flow_world, instance.get_data(as_text=True), True)
