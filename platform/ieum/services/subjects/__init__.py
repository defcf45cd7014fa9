"""Subjects (대상자): a person's membership in one facility, registered through a form.

A unit function may declare ``subject_registry`` in its manifest: saving a record of that
form creates the facility's subject (or updates it) from the mapped fields, and links the
record to it. The same resident number in another facility finds the same ``person``
through the keyed hash, without decrypting anything.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from ieum.access import privacy
from ieum.definitions.model import FormDef, UnitFunction
from ieum.forms.fields import field_tree
from ieum.store.models import Facility, Person, Subject


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _person(session: Session, sealed: Mapping[str, str] | None) -> Person | None:
    if not privacy.is_sealed(sealed):
        return None
    person = session.scalar(select(Person).where(Person.rrn_hmac == sealed["hmac"]))
    if person is None:
        person = Person(rrn_hmac=sealed["hmac"])
        session.add(person)
        session.flush()
    return person


def register(session: Session, unit: UnitFunction, facility: Facility, form: FormDef,
             data: Mapping[str, Any], subject_id: int | None) -> int | None:
    """Create or update the subject a registry record describes; returns its id (or the
    given ``subject_id`` when the unit does not register subjects with this form)."""
    mapping = unit.subject_registry
    if not mapping or mapping["form"] != form.id:
        return subject_id
    subject = session.get(Subject, subject_id) if subject_id else None
    if subject is None or subject.facility_id != facility.id:
        subject = Subject(facility_id=facility.id, name="", data={})
        session.add(subject)
    subject.name = str(data.get(mapping["name"]) or "")[:100]
    if "birth_date" in mapping:
        subject.birth_date = _date(data.get(mapping["birth_date"]))
    if "status" in mapping and data.get(mapping["status"]) is not None:
        field = field_tree(form).top(mapping["status"])
        value = data[mapping["status"]]
        subject.status = (field.label_of(value) if field else str(value))[:20]
        if field is not None:  # lets admissions and discharges keep this record's status
            subject.data = {**(subject.data or {}), "registry": {
                "unit": unit.id, "form": form.id, "status_field": mapping["status"],
                "values": {label: option for option, label in field.options}}}
    if "rrn" in mapping:
        sealed = data.get(mapping["rrn"])
        person = _person(session, sealed)
        subject.person_id = person.id if person else subject.person_id
        if privacy.is_sealed(sealed):
            subject.rrn_encrypted = base64.b64decode(sealed["sealed"])
    session.flush()
    return subject.id


def search(session: Session, facility: Facility, text: str = "", *,
           limit: int = 50) -> list[Subject]:
    """The facility's subjects whose name contains ``text`` (or all), by name."""
    statement = select(Subject).where(Subject.facility_id == facility.id)
    if text.strip():
        escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(or_(Subject.name.ilike(f"%{escaped}%", escape="\\")))
    return list(session.scalars(statement.order_by(Subject.name, Subject.id).limit(limit)))


def picker(session: Session, facility: Facility, *, limit: int = 1000) -> list[Row]:
    """The facility's subjects as a picker lists them (``id``, ``name``, ``birth_date``), by
    name: what ``search`` orders, without loading whole subjects (their data, the sealed
    resident number) for a drop-down."""
    return list(session.execute(
        select(Subject.id, Subject.name, Subject.birth_date)
        .where(Subject.facility_id == facility.id)
        .order_by(Subject.name, Subject.id).limit(limit)))


class RegistryFeed:
    """The kernel feed of units with a ``subject_registry``: a record of the registry form
    creates or updates the subject it describes."""

    @staticmethod
    def before_save(event) -> None:  # noqa: ANN001 - a feeds.RecordEvent
        record = event.record
        record.subject_id = register(event.session, event.unit, event.facility, event.form,
                                     record.data, record.subject_id)


def subject_by_id(session: Session, subject_id: int | None) -> Subject | None:
    """The subject ``subject_id`` (a record's own subject), or None."""
    return session.get(Subject, subject_id) if subject_id else None


def names(session: Session, facility: Facility, ids: Iterable[int]) -> dict[int, str]:
    """id -> name of the facility's subjects among ``ids`` (others are left out)."""
    wanted = list(ids)
    if not wanted:
        return {}
    rows = session.scalars(select(Subject).where(Subject.id.in_(wanted),
                                                 Subject.facility_id == facility.id))
    return {row.id: row.name for row in rows}


def labels(session: Session, facility: Facility, ids: Iterable[int | None]) -> dict[int, str]:
    """id -> how a list names the facility's subject: the name, with the birth date when
    another subject of the facility has the same name (so two 김민준 can be told apart)."""
    wanted = sorted({i for i in ids if isinstance(i, int)})
    if not wanted:
        return {}
    # one statement: the shown subjects' columns, and whether their name is repeated in the
    # facility (one grouped read of the facility's subjects of those names)
    shown = (select(Subject.id, Subject.name, Subject.birth_date)
             .where(Subject.id.in_(wanted), Subject.facility_id == facility.id).cte("shown"))
    repeated = (select(Subject.name)
                .where(Subject.facility_id == facility.id,
                       Subject.name.in_(select(shown.c.name)))
                .group_by(Subject.name).having(func.count(Subject.id) > 1))
    rows = session.execute(select(shown.c.id, shown.c.name, shown.c.birth_date,
                                  shown.c.name.in_(repeated).label("repeated")))
    return {row.id: f"{row.name} ({row.birth_date})" if row.repeated and row.birth_date
            else row.name for row in rows}


def _birth_date(text: str) -> dt.date | None:
    """A birth date as people type it: 2008-10-28, 2008.10.28, 20081028 or 081028."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 6 and len(text.strip()) == 6:
        century = 2000 if int(digits[:2]) <= dt.date.today().year % 100 else 1900
        digits = str(century + int(digits[:2])) + digits[2:]
    if len(digits) != 8 or not all(ch.isdigit() or ch in "-./ " for ch in text.strip()):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def find_people(session: Session, facilities: Iterable[Facility], text: str, *,
                limit: int = 50) -> list[tuple[Facility, Subject]]:
    """통합 검색: the subjects of ``facilities`` (those the user may look into; the caller
    passes only facilities where the user's grants show subjects) whose name contains
    ``text``, or whose birth date it is (2008-10-28, 20081028, 081028). At least two
    characters; by name, then facility."""
    text = text.strip()[:50]
    by_id = {f.id: f for f in facilities}
    if len(text) < 2 or not by_id:
        return []
    statement = select(Subject).where(Subject.facility_id.in_(sorted(by_id)))
    born = _birth_date(text)
    if born is not None:
        statement = statement.where(Subject.birth_date == born)
    else:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(Subject.name.ilike(f"%{escaped}%", escape="\\"))
    rows = session.scalars(statement.order_by(Subject.name, Subject.facility_id, Subject.id)
                           .limit(limit))
    return [(by_id[row.facility_id], row) for row in rows]
