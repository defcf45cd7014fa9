"""서비스의뢰: facility A refers its subject to facility B, on the workflow engine.

1. A's worker chooses B from the facilities with their services and vacancies, the service
   wanted, the reason and the subject fields to disclose. The person's consent (scope
   ``referral``) must cover those fields, or a manager of A (``approve``) overrides it with a
   stated reason; the override is audited.
2. The referral starts the process ``referral_review`` **in B**: its review task lands in the
   inbox of B's facility manager (lane ``facility_admin``). A's data stays in A: B sees only the
   referral's disclosed snapshot (``shared_data``).
3. When B completes the review (수락 or 거절 with a reason), the task hook below records the
   decision; on acceptance B gets a new subject of the same person, holding only the disclosed
   fields (a 임시저장 registry record that B's staff complete). The process
   ``referral_result`` then starts **in A**, and its task lands in the sender's inbox.

A life-stage hand-over (``kind="handover"``, see ``handover``) is a referral with a summary;
accepting it closes A's subject with status 연계종결 and links it to B's subject.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from ieum import i18n
from ieum.access import privacy
from ieum.access.audit import record_event
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.korean import josa
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.notifications import NotificationKind, notify
from ieum.services.records import FormScope, insert_record
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, ProcessInstance, Record, Subject, Task, User, utcnow
from ieum.store.models_collab import (
    REFERRAL_KINDS,
    REFERRAL_STATUSES,
    Referral,
    SharingConsent,
)
from ieum_library.collaboration import consent, needs, vacancies

UNIT = consent.UNIT
REVIEW_PROCESS = "referral_review"
RESULT_PROCESS = "referral_result"
ACCEPTED_STATUS = "의뢰수락"
CLOSED_BY_HANDOVER = "연계종결"
ALWAYS_SHARED = ("name",)
ANSWER_KIND = "referral_answer"
#: the notice a sender gets when the receiving facility accepts or declines
#: (entry-point group ``ieum.notification_kinds``)
ANSWER_NOTICE = NotificationKind("보낸 서비스의뢰의 답변", "[이음] 서비스의뢰 답변",
                                 "보낸 서비스의뢰에 답변이 {count}건 왔습니다.", order=60)


@dataclass(frozen=True)
class Preparation:
    """What the referral page needs to know before sending."""

    subject: Subject
    consent: SharingConsent | None
    consented_fields: tuple[str, ...]
    may_override: bool


def prepare(session: Session, workspace: Workspace, subject_id: int,
            today: dt.date) -> Preparation:
    consent.require(workspace, "create")
    subject = consent.own_subject(session, workspace, subject_id)
    active = consent.active(session, subject.person_id, "referral", today)
    return Preparation(subject, active, tuple(active.fields) if active else (),
                       workspace.permissions.can(UNIT, "approve"))


def targets(session: Session, registry: Registry, workspace: Workspace, *, text: str = "",
            profile_code: str = "", region: str = "",
            only_free: bool = False) -> list[vacancies.Vacancy]:
    """Facilities a referral may go to (every facility but this one), with vacancies."""
    consent.require(workspace, "view")
    return vacancies.vacancies(session, registry, regions={region} if region else None,
                               text=text, profile_code=profile_code, only_free=only_free,
                               exclude_facility=workspace.facility.id)


def _text(value: str | None, name: str, title: str, low: int, high: int) -> str:
    text = (value or "").strip()
    if not low <= len(text) <= high:
        raise ServiceError(_("%(title)s %(low)s자 이상 %(high)s자 이하로 적으세요.",
                             title=i18n.josa(_(title), "을"), low=low, high=high),
                           field=name)
    return text


def _registry_values(session: Session, subject: Subject) -> dict[str, Any]:
    """The subject's registry record data (대상자 기본정보), or the columns it promoted."""
    hint = (subject.data or {}).get("registry") or {}
    row = None
    if hint:
        row = session.scalar(select(Record).where(
            Record.subject_id == subject.id, Record.facility_id == subject.facility_id,
            Record.unit_function == hint.get("unit"), Record.form_id == hint.get("form"),
            Record.deleted_at.is_(None)).order_by(Record.id.desc()).limit(1))
    values = dict(row.data) if row is not None else {}
    values.setdefault("name", subject.name)
    if subject.birth_date is not None:
        values.setdefault("birth_date", subject.birth_date.isoformat())
    return values


def send(session: Session, rt: flows.Runtime, workspace: Workspace, subject_id: int, *,
         to_facility_id: int | None, service: str, reason: str, fields: Iterable[str],
         override_reason: str | None = None, kind: str = "referral",
         summary: str | None = None) -> Referral:
    """Send a referral (commits); refused without consent unless a manager overrides it."""
    consent.require(workspace, "create")
    subject = consent.own_subject(session, workspace, subject_id)
    target = session.get(Facility, to_facility_id) if to_facility_id else None
    if target is None:
        raise ServiceError(_("의뢰할 기관을 고르세요."), field="to_facility")
    if target.id == workspace.facility.id:
        raise ServiceError(_("다른 기관을 고르세요. 우리 기관에는 의뢰할 수 없습니다."),
                           field="to_facility")
    service = _text(service, "service", _l("의뢰 서비스"), 2, 200)
    reason = _text(reason, "reason", _l("의뢰 사유"), 2, 2000)
    fields = sorted(set(fields) | set(ALWAYS_SHARED))
    unknown = set(fields) - set(consent.SHAREABLE_FIELDS)
    if unknown:
        raise ServiceError(_("제공할 수 있는 항목이 아닙니다. 다시 고르세요."), field="fields")
    if session.scalar(select(Referral.id).where(
            Referral.from_subject_id == subject.id, Referral.to_facility_id == target.id,
            Referral.status == "requested")) is not None:
        raise ServiceError(_("이 대상자를 이 기관에 보낸 의뢰가 아직 검토 중입니다."), status=409)
    person = consent.person_of(session, subject)
    active = consent.active(session, person.id, "referral", rt.today)
    # a consent to referral covers the name (a referral cannot go without it)
    missing = sorted(set(fields) - set(active.fields) - set(ALWAYS_SHARED)) if active \
        else fields
    override = None
    if missing:
        if not (override_reason or "").strip():
            titles = ", ".join(str(consent.SHAREABLE_FIELDS[f]) for f in missing)
            raise ServiceError(
                _("정보공유 동의가 없는 항목이 있습니다(%(titles)s). 동의를 먼저 기록하거나, "
                  "관리자가 사유를 적어 동의 없이 의뢰(예외)할 수 있습니다.", titles=titles),
                field="override_reason")
        if not workspace.permissions.can(UNIT, "approve"):
            raise ServiceError(_("동의 없이 의뢰하는 예외는 관리자만 할 수 있습니다."), status=403)
        override = _text(override_reason, "override_reason", _l("예외 사유"), 5, 500)
    values = _registry_values(session, subject)
    shared = {name: values[name] for name in fields if values.get(name) not in (None, "")}
    referral = Referral(
        kind=kind, person_id=person.id, from_facility_id=workspace.facility.id,
        from_subject_id=subject.id, to_facility_id=target.id, status="requested",
        service=service, reason=reason, summary=summary, shared_fields=fields,
        shared_data=shared, consent_id=active.id if active and not missing else None,
        override_reason=override, override_by_id=workspace.user.id if override else None,
        requested_by_id=workspace.user.id)
    session.add(referral)
    session.flush()
    instance = flows.start_in(session, rt, target.id, UNIT, REVIEW_PROCESS, subject_id=None,
                              data={"referral_id": referral.id}, started_by=workspace.user.id)
    referral.review_instance_id = instance.id
    if override:
        record_event(session, "referral.override", rt.actor, facility_id=workspace.facility.id,
                     target_type="referral", target_id=referral.id, subject_id=subject.id,
                     detail={"reason": override, "fields": missing})
    record_event(session, "referral.send", rt.actor, facility_id=workspace.facility.id,
                 target_type="referral", target_id=referral.id, subject_id=subject.id,
                 detail={"to_facility": target.id, "kind": kind, "fields": fields,
                         "consent": referral.consent_id, "instance": instance.id})
    what = REFERRAL_KINDS[kind]
    needs.notify(session, target.id, "referral",
                 f"{workspace.facility.name}에서 {josa(what, '이')} 왔습니다: {service}",
                 referral_id=referral.id)
    session.commit()
    return referral


# --- the receiving side ----------------------------------------------------------------------

def _on_review(session: Session, rt: flows.Runtime, workspace: Workspace, task: Task,
               instance: ProcessInstance) -> None:
    """The review task of B completed: record the decision and act on it."""
    referral = session.scalar(select(Referral).where(
        Referral.review_instance_id == instance.id).with_for_update())
    if referral is None:
        return
    if referral.status != "requested":
        raise ServiceError(_("이미 결정되었거나 취소된 의뢰입니다."), status=409)
    record = session.get(Record, task.record_id) if task.record_id else None
    data = record.data if record is not None else {}
    accepted = data.get("decision") == "accept"
    referral.status = "accepted" if accepted else "rejected"
    referral.decided_by_id = workspace.user.id
    referral.decided_at = utcnow()
    referral.decision_reason = data.get("decision_reason")
    if accepted:
        subject = _admit_subject(session, rt, workspace, referral)
        referral.to_subject_id = subject.id
        instance.subject_id = subject.id
        task.subject_id = subject.id
        if record is not None:
            record.subject_id = subject.id
        if referral.kind == "handover":
            _close_handed_over(session, referral, subject)
    result = flows.start_in(session, rt, referral.from_facility_id, UNIT, RESULT_PROCESS,
                            subject_id=referral.from_subject_id,
                            data={"referral_id": referral.id,
                                  "requested_by": referral.requested_by_id,
                                  "decision": data.get("decision")},
                            started_by=workspace.user.id)
    referral.result_instance_id = result.id
    record_event(session, f"referral.{'accept' if accepted else 'reject'}", rt.actor,
                 facility_id=workspace.facility.id, target_type="referral",
                 target_id=referral.id, subject_id=referral.to_subject_id,
                 detail={"from_facility": referral.from_facility_id,
                         "reason": referral.decision_reason})
    needs.notify(session, referral.from_facility_id, "referral",
                 f"{josa(workspace.facility.name, '이')} 의뢰 #{referral.id}를 "
                 f"{'수락' if accepted else '거절'}했습니다."
                 + (f" 사유: {referral.decision_reason}" if referral.decision_reason else ""),
                 referral_id=referral.id)
    # the person who sent it hears of the answer (bell, and e-mail if they chose it)
    notify(session, referral.requested_by_id, ANSWER_KIND,
           f"{josa(workspace.facility.name, '이')} 의뢰 #{referral.id}를 "
           f"{'수락' if accepted else '거절'}했습니다.",
           ("collab.referral", {"facility_code": _facility_code(session, referral),
                                "referral_id": referral.id}),
           facility_id=referral.from_facility_id, key=f"referral:{referral.id}:answer")


def _facility_code(session: Session, referral: Referral) -> str:
    return session.scalar(select(Facility.code).where(Facility.id == referral.from_facility_id))


def on_review_task(event: flows.TaskEvent) -> None:
    """The task hook of the review process (entry-point group ``ieum.task_hooks``)."""
    _on_review(event.session, event.rt, event.workspace, event.task, event.instance)


def _admit_subject(session: Session, rt: flows.Runtime, workspace: Workspace,
                   referral: Referral) -> Subject:
    """B's new subject of the same person, with the disclosed fields only."""
    profile = rt.registry.profiles[workspace.facility.profile_code]
    unit = next((rt.registry.unit_functions[u] for u in profile.unit_ids
                 if rt.registry.unit_functions[u].subject_registry), None)
    shared = dict(referral.shared_data or {})
    sealed = shared.pop("rrn", None)
    if unit is None:
        subject = Subject(facility_id=workspace.facility.id, name=str(shared.get("name", "")),
                          data={})
        session.add(subject)
        session.flush()
    else:
        form = rt.registry.forms[unit.subject_registry["form"]]
        scope = FormScope(workspace, unit, form, profile.parameters_for(unit.id), rt.today,
                          rt.actor)
        data = {k: v for k, v in shared.items() if k in form.properties}
        row = insert_record(session, scope, data, draft=True, subject_id=None)
        if privacy.is_sealed(sealed) and "rrn" in form.properties:
            row.data = {**row.data, "rrn": sealed}  # the same ciphertext, never decrypted
        subject = session.get(Subject, row.subject_id)
    if privacy.is_sealed(sealed):
        subject.rrn_encrypted = base64.b64decode(sealed["sealed"])
    subject.person_id = referral.person_id
    subject.status = ACCEPTED_STATUS
    subject.data = {**(subject.data or {}), "referred_from": referral.id}
    session.flush()
    return subject


def _close_handed_over(session: Session, referral: Referral, new_subject: Subject) -> None:
    old = session.get(Subject, referral.from_subject_id)
    old.status = CLOSED_BY_HANDOVER
    old.data = {**(old.data or {}), "handed_over": {
        "referral": referral.id, "to_facility": referral.to_facility_id,
        "to_subject": new_subject.id}}


# --- both sides --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferralView:
    referral: Referral
    direction: str  # "out" (we sent it) or "in" (we received it)
    from_name: str
    to_name: str
    subject_name: str
    requested_by: str
    decided_by: str | None

    @property
    def status_title(self) -> str:
        return REFERRAL_STATUSES[self.referral.status]

    @property
    def kind_title(self) -> str:
        return REFERRAL_KINDS[self.referral.kind]


def _view(session: Session, workspace: Workspace, referral: Referral) -> ReferralView:
    names = {f.id: f.name for f in session.scalars(select(Facility).where(
        Facility.id.in_([referral.from_facility_id, referral.to_facility_id])))}
    direction = "out" if referral.from_facility_id == workspace.facility.id else "in"
    if direction == "out":
        subject_name = session.get(Subject, referral.from_subject_id).name
    else:
        subject_name = str((referral.shared_data or {}).get("name", ""))
    requester = session.get(User, referral.requested_by_id)
    decider = session.get(User, referral.decided_by_id) if referral.decided_by_id else None
    return ReferralView(referral, direction, names[referral.from_facility_id],
                        names[referral.to_facility_id], subject_name,
                        requester.name if requester else "", decider.name if decider else None)


def facility_referrals(session: Session, workspace: Workspace, *, direction: str = "",
                       status: str = "", subject_id: int | None = None,
                       limit: int = 200) -> list[ReferralView]:
    consent.require(workspace, "view")
    own = workspace.facility.id
    if direction == "out":
        statement = select(Referral).where(Referral.from_facility_id == own)
    elif direction == "in":
        statement = select(Referral).where(Referral.to_facility_id == own)
    else:
        statement = select(Referral).where(or_(Referral.from_facility_id == own,
                                               Referral.to_facility_id == own))
    if status in REFERRAL_STATUSES:
        statement = statement.where(Referral.status == status)
    if subject_id:
        statement = statement.where(or_(
            (Referral.from_facility_id == own) & (Referral.from_subject_id == subject_id),
            (Referral.to_facility_id == own) & (Referral.to_subject_id == subject_id)))
    statement = statement.where(_scope_filter(session, workspace))
    rows = session.scalars(statement.order_by(Referral.id.desc()).limit(limit))
    return [_view(session, workspace, row) for row in rows]


def _scope_filter(session: Session, workspace: Workspace):  # noqa: ANN202 - a SQL condition
    """The referrals this person may see under their grant's scope (``collaboration``):
    ``facility`` sees all of the facility's; ``own`` and ``assigned`` see the ones they sent,
    and of those received, the ones they decided or whose review task is theirs to work."""
    if workspace.permissions.scopes.get(consent.UNIT, "own") == "facility":
        return true()
    user = workspace.user.id
    here = workspace.facility.id
    roles = tuple(workspace.permissions.roles)
    workable = select(Task.instance_id).where(
        Task.facility_id == here, Task.state == "ready",
        or_(Task.assignee_id == user,
            Task.assignee_id.is_(None) & (Task.role.is_(None) | Task.role.in_(roles))))
    return or_(
        (Referral.from_facility_id == here) & (Referral.requested_by_id == user),
        (Referral.to_facility_id == here) & or_(Referral.decided_by_id == user,
                                                Referral.review_instance_id.in_(workable)))


def get_referral(session: Session, workspace: Workspace, referral_id: int) -> ReferralView:
    """A referral our facility sent or received; any other is not found."""
    consent.require(workspace, "view")
    referral = session.scalar(select(Referral).where(
        Referral.id == referral_id,
        or_(Referral.from_facility_id == workspace.facility.id,
            Referral.to_facility_id == workspace.facility.id),
        _scope_filter(session, workspace)))
    if referral is None:  # another facility's, or outside this person's scope
        raise ServiceError(_("의뢰를 찾을 수 없습니다."), status=404)
    return _view(session, workspace, referral)


def shown_shared_data(referral: Referral) -> list[tuple[str, str]]:
    """The disclosed fields as B reads them (the resident number masked)."""
    out = []
    for name in referral.shared_fields or []:
        value = (referral.shared_data or {}).get(name)
        if value in (None, ""):
            continue
        if name == "sex":
            value = {"male": "남", "female": "여"}.get(value, value)
        if name == "rrn":
            value = privacy.shown(value)
        out.append((consent.SHAREABLE_FIELDS.get(name, name), str(value)))
    return out


def review_task(session: Session, workspace: Workspace, referral: Referral) -> Task | None:
    """B's ready review task of the referral, when we are B."""
    if referral.to_facility_id != workspace.facility.id or not referral.review_instance_id:
        return None
    return session.scalar(select(Task).where(Task.instance_id == referral.review_instance_id,
                                             Task.state == "ready"))


def open_task(session: Session, workspace: Workspace, referral: Referral) -> Task | None:
    """Our side's ready task of the referral: B's review, or A's result confirmation."""
    own = workspace.facility.id
    instance_id = referral.review_instance_id if referral.to_facility_id == own \
        else referral.result_instance_id
    if not instance_id:
        return None
    return session.scalar(select(Task).where(Task.instance_id == instance_id,
                                             Task.facility_id == own, Task.state == "ready"))


def by_instance(session: Session, workspace: Workspace, instance_id: int) -> ReferralView:
    referral = session.scalar(select(Referral).where(or_(
        Referral.review_instance_id == instance_id,
        Referral.result_instance_id == instance_id)))
    if referral is None:
        raise ServiceError(_("의뢰를 찾을 수 없습니다."), status=404)
    return get_referral(session, workspace, referral.id)


def cancel(session: Session, rt: flows.Runtime, workspace: Workspace,
           referral_id: int, reason: str) -> Referral:
    """The sender withdraws a referral still under review; B's review task is cancelled."""
    consent.require(workspace, "create")
    view = get_referral(session, workspace, referral_id)
    referral = view.referral
    if view.direction != "out":
        raise ServiceError(_("보낸 기관만 의뢰를 취소할 수 있습니다."), status=403)
    if referral.status != "requested":
        raise ServiceError(_("검토 중인 의뢰만 취소할 수 있습니다."), status=409)
    text = _text(reason, "reason", _l("취소 사유"), 2, 500)
    referral.status = "cancelled"
    referral.decision_reason = text
    instance = session.get(ProcessInstance, referral.review_instance_id) \
        if referral.review_instance_id else None
    if instance is not None:
        flows.cancel_in(session, instance)
    record_event(session, "referral.cancel", rt.actor, facility_id=workspace.facility.id,
                 target_type="referral", target_id=referral.id,
                 subject_id=referral.from_subject_id, detail={"reason": text})
    needs.notify(session, referral.to_facility_id, "referral",
                 f"{josa(workspace.facility.name, '이')} 의뢰 #{referral.id}를 취소했습니다.",
                 referral_id=referral.id)
    session.commit()
    return referral
