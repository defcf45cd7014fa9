"""BPMN messages through the workflow services, on SQLite and PostgreSQL: a message resumes
the waiting instance it correlates with (intermediate catch event) or starts a process (message
start event); one that reaches nothing, or too much, is a clear refusal; deliveries are
audited and stay inside the caller's facility."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.store.models import AuditEvent, ProcessInstance, Subject
from tests.formlab import api_token
from tests.test_workflow_engine import TODAY, acting, only_ready, ready, seed_flow, task_data
from tests.webutil import login


@pytest.fixture
def app(make_app, migrated_url):
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    return app


def subjects(app, *names: str, facility: str = "flow") -> list[int]:
    with acting(app, "boss", facility=facility) as w:
        rows = [Subject(facility_id=w.workspace.facility.id, name=name) for name in names]
        w.session.add_all(rows)
        w.session.commit()
        return [row.id for row in rows]


def waiting_for_documents(app, subject_id: int) -> int:
    """A documents_wait instance for ``subject_id`` past its first task, now waiting."""
    with acting(app, "wk1") as w:
        instance = w.start("documents_wait", subject_id=subject_id)
    with acting(app, "wk1") as w:
        w.complete(only_ready(app, instance.id)["id"], {"note": "서류를 요청함"})
    assert ready(app, instance.id) == []
    return instance.id


def deliver(app, login: str, name: str, facility: str = "flow", **kwargs: Any):
    with acting(app, login, facility=facility) as w:
        delivery = flows.deliver_message(w.session, w.rt, w.workspace, name, **kwargs)
        return delivery.outcome, delivery.instance.id


def audit(app, action: str) -> list[AuditEvent]:
    with app.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                         .order_by(AuditEvent.id)).all()
        s.expunge_all()
        return rows


def test_a_message_resumes_the_instance_it_correlates_with(app) -> None:
    kim, lee = subjects(app, "김하나", "이두리")
    for_kim = waiting_for_documents(app, kim)
    for_lee = waiting_for_documents(app, lee)
    outcome = deliver(app, "wk2", "documents_arrived", correlation={"subject_id": lee},
                      payload={"pages": 3})
    assert outcome == ("resumed", for_lee)
    assert only_ready(app, for_lee)["name"] == "review_documents"
    assert ready(app, for_kim) == []  # the other one still waits
    data = task_data(app, for_lee)
    assert data["documents"] == {"pages": 3, "subject_id": lee}  # spiffworkflow:messageVariable
    (event,) = audit(app, "process.message")
    assert event.target_id == str(for_lee) and event.subject_id == lee
    assert event.detail["outcome"] == "resumed" and event.detail["message"] == "documents_arrived"
    # delivered once: the same message again reaches nothing
    with pytest.raises(ServiceError) as refused:
        deliver(app, "wk2", "documents_arrived", correlation={"subject_id": lee})
    assert refused.value.status == 404 and "기다리는 업무 절차가 없고" in refused.value.message


def test_an_ambiguous_or_unmatched_message_is_refused_not_dropped(app) -> None:
    kim, lee = subjects(app, "김하나", "이두리")
    waiting_for_documents(app, kim)
    waiting_for_documents(app, lee)
    with pytest.raises(ServiceError) as ambiguous:
        deliver(app, "wk1", "documents_arrived")
    assert ambiguous.value.status == 409 and "2건" in ambiguous.value.message
    with pytest.raises(ServiceError) as unmatched:
        deliver(app, "wk1", "documents_arrived", correlation={"subject_id": 999999})
    assert unmatched.value.status == 404
    with pytest.raises(ServiceError) as unknown:
        deliver(app, "wk1", "no_such_message")
    assert unknown.value.status == 404
    assert audit(app, "process.message") == []
    with app.extensions["ieum.database"].session() as s:  # nothing moved
        assert all(i.status == "running" for i in s.scalars(select(ProcessInstance)))


def test_a_message_start_event_starts_a_new_instance(app) -> None:
    (kim,) = subjects(app, "김하나")
    outcome, instance_id = deliver(app, "wk1", "referral_received",
                                   correlation={"subject_id": kim},
                                   payload={"from_facility": "이웃복지관"})
    assert outcome == "started"
    assert only_ready(app, instance_id)["name"] == "intake"
    data = task_data(app, instance_id)
    assert data["from_facility"] == "이웃복지관" and data["subject_id"] == kim
    with app.extensions["ieum.database"].session() as s:
        row = s.get(ProcessInstance, instance_id)
        assert (row.process_id, row.unit_function, row.subject_id) == (
            "referral_inbox", "flows", kim)
    assert audit(app, "process.message")[0].detail["outcome"] == "started"


def test_a_message_cannot_set_what_the_platform_keeps(app) -> None:
    kim, lee = subjects(app, "김하나", "이두리")
    waiting = waiting_for_documents(app, kim)
    for kwargs in ({"payload": {"facility_id": 2}}, {"payload": {"subject_id": lee}},
                   {"payload": {"request_documents_record": 1}},
                   {"correlation": {"subject_id": kim, "started_by": 1}}):
        with pytest.raises(ServiceError) as refused:
            deliver(app, "wk1", "documents_arrived", **kwargs)
        assert refused.value.status == 400 and "쓸 수 없는 이름" in refused.value.message
    assert ready(app, waiting) == []


def test_messages_stay_in_the_callers_facility_and_need_grants(app) -> None:
    (kim,) = subjects(app, "김하나")
    waiting = waiting_for_documents(app, kim)
    with pytest.raises(ServiceError) as elsewhere:  # another facility's instance is invisible
        deliver(app, "stranger", "documents_arrived", facility="other",
                correlation={"subject_id": kim})
    assert elsewhere.value.status == 404
    with pytest.raises(ServiceError) as subject_elsewhere:  # so is its subject
        deliver(app, "stranger", "referral_received", facility="other",
                correlation={"subject_id": kim})
    assert subject_elsewhere.value.status == 404
    with pytest.raises(ServiceError) as no_grant:  # the leader may view but not update
        deliver(app, "lead", "documents_arrived", correlation={"subject_id": kim})
    assert no_grant.value.status == 403
    assert ready(app, waiting) == []


def test_the_api_delivers_messages_with_clear_refusals(app) -> None:
    (kim,) = subjects(app, "김하나")
    waiting = waiting_for_documents(app, kim)
    client = app.test_client()
    headers = api_token(client, "wk1")
    url = "/api/v1/f/flow/messages"
    missing = client.post(url, json={"name": "documents_arrived",
                                     "correlation": {"subject_id": kim + 1}}, headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]
    assert client.post(url, json={"correlation": {}}, headers=headers).status_code == 400
    assert client.post(url, json={"name": "x", "data": [1]}, headers=headers).status_code == 400
    resumed = client.post(url, json={"name": "documents_arrived",
                                     "correlation": {"subject_id": kim},
                                     "data": {"pages": 2}}, headers=headers)
    assert resumed.status_code == 200, resumed.get_json()
    body = resumed.get_json()
    assert body["outcome"] == "resumed" and body["instance"]["id"] == waiting
    assert [t["name"] for t in body["instance"]["tasks"] if t["state"] == "ready"] == [
        "review_documents"]
    started = client.post(url, json={"name": "referral_received"}, headers=headers)
    assert started.status_code == 201 and started.get_json()["outcome"] == "started"
    assert client.post(url, json={"name": "documents_arrived"}).status_code == 401
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/f/{facility_code}/messages"]["post"]
    assert operation["operationId"] == "deliver_message"
    assert {"200", "201", "404", "409"} <= set(operation["responses"])


def test_a_message_start_process_is_not_started_from_a_menu(app) -> None:
    with acting(app, "wk1") as w:
        with pytest.raises(ServiceError) as refused:
            w.start("referral_inbox")
    assert refused.value.status == 409 and "referral_received" in refused.value.message
    with app.extensions["ieum.database"].session() as s:
        assert s.scalars(select(ProcessInstance)).all() == []
    client = app.test_client()
    login(client, "wk1")
    page = client.get("/f/flow/u/flows/processes/").get_data(as_text=True)
    assert "/processes/documents_wait/start" in page  # a plain start: offered
    assert "/processes/referral_inbox/start" not in page
