"""서비스의뢰 on the workflow engine: consent or a manager's override, B's review in B's inbox,
acceptance creating B's subject of the same person with the consented fields only, rejection
with a reason, the result in A's inbox, cancellation; run on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ieum.access import privacy
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.records import FormInvalid
from ieum.store.models import AuditEvent, Record, Subject, Task
from ieum.store.models_collab import CollabNotice, Referral
from ieum_library.collaboration import consent, referrals
from tests.collablab import TODAY, actor, build, register, runtime, workspace


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def give_consent(app, subject_id: int, fields=("name", "birth_date", "sex", "rrn"),
                 scopes=("referral", "history"), login: str = "homeworker") -> int:
    with workspace(app, login, "home") as (s, ws):
        return consent.record_consent(s, ws, actor(ws), subject_id, scopes=scopes,
                                      fields=fields, method="written", consented_on=TODAY,
                                      today=TODAY).id


def send(app, subject_id: int, login: str = "homeworker", to: str = "gh", **kw) -> int:
    with workspace(app, login, "home") as (s, ws):
        target = next(v.facility.id for v in referrals.targets(
            s, app.extensions["ieum.registry"], ws) if v.facility.code == to)
        options = {"service": "공동생활가정 입소", "reason": "소규모 가정형 보호가 필요함",
                   "fields": ["birth_date", "sex", "rrn"], **kw}
        return referrals.send(s, runtime(app, ws), ws, subject_id, to_facility_id=target,
                              **options).id


def inbox(app, login: str, facility: str) -> list[tuple[str, int | None]]:
    with workspace(app, login, facility) as (s, ws):
        return [(t.title, t.assignee_id) for t in flows.inbox(s, ws, flows.InboxQuery(), TODAY)]


def review(app, referral_id: int, data: dict, login: str = "ghadmin") -> None:
    with workspace(app, login, "gh") as (s, ws):
        referral = s.get(Referral, referral_id)
        task = referrals.review_task(s, ws, referral)
        assert task is not None
        flows.complete_task(s, runtime(app, ws), ws, task.id, data)


def audit_actions(app) -> list[str]:
    with app.extensions["ieum.database"].session() as s:
        return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_accepted_referral_creates_the_same_person_in_b_with_consented_fields_only(app):
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    referral_id = send(app, child)

    assert inbox(app, "ghadmin", "gh") == [("서비스의뢰 검토", None)]
    assert inbox(app, "ghworker", "gh") == []  # the review is the facility manager's
    assert inbox(app, "homeadmin", "home") == []
    with workspace(app, "srfadmin", "srf") as (s, ws):  # a third facility sees nothing
        with pytest.raises(ServiceError) as missing:
            referrals.get_referral(s, ws, referral_id)
        assert missing.value.status == 404
    with workspace(app, "ghadmin", "gh") as (s, ws):
        view = referrals.get_referral(s, ws, referral_id)
        assert view.direction == "in" and view.subject_name == "김하늘"
        shown = dict(referrals.shown_shared_data(view.referral))
        assert shown == {"성명": "김하늘", "생년월일": "2010-05-01", "성별": "여",
                         "주민등록번호": "100501-4******"}

    review(app, referral_id, {"decision": "accept", "planned_date": "2026-03-10"})

    with app.extensions["ieum.database"].session() as s:
        referral = s.get(Referral, referral_id)
        assert referral.status == "accepted" and referral.consent_id is not None
        old, new = s.get(Subject, child), s.get(Subject, referral.to_subject_id)
        assert new.facility_id != old.facility_id
        assert new.person_id == old.person_id and new.person_id is not None
        assert new.status == referrals.ACCEPTED_STATUS and new.name == "김하늘"
        assert new.rrn_encrypted == old.rrn_encrypted  # the same ciphertext, copied
        (registry_record,) = s.scalars(select(Record).where(
            Record.subject_id == new.id, Record.form_id == "subject_basic")).all()
        assert registry_record.status == "draft"
        assert set(registry_record.data) <= {"name", "birth_date", "sex", "rrn", "status"}
        assert "phone" not in registry_record.data and "address" not in registry_record.data
        assert privacy.reveal(registry_record.data["rrn"]) == "100501-4123456"
        notice = s.scalar(select(CollabNotice).where(
            CollabNotice.facility_id == old.facility_id, CollabNotice.kind == "referral"))
        assert "수락" in notice.message
        homeworker_id = s.scalar(select(Record.author_id).where(Record.subject_id == child))
    assert inbox(app, "homeworker", "home") == [("의뢰 결과 확인", homeworker_id)]
    with workspace(app, "homeworker", "home") as (s, ws):
        task = flows.inbox(s, ws, flows.InboxQuery(), TODAY)[0]
        flows.complete_task(s, runtime(app, ws), ws, task.id, {"confirmed_on": "2026-03-02"})
        view = referrals.get_referral(s, ws, referral_id)
        assert (view.direction, view.status_title) == ("out", "수락")
    assert inbox(app, "homeworker", "home") == []
    actions = audit_actions(app)
    assert actions.index("referral.send") < actions.index("referral.accept")
    assert "referral.override" not in actions


def test_rejection_needs_a_reason_and_goes_back_to_the_sender(app):
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    referral_id = send(app, child)
    with pytest.raises(FormInvalid) as invalid:
        review(app, referral_id, {"decision": "reject"})
    assert "decision_reason" in invalid.value.errors
    review(app, referral_id, {"decision": "reject", "decision_reason": "정원이 찼습니다"})
    with app.extensions["ieum.database"].session() as s:
        referral = s.get(Referral, referral_id)
        assert (referral.status, referral.decision_reason) == ("rejected", "정원이 찼습니다")
        assert referral.to_subject_id is None
        assert s.scalar(select(Subject).where(Subject.facility_id == referral.to_facility_id)) \
            is None
    assert [title for title, _ in inbox(app, "homeworker", "home")] == ["의뢰 결과 확인"]
    assert inbox(app, "ghadmin", "gh") == []
    with workspace(app, "ghadmin", "gh") as (s, ws):  # decided once: no task to decide again
        assert referrals.review_task(s, ws, s.get(Referral, referral_id)) is None
    assert "referral.reject" in audit_actions(app)


def test_without_consent_only_a_manager_may_override_with_a_reason(app):
    child = register(app, "homeworker", "home")
    with pytest.raises(ServiceError) as refused:
        send(app, child)
    assert refused.value.field == "override_reason" and "동의" in refused.value.message
    with pytest.raises(ServiceError) as worker:
        send(app, child, override_reason="긴급 보호가 필요합니다")
    assert worker.value.status == 403
    with pytest.raises(ServiceError) as short:
        send(app, child, login="homelead", override_reason="급함")
    assert short.value.field == "override_reason"
    referral_id = send(app, child, login="homelead", override_reason="학대 의심으로 긴급 보호")
    with app.extensions["ieum.database"].session() as s:
        referral = s.get(Referral, referral_id)
        assert referral.consent_id is None
        assert referral.override_reason == "학대 의심으로 긴급 보호"
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "referral.override"))
        assert event.detail["reason"] == "학대 의심으로 긴급 보호"
        assert set(event.detail["fields"]) == {"name", "birth_date", "sex", "rrn"}
        assert event.target_id == str(referral_id)


def test_consent_must_cover_every_disclosed_field_and_withdrawal_ends_it(app):
    child = register(app, "homeworker", "home")
    consent_id = give_consent(app, child, fields=("name", "birth_date"))
    with pytest.raises(ServiceError) as beyond:
        send(app, child)  # asks for sex and rrn too
    assert "성별" in beyond.value.message and "주민등록번호" in beyond.value.message
    assert send(app, child, fields=["birth_date"])
    with workspace(app, "homeworker", "home") as (s, ws):
        with pytest.raises(ServiceError):
            consent.withdraw(s, ws, actor(ws), child, consent_id, reason="", today=TODAY)
        consent.withdraw(s, ws, actor(ws), child, consent_id, reason="본인 요청",
                         today=TODAY)
        assert consent.active(s, s.get(Subject, child).person_id, "referral", TODAY) is None
    with pytest.raises(ServiceError) as withdrawn:
        send(app, child, to="srf", fields=["birth_date"])
    assert withdrawn.value.field == "override_reason"


def test_the_sender_may_cancel_a_referral_under_review(app):
    child = register(app, "homeworker", "home")
    give_consent(app, child)
    referral_id = send(app, child)
    with pytest.raises(ServiceError) as duplicate:
        send(app, child)
    assert duplicate.value.status == 409
    with workspace(app, "ghadmin", "gh") as (s, ws):
        with pytest.raises(ServiceError) as receiver:
            referrals.cancel(s, runtime(app, ws), ws, referral_id, "잘못 보냄")
        assert receiver.value.status == 403
    with workspace(app, "homeworker", "home") as (s, ws):
        referrals.cancel(s, runtime(app, ws), ws, referral_id, "보호자가 원가정 복귀를 원함")
    assert inbox(app, "ghadmin", "gh") == []
    with app.extensions["ieum.database"].session() as s:
        assert s.get(Referral, referral_id).status == "cancelled"
        assert s.scalar(select(Task.state).where(Task.facility_id == s.get(
            Referral, referral_id).to_facility_id)) == "cancelled"
