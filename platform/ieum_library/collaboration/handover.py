"""생애주기 연계: a child turning adult (or moving from children's to youth or adult services)
is handed over to another facility with a summary.

A hand-over is a referral of kind ``handover`` (see ``referrals``): the same person, a new
subject in the receiving facility, the old subject closed with status 연계종결 and linked to
the new one. No record is copied or moved, so nothing is lost or duplicated: the
integrated history shows the entries of both facilities under the one person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.workspace import Workspace
from ieum.store.models import Record, Subject
from ieum.store.models_collab import Referral
from ieum_library.collaboration import consent, referrals
from ieum_library.collaboration.occupancy import ADMISSION_FORM

ADULT_AGE = 18
CLOSED = frozenset({"퇴소", referrals.CLOSED_BY_HANDOVER})
SERVICE = "생애주기 연계"


def age_on(born: dt.date | None, day: dt.date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def upper_age(registry: Registry, profile_code: str) -> int | None:
    """The age at which the facility's service ends: the registry unit's ``max_age`` for a
    children's facility (18 when it names none); ``None`` for adult services."""
    profile = registry.profiles.get(profile_code)
    if profile is None or profile.target_group != "child":
        return None
    for unit_id in profile.unit_ids:
        maximum = profile.parameters_for(unit_id).get("max_age")
        if isinstance(maximum, int) and registry.unit_functions[unit_id].subject_registry:
            return min(maximum, ADULT_AGE)
    return ADULT_AGE


@dataclass(frozen=True)
class Candidate:
    subject: Subject
    age: int
    pending: bool  # a hand-over is already under review


def candidates(session: Session, registry: Registry, workspace: Workspace,
               today: dt.date, *, within_days: int = 365) -> list[Candidate]:
    """Subjects who reach the facility's upper age within ``within_days`` (or are past it)."""
    consent.require(workspace, "view")
    limit = upper_age(registry, workspace.facility.profile_code)
    if limit is None:
        return []
    horizon = today + dt.timedelta(days=within_days)
    found = []
    for subject in session.scalars(select(Subject).where(
            Subject.facility_id == workspace.facility.id, Subject.status.not_in(CLOSED),
            Subject.birth_date.is_not(None)).order_by(Subject.birth_date, Subject.id)):
        age_then = age_on(subject.birth_date, horizon)
        if age_then is None or age_then < limit:
            continue
        pending = session.scalar(select(Referral.id).where(
            Referral.from_subject_id == subject.id, Referral.kind == "handover",
            Referral.status == "requested")) is not None
        found.append(Candidate(subject, age_on(subject.birth_date, today) or 0, pending))
    return found


def draft_summary(session: Session, registry: Registry, workspace: Workspace,
                  subject_id: int, today: dt.date) -> str:
    """A first summary of the subject's time here, from the facility's own records; the
    worker edits it before sending. Only dates, counts and categories: no private notes."""
    subject = consent.own_subject(session, workspace, subject_id)
    rows = session.scalars(select(Record).where(
        Record.subject_id == subject.id, Record.facility_id == workspace.facility.id,
        Record.status != "draft", Record.deleted_at.is_(None)).order_by(Record.entry_date))
    admissions = []
    kinds: Counter[str] = Counter()
    for record in rows:
        form = registry.forms.get(record.form_id)
        if record.form_id == ADMISSION_FORM and record.entry_date:
            admissions.append(record.entry_date)
        kinds[form.title if form else record.form_id] += 1
    lines = [f"{subject.name} (만 {age_on(subject.birth_date, today)}세), "
             f"{workspace.facility.name} 현재 상태: {subject.status}"]
    if admissions:
        lines.append(f"입소일: {', '.join(d.isoformat() for d in admissions)}")
    if kinds:
        lines.append("기록: " + ", ".join(f"{title} {count}건"
                                          for title, count in sorted(kinds.items())))
    lines.append("연계 사유: 연령 도달로 아동 서비스가 끝나 성인(청년) 서비스로 이어 받습니다.")
    return "\n".join(lines)


def hand_over(session: Session, rt: flows.Runtime, workspace: Workspace, subject_id: int, *,
              to_facility_id: int | None, summary: str, fields: Iterable[str],
              override_reason: str | None = None) -> Referral:
    """Send the hand-over (a referral of kind ``handover`` carrying the summary)."""
    text = (summary or "").strip()
    if not 10 <= len(text) <= 4000:
        raise ServiceError(_("연계 요약을 10자 이상 4000자 이하로 적으세요."), field="summary")
    return referrals.send(session, rt, workspace, subject_id, to_facility_id=to_facility_id,
                          service=SERVICE, reason=text.splitlines()[-1][:2000] or SERVICE,
                          fields=fields, override_reason=override_reason, kind="handover",
                          summary=text)
