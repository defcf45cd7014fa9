"""정원·현원: capacity is the facility's, occupancy is counted live from admission and
discharge records (never typed in a second time), vacancies are the difference.

A subject counts as an occupant when their latest final admission (정원 내, or any admission
where the facility does not manage a capacity) is later than their latest final discharge.

Admitting into the last free place is safe under concurrency: saving an admission takes a
row lock on the facility (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite has a single
writer)
and counts the occupants again inside that lock; an admission beyond the capacity is refused
with 409 and nothing of it is kept.

The feed ``occupancy`` (``ieum_library.collaboration.feeds``) calls the functions below; this
module knows nothing of needs or vacancies (``needs`` and ``vacancies`` read it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.store.models import Facility, Record, Subject

ADMISSION_FORM = "admission"
DISCHARGE_FORM = "discharge"
ADMITTED, DISCHARGED = "입소", "퇴소"
#: Statuses a discharge or admission record does not overwrite (set by a hand-over).
FINAL_STATUSES = frozenset({"연계종결"})
FULL = _l("정원이 모두 찼습니다(정원 {capacity}명, 현원 {occupied}명). 정원 외로 입소하거나 "
          "퇴소를 먼저 기록하세요.")
LEGAL_FULL = _l("이 시설유형의 법정 입소정원은 {maximum}명 이하입니다({rule}). "
                "현원이 {occupied}명이라 정원 내로 더 입소할 수 없습니다. "
                "정원 외로 입소하거나 퇴소를 먼저 기록하세요.")


def _events(form_id: str, facility_ids: Iterable[int] | None = None):  # noqa: ANN202
    """Per subject, the date of their latest final record of ``form_id``."""
    conditions = [Record.form_id == form_id, Record.status != "draft",
                  Record.deleted_at.is_(None), Record.subject_id.is_not(None),
                  Record.entry_date.is_not(None)]
    if form_id == ADMISSION_FORM:
        outside = Record.data["capacity_type"].as_string()
        conditions.append(or_(outside.is_(None), outside != "outside"))
    if facility_ids is not None:
        conditions.append(Record.facility_id.in_(list(facility_ids)))
    return (select(Record.facility_id, Record.subject_id,
                   func.max(Record.entry_date).label("day"))
            .where(*conditions).group_by(Record.facility_id, Record.subject_id).subquery())


def occupancy_by_facility(session: Session,
                          facility_ids: Iterable[int] | None = None) -> dict[int, int]:
    """현원 per facility id (facilities without occupants are left out)."""
    ids = None if facility_ids is None else list(facility_ids)
    admitted, discharged = _events(ADMISSION_FORM, ids), _events(DISCHARGE_FORM, ids)
    statement = (
        select(admitted.c.facility_id, func.count())
        .select_from(admitted.outerjoin(discharged, and_(
            discharged.c.facility_id == admitted.c.facility_id,
            discharged.c.subject_id == admitted.c.subject_id)))
        .where(or_(discharged.c.day.is_(None), discharged.c.day < admitted.c.day))
        .group_by(admitted.c.facility_id))
    return {facility_id: count for facility_id, count in session.execute(statement)}


def occupancy(session: Session, facility_id: int) -> int:
    return occupancy_by_facility(session, [facility_id]).get(facility_id, 0)


def is_admitted(session: Session, subject: Subject) -> bool:
    def latest(form_id: str) -> dt.date | None:
        return session.scalar(select(func.max(Record.entry_date)).where(
            Record.subject_id == subject.id, Record.form_id == form_id,
            Record.status != "draft", Record.deleted_at.is_(None)))
    admitted, discharged = latest(ADMISSION_FORM), latest(DISCHARGE_FORM)
    return admitted is not None and (discharged is None or discharged < admitted)


def capacity_rule(parameters: Mapping[str, Any], capacity: int | None) -> dict[str, Any] | None:
    """The legal capacity rule of the facility type (the admissions unit's parameters), and
    whether the facility's own capacity breaks it; ``None`` when the law sets none."""
    low = int(parameters.get("legal_capacity_min") or 0)
    high = int(parameters.get("legal_capacity_max") or 0)
    text = parameters.get("capacity_rule") or ""
    if not (low or high or text):
        return None
    outside = capacity is not None and ((low and capacity < low) or (high and capacity > high))
    return {"min": low, "max": high, "text": text, "outside": bool(outside)}


# --- what the occupancy feed does when an admission or discharge record is written ------------

def is_movement(record: Record) -> bool:
    """A final admission or discharge of a subject: what changes who is admitted."""
    return record.status != "draft" and record.subject_id is not None \
        and record.form_id in (ADMISSION_FORM, DISCHARGE_FORM)


def after_save(session: Session, record: Record, parameters: Mapping[str, Any]) -> Facility:
    """Keep the subject's status and the facility's capacity right after a saved admission or
    discharge (``is_movement``); an admission beyond the capacity, or beyond the legal maximum
    the facility type's profile sets (``legal_capacity_max`` of the admissions unit), raises
    409. Returns the facility, locked for the rest of the transaction."""
    # FOR NO KEY UPDATE: serialises admissions of this facility, yet does not conflict with
    # the KEY SHARE lock every insert referencing the facility takes (no deadlock).
    facility = session.scalar(select(Facility).where(Facility.id == record.facility_id)
                              .with_for_update(key_share=True))
    within = record.form_id == ADMISSION_FORM and parameters.get("capacity_managed", True) \
        and record.data.get("capacity_type") != "outside"
    legal_max = int(parameters.get("legal_capacity_max") or 0)
    if within and (facility.capacity is not None or legal_max):
        occupied = occupancy(session, facility.id)
        if facility.capacity is not None and occupied > facility.capacity:
            raise ServiceError(str(FULL).format(capacity=facility.capacity,
                                                occupied=occupied - 1), status=409)
        if legal_max and occupied > legal_max:
            rule = parameters.get("capacity_rule") or "시설유형 프로필의 정원 기준"
            raise ServiceError(str(LEGAL_FULL).format(maximum=legal_max, rule=rule,
                                                      occupied=occupied - 1), status=409)
    _update_status(session, facility, session.get(Subject, record.subject_id))
    return facility


def after_delete(session: Session, record: Record) -> Facility:
    """A removed admission or discharge changes who is admitted: the status follows
    (removing never adds an occupant beyond what the records say)."""
    facility = session.get(Facility, record.facility_id)
    _update_status(session, facility, session.get(Subject, record.subject_id))
    return facility


def _update_status(session: Session, facility: Facility, subject: Subject) -> None:
    """입소 while admitted, 퇴소 after the latest discharge, unless a hand-over closed it;
    the registry record (대상자 기본정보) follows when its status field has these values."""
    if subject is None or subject.status in FINAL_STATUSES:
        return
    wanted = ADMITTED if is_admitted(session, subject) else DISCHARGED
    if subject.status == wanted:
        return
    subject.status = wanted
    hint = (subject.data or {}).get("registry") or {}
    value = (hint.get("values") or {}).get(wanted)
    if value is None:
        return
    row = session.scalar(select(Record).where(
        Record.subject_id == subject.id, Record.facility_id == facility.id,
        Record.unit_function == hint.get("unit"), Record.form_id == hint.get("form"),
        Record.deleted_at.is_(None)).order_by(Record.id.desc()).limit(1))
    if row is not None and row.data.get(hint["status_field"]) != value:
        row.data = {**row.data, hint["status_field"]: value}
