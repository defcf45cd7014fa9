"""정보공유 동의: a person's consent to sharing, recorded in a facility for its subject.

A consent belongs to the person (the same human in every facility): once recorded in one
facility it opens the integrated history (scope ``history``) and lets a referral disclose the
consented fields (scope ``referral``) wherever the person is a subject, until it is withdrawn.
Who recorded it, when, how, and who withdrew it and why are kept; nothing is deleted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, Person, Subject, User
from ieum.store.models_collab import CONSENT_SCOPES, SharingConsent

UNIT = "collaboration"
METHODS = {"written": _l("서면"), "electronic": _l("전자서명"), "oral": _l("구두(녹취)")}
#: The subject fields a referral may disclose, as the consent form lists them.
SHAREABLE_FIELDS = {
    "name": _l("성명"), "birth_date": _l("생년월일"), "sex": _l("성별"), "rrn": _l("주민등록번호"),
    "phone": _l("연락처"), "address": _l("주소"), "guardian_name": _l("보호자 성명"),
    "guardian_phone": _l("보호자 연락처"),
}


def require(workspace: Workspace, action: str) -> None:
    """404 where the facility's menu has no 정보공유·서비스의뢰 for this user, 403 for a
    missing grant."""
    if workspace.facility is None or UNIT not in workspace.permissions.actions:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    if not workspace.permissions.can(UNIT, action):
        raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)


def own_subject(session: Session, workspace: Workspace, subject_id: int) -> Subject:
    subject = session.scalar(select(Subject).where(
        Subject.id == subject_id, Subject.facility_id == workspace.facility.id))
    if subject is None:
        raise ServiceError(_("대상자를 찾을 수 없습니다."), status=404)
    return subject


def person_of(session: Session, subject: Subject) -> Person:
    """The subject's person; a subject registered without a resident number gets a person
    of its own here, so that consent and referrals can name them."""
    if subject.person_id is not None:
        return session.get(Person, subject.person_id)
    person = Person(rrn_hmac=None)
    session.add(person)
    session.flush()
    subject.person_id = person.id
    return person


def active(session: Session, person_id: int | None, scope: str,
           day: dt.date) -> SharingConsent | None:
    """The latest consent of the person covering ``scope`` and not withdrawn by ``day``."""
    if person_id is None:
        return None
    rows = session.scalars(select(SharingConsent).where(
        SharingConsent.person_id == person_id, SharingConsent.consented_on <= day)
        .order_by(SharingConsent.consented_on.desc(), SharingConsent.id.desc()))
    for row in rows:
        if scope in (row.scopes or []) and (row.withdrawn_on is None or row.withdrawn_on > day):
            return row
    return None


def record_consent(session: Session, workspace: Workspace, actor: Actor, subject_id: int, *,
                   scopes: Iterable[str], fields: Iterable[str], method: str,
                   consented_on: dt.date | None, today: dt.date) -> SharingConsent:
    require(workspace, "create")
    subject = own_subject(session, workspace, subject_id)
    scopes = sorted(set(scopes))
    fields = sorted(set(fields))
    if not scopes or set(scopes) - set(CONSENT_SCOPES):
        raise ServiceError(_("동의 범위를 하나 이상 고르세요."), field="scopes")
    if set(fields) - set(SHAREABLE_FIELDS):
        raise ServiceError(_("제공할 수 있는 항목이 아닙니다. 다시 고르세요."), field="fields")
    if "referral" in scopes and not fields:
        raise ServiceError(_("의뢰 시 제공할 항목을 하나 이상 고르세요."), field="fields")
    if method not in METHODS:
        raise ServiceError(_("동의 방법을 고르세요."), field="method")
    if consented_on is None:
        raise ServiceError(_("동의일을 입력하세요."), field="consented_on")
    if consented_on > today:
        raise ServiceError(_("동의일은 오늘 이후일 수 없습니다."), field="consented_on")
    person = person_of(session, subject)
    row = SharingConsent(person_id=person.id, facility_id=workspace.facility.id,
                         subject_id=subject.id, scopes=scopes,
                         fields=fields if "referral" in scopes else [], method=method,
                         consented_on=consented_on, recorded_by_id=workspace.user.id)
    session.add(row)
    session.flush()
    record_event(session, "consent.record", actor, facility_id=workspace.facility.id,
                 target_type="sharing_consent", target_id=row.id, subject_id=subject.id,
                 detail={"scopes": scopes, "fields": row.fields, "method": method,
                         "consented_on": consented_on.isoformat()})
    session.commit()
    return row


def withdraw(session: Session, workspace: Workspace, actor: Actor, subject_id: int,
             consent_id: int, *, reason: str, today: dt.date) -> SharingConsent:
    """철회: from today on the consent covers nothing; any facility where the person is a
    subject may record it (the person may withdraw wherever they are)."""
    require(workspace, "create")
    subject = own_subject(session, workspace, subject_id)
    row = session.get(SharingConsent, consent_id)
    if row is None or row.person_id != subject.person_id:
        raise ServiceError(_("동의 기록을 찾을 수 없습니다."), status=404)
    if row.withdrawn_on is not None:
        raise ServiceError(_("이미 철회된 동의입니다."), status=409)
    text = (reason or "").strip()
    if not 2 <= len(text) <= 500:
        raise ServiceError(_("철회 사유를 2자 이상 500자 이하로 적으세요."), field="reason")
    row.withdrawn_on = max(today, row.consented_on)
    row.withdrawn_by_id = workspace.user.id
    row.withdrawal_reason = text
    record_event(session, "consent.withdraw", actor, facility_id=workspace.facility.id,
                 target_type="sharing_consent", target_id=row.id, subject_id=subject.id,
                 detail={"reason": text})
    session.commit()
    return row


def consents_of(session: Session, workspace: Workspace, subject: Subject
                ) -> list[tuple[SharingConsent, str, str]]:
    """The person's consents with the recording facility's name and recorder's name."""
    if subject.person_id is None:
        return []
    rows = session.scalars(select(SharingConsent).where(
        SharingConsent.person_id == subject.person_id).order_by(SharingConsent.id.desc()))
    out = []
    for row in rows:
        facility = session.get(Facility, row.facility_id)
        user = session.get(User, row.recorded_by_id)
        out.append((row, facility.name if facility else "", user.name if user else ""))
    return out
