"""The record feed ``vendor_home_visit_tally`` (entry-point group ``ieum.feeds``).

The unit's manifest lists it under ``feeds:``, so the kernel's record pipeline calls it in
the transaction of every save and delete of a record of the unit. It keeps, on the subject,
how many home visits were saved and the date of the last one (``subject.data`` under the key
``vendor_home_visit``), so the 방문상담 현황 page reads one row per subject instead of
counting records. Counting again on every change (rather than adding one) keeps the tally
right after an edit, a delete or a draft that is saved later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.store.models import Record, Subject
from ieum_vendor_home_visit import SAVED, UNIT, VISIT_FORM

if TYPE_CHECKING:
    from ieum.services.records.feeds import RecordEvent

TALLY_KEY = "vendor_home_visit"


def tally(session: Session, facility_id: int, subject_id: int) -> dict[str, Any]:
    """The subject's saved visits: how many, and the last visit date (ISO) or ``None``."""
    rows = session.scalars(select(Record.data).where(
        Record.facility_id == facility_id, Record.unit_function == UNIT,
        Record.form_id == VISIT_FORM, Record.subject_id == subject_id,
        Record.status.in_(SAVED), Record.deleted_at.is_(None)))
    dates = [data.get("visit_date") for data in rows]
    return {"visits": len(dates),
            "last_visit": max((day for day in dates if isinstance(day, str)), default=None)}


def _recount(event: RecordEvent) -> None:
    record = event.record
    if event.form.id != VISIT_FORM or record.subject_id is None:
        return  # the unit's other forms (the review, the plan) are not visits
    subject = event.session.get(Subject, record.subject_id)
    if subject is None:
        return
    subject.data = {**(subject.data or {}),
                    TALLY_KEY: tally(event.session, record.facility_id, subject.id)}


class VisitTally:
    """Runs after a visit record is saved (created or updated) or deleted."""

    @staticmethod
    def after_save(event: RecordEvent) -> None:
        _recount(event)

    @staticmethod
    def after_delete(event: RecordEvent) -> None:
        _recount(event)
