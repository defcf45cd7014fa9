"""Schemathesis fuzzes ``/api/v1`` from its own OpenAPI document, signed in with a bearer token.

The app runs on a real database (SQLite and PostgreSQL) with the shipped library and the demo
data. For every operation of the document, generated requests (valid and invalid ones) are
sent; each answer must be no 5xx and must match the document: a listed status code, the listed
content type, a body that validates against the listed schema.

Free path parameters would almost always miss (404), so three times in four the generated
facility, unit, form and ids of a valid case are replaced with real ones from the demo data
(processes of demo-child are started first so tasks exist), and half of those get a body of
form-shaped values (tests/formvalues.py), so that the fuzzed bodies and queries reach the
services. Invalid cases (schemathesis' negative mode, one in three) keep the part it broke on
purpose, and must be refused (4xx). The signed-in user is the demo ``admin``.

The bounded run here uses a fixed seed and 25 examples per operation (about 30 s for both
databases); ``make fuzz`` runs the same test with ``IEUM_FUZZ_EXAMPLES`` raised. The tests at
the end pin what the fuzzer found.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from ieum.access.tokens import issue_token
from ieum.config import REPOSITORY_ROOT
from ieum.forms.fields import field_tree
from ieum.services.demo import load_demo
from ieum.store.migrate import upgrade
from ieum.store.models import Facility, ProcessInstance, Record, Subject, Task, User
from tests.conftest import postgres_schema
from tests.formvalues import form_values

EXAMPLES = int(os.environ.get("IEUM_FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("IEUM_FUZZ_SEED", "20261122"))
TODAY = dt.date(2026, 3, 16)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection]


@dataclass
class Target:
    app: Any
    token: str
    real: dict[str, list[Any]]  # path parameter name -> real values from the demo data

    def fresh_token(self) -> str:
        with self.app.extensions["ieum.database"].session() as session:
            user = session.scalar(select(User).where(User.login == "admin"))
            token, _ = issue_token(session, user, 1)
        return token


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                                marks=pytest.mark.postgres)])
def fuzz_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        return
    with postgres_schema() as url:
        yield url


def _real_values(session, registry) -> dict[str, list[Any]]:
    child = session.scalar(select(Facility).where(Facility.code == "demo-child"))
    profile = registry.profiles[child.profile_code]
    units = [registry.unit_functions[u] for u in profile.unit_ids]
    records = session.execute(select(Record.unit_function, Record.form_id, Record.id).where(
        Record.facility_id == child.id, Record.deleted_at.is_(None)).order_by(Record.id)).all()
    files = [(u.id, f, item.name) for u in units for f in u.forms
             for item in field_tree(registry.forms[f]).fields if item.kind == "file"]
    return {
        "unit_form_file": sorted(files),
        "unit_form": sorted({(u.id, f) for u in units for f in u.forms}),
        "unit_process": sorted({(u.id, p) for u in units for p in u.processes}),
        "record": [tuple(r) for r in records[::max(1, len(records) // 60)]],
        "task_id": list(session.scalars(select(Task.id).where(
            Task.facility_id == child.id).order_by(Task.id))),
        "instance_id": list(session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.facility_id == child.id).order_by(ProcessInstance.id))),
    }


def _start_processes(target: Target, registry) -> None:
    """The demo has no running processes: start each process of demo-child once (with a
    subject where one is needed), as a client would, so tasks and instances exist."""
    client = target.app.test_client()
    headers = {"Authorization": f"Bearer {target.token}"}
    with target.app.extensions["ieum.database"].session() as session:
        child = session.scalar(select(Facility).where(Facility.code == "demo-child"))
        subject_id = session.scalar(select(Subject.id).where(Subject.facility_id == child.id)
                                    .order_by(Subject.id))
    profile = registry.profiles["child_home"]
    started = 0
    for unit_id in profile.unit_ids:
        for process_id in registry.unit_functions[unit_id].processes:
            path = f"/api/v1/f/demo-child/u/{unit_id}/processes/{process_id}"
            for body in ({}, {"subject_id": subject_id}):
                if client.post(path, headers=headers, json=body).status_code == 201:
                    started += 1
                    break
    assert started >= 1


@pytest.fixture(scope="module")
def target(fuzz_url: str, tmp_path_factory) -> Iterator[Target]:
    from ieum import create_app

    upgrade(fuzz_url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IEUM_INSTANCE_PATH", str(tmp_path_factory.mktemp("fuzz-instance")))
        app = create_app({
            "TESTING": True, "SECRET_KEY": "test-secret", "IEUM_DATABASE_URL": fuzz_url,
            "IEUM_CONTENT_ROOTS": [str(REPOSITORY_ROOT)], "IEUM_PLUGINS": False,
            "IEUM_TODAY": TODAY.isoformat()})
        registry = app.extensions["ieum.registry"]
        with app.extensions["ieum.database"].session() as session:
            load_demo(session, registry, TODAY)
        target = Target(app, "", {})
        target.token = target.fresh_token()
        _start_processes(target, registry)
        with app.extensions["ieum.database"].session() as session:
            target.real = _real_values(session, registry)
        yield target
        app.extensions["ieum.database"].dispose()


def _negative(case, where: str) -> bool:
    """Whether schemathesis made this part of the case invalid on purpose (then it is left
    as generated, or the negative-data check would see a request we repaired)."""
    meta = case.meta
    info = meta.components.get(where) if meta is not None else None
    return info is not None and not info.mode.is_positive


def _with_real_path(target: Target, case, draw) -> None:
    """Mostly, point the case at real demo objects; then, half the time, give it a
    body of values shaped like the form (some hostile) instead of free JSON."""
    params = case.path_parameters
    if not params or _negative(case, "path") or draw(st.integers(0, 3)) == 0:
        return
    real = target.real
    params["facility_code"] = "demo-child"
    if "record_id" in params and real["record"]:
        params["unit_id"], params["form_id"], params["record_id"] = draw(
            st.sampled_from(real["record"]))
    elif "field_name" in params and real["unit_form_file"]:
        params["unit_id"], params["form_id"], params["field_name"] = draw(
            st.sampled_from(real["unit_form_file"]))
    elif "form_id" in params:
        params["unit_id"], params["form_id"] = draw(st.sampled_from(real["unit_form"]))
    elif "process_id" in params:
        params["unit_id"], params["process_id"] = draw(st.sampled_from(real["unit_process"]))
    for name in ("task_id", "instance_id"):
        if name in params and real[name]:
            params[name] = draw(st.sampled_from(real[name]))
    if "form_id" in params and isinstance(case.body, dict) and "data" in case.body \
            and not _negative(case, "body") and draw(st.booleans()):
        form = target.app.extensions["ieum.registry"].forms[params["form_id"]]
        case.body["data"] = draw(form_values(form, finite=True))


def _operations(target: Target):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", target.app)
    for result in schema.get_all_operations():
        yield result.ok()


def _fuzz(target: Target, operation, seen: Counter) -> None:  # noqa: ANN001
    """Run the generated cases of one operation; ``seen`` counts its answers' statuses."""
    revokes = operation.method.upper() == "DELETE" and operation.path == "/api/v1/auth/token"
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)

    @seed(SEED)
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    @given(case=st.one_of(positive, positive, negative),  # two valid cases to one invalid
           data=st.data())
    def run(case, data) -> None:  # noqa: ANN001
        _with_real_path(target, case, data.draw)
        token = target.fresh_token() if revokes else target.token
        # An Authorization header made invalid on purpose is sent as it is (-> 401).
        headers = None if _negative(case, "header") else {"Authorization": f"Bearer {token}"}
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen[response.status_code] += 1

    run()


def test_api_answers_match_its_openapi_document(target: Target) -> None:
    statuses: dict[str, Counter] = {}
    for operation in _operations(target):
        label = f"{operation.method.upper()} {operation.path}"
        statuses[label] = Counter()
        _fuzz(target, operation, statuses[label])
    assert len(statuses) >= 15, sorted(statuses)
    # Not vacuous: the real paths and form-shaped bodies got past the 404s to the services.
    succeeded = [label for label, seen in statuses.items()
                 if any(200 <= code < 300 for code in seen)]
    assert len(succeeded) >= 10, statuses


def test_the_document_itself_is_valid_openapi(target: Target) -> None:
    client = target.app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(document)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert {op.method.upper() for op in operations} >= {"GET", "POST", "PUT", "DELETE"}


# ---------------------------------------------------------------- what the fuzzer found
# Each was a failure of the run above; these pin the fixes on the small test content.


def test_timestamps_carry_an_offset_on_sqlite_too(make_app, sqlite_url, sqlite_template) -> None:
    """Was: SQLite's naive datetimes came out without an offset, not an OpenAPI date-time."""
    from tests.flowlab import TODAY as FLOW_TODAY
    from tests.flowlab import seed_flow
    from tests.formlab import API, GOOD, api_token, seed_lab

    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=FLOW_TODAY.isoformat())
    seed_flow(app)
    seed_lab(app)
    client = app.test_client()
    headers = api_token(client, "admin")
    record = client.post(f"{API}/records", headers=headers, json={"data": GOOD}).get_json()
    for key in ("created_at", "updated_at"):
        assert dt.datetime.fromisoformat(record[key]).utcoffset() == dt.timedelta(0)
    worker = api_token(client, "worker1")
    started = client.post("/api/v1/f/flow/u/flows/processes/three_lane", headers=worker)
    assert started.status_code == 201  # no body at all: no subject
    task = started.get_json()["tasks"][0]
    assert dt.datetime.fromisoformat(task["created_at"]).utcoffset() == dt.timedelta(0)


@pytest.mark.parametrize("raw", ['""', "[]", "0", "false", "null", '"x"'])
def test_starting_a_process_refuses_a_body_that_is_not_an_object(make_app, sqlite_url,
                                                                 sqlite_template,
                                                                 raw: str) -> None:
    """Was: a falsy JSON body ("" or 0) was taken as {} and the process started (201)."""
    from tests.flowlab import seed_flow
    from tests.formlab import api_token

    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url)
    seed_flow(app)
    client = app.test_client()
    headers = api_token(client, "worker1")
    response = client.post("/api/v1/f/flow/u/flows/processes/three_lane", headers=headers,
                           data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "요청 본문은 JSON 객체여야 합니다."
    with app.extensions["ieum.database"].session() as session:
        assert session.scalar(select(ProcessInstance.id)) is None


@pytest.mark.parametrize(("extra", "field"), [
    ({"subject_id": True}, "subject_id"), ({"subject_id": "1"}, "subject_id"),
    ({"subject_id": 2**31}, "subject_id"), ({"subject_id": 0}, "subject_id"),
    ({"version": True}, "version"), ({"version": 1.5}, "version"), ({"draft": "yes"}, "draft"),
])
def test_every_body_reader_refuses_badly_typed_common_fields(make_app, sqlite_url,
                                                              sqlite_template, extra,
                                                              field) -> None:
    """Was: /validate ignored ``version`` and ``subject_id`` (a boolean passed), and a boolean
    subject_id was taken for the integer 1 on create."""
    from tests.formlab import API, GOOD, api_token, seed_lab

    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url)
    seed_lab(app)
    client = app.test_client()
    headers = api_token(client, "admin")
    for path in (f"{API}/records", f"{API}/validate"):
        response = client.post(path, headers=headers, json={"data": GOOD, **extra})
        assert response.status_code == 400, (path, response.get_json())
        assert list(response.get_json()["fields"]) == [field]
    with app.extensions["ieum.database"].session() as session:
        assert session.scalar(select(Record.id)) is None


def test_the_document_states_id_bounds_and_the_refusals_every_request_can_get(target) -> None:
    document = target.app.test_client().get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for parameter in item.get("parameters", []):
            if parameter["schema"].get("type") == "integer":
                assert parameter["schema"]["maximum"] == 2**31 - 1, (path, parameter)
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "400" in operation["responses"], (method, path)
    upload = document["paths"]["/api/v1/f/{facility_code}/u/{unit_id}/{form_id}/files/"
                               "{field_name}"]["post"]
    assert "413" in upload["responses"]
