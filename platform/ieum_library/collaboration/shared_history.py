"""통합 서비스 이력: what one person received, in which facility and when.

The person's subjects in every facility are found through the person (the keyed hash of the
resident number, never a decryption). Other facilities' entries are shown only when the person's
consent to sharing (scope ``history``) is in force and the viewer holds ``view_shared_history``;
otherwise the viewer sees their own facility's entries only. Every view is audited.

An entry of another facility names the facility, the date and the kind of service with its
category; free text and the fields a form marks private are never part of an entry.

Which records are entries is data: a unit lists the feed ``service_history`` in its manifest
with the forms it puts in, what each entry says it was, and the field that summarises it::

    feeds:
      - service_history:
          forms:
            admission: {kind: 입소, summary: admission_type}
            programme_session: {kind: 프로그램 참여, summary: programme_name,
                                participants: participants}

The history is read from the records when it is viewed, not copied on save: the records are
its one source (an edit, a deletion or a closing date shows at once, with nothing to keep in
step), the viewer's grants and the form's private fields are applied at read time, and the
query is one indexed read per person. The feed is the declaration point and checks the
settings (``ieum check``); it writes nothing when a record is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.config import KST
from ieum.definitions import Registry
from ieum.definitions.model import UnitFunction
from ieum.forms.fields import field_tree
from ieum.i18n import gettext as _
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, Record, Subject
from ieum.store.models_collab import REFERRAL_KINDS, REFERRAL_STATUSES, Referral
from ieum_library.collaboration import consent

FEED = "service_history"
GRANT = "view_shared_history"


# --- what goes into the history: declared by the units that feed it ---------------------------

@dataclass(frozen=True)
class Declared:
    """One form a unit puts into the history (``feeds: [{service_history: {forms: ...}}]``)."""

    unit: str
    form: str
    kind: str  # what the entry says it was (입소, 서비스 제공, ...)
    summary: str | None = None  # the field that says what it was (a choice or a short text)
    participants: str | None = None  # a field listing the subjects taking part, if any


def declared(registry: Registry) -> dict[tuple[str, str], Declared]:
    """Every (unit, form) whose records go into the integrated history, from the manifests
    of the units listing the feed with their forms; a unit listing it without forms puts
    nothing in (yet)."""
    found = {}
    for unit in registry.unit_functions.values():
        settings = unit.feed_settings.get(FEED) or {}
        for form_id, spec in (settings.get("forms") or {}).items():
            found[unit.id, form_id] = Declared(unit.id, form_id, spec["kind"],
                                               spec.get("summary"), spec.get("participants"))
    return found


SETTINGS_KEYS = {"forms"}
FORM_KEYS = {"kind", "summary", "participants"}


def settings_problems(unit: UnitFunction, settings: Mapping[str, Any],
                      forms: Mapping[str, Any]) -> Iterable[str]:
    """Why a unit's ``service_history`` settings are wrong (``ieum check``): each form must be
    one of the unit's, with a ``kind`` and fields the form has."""
    for key in sorted(set(settings) - SETTINGS_KEYS):
        yield f"unknown setting {key!r}; expected: forms"
    declared_forms = settings.get("forms")
    if not isinstance(declared_forms, Mapping) or not declared_forms:
        yield "forms: name the unit's forms that go into the history, e.g. " \
              "{forms: {form_id: {kind: 서비스 제공, summary: field}}}"
        return
    for form_id, spec in declared_forms.items():
        if form_id not in unit.forms:
            yield f"form {form_id!r} is not one of this unit's forms"
            continue
        if not isinstance(spec, Mapping):
            yield f"forms/{form_id}: expected {{kind: ..., summary: ...}}"
            continue
        for key in sorted(set(spec) - FORM_KEYS):
            yield f"forms/{form_id}: unknown key {key!r}; expected: {', '.join(sorted(FORM_KEYS))}"
        if not isinstance(spec.get("kind"), str) or not spec["kind"].strip():
            yield f"forms/{form_id}: kind (what the entry says it was) is required"
        form = forms.get(form_id)
        for key in ("summary", "participants"):
            name = spec.get(key)
            if name is not None and (form is None or name not in form.properties):
                yield f"forms/{form_id}: {key} field {name!r} is not in form {form_id!r}"


@dataclass(frozen=True)
class Entry:
    day: dt.date | None
    facility: str
    own: bool
    kind: str
    summary: str
    link: tuple[str, str, int] | None = None  # unit, form, record of the viewer's facility


@dataclass(frozen=True)
class Membership:
    facility: str
    own: bool
    subject_id: int
    status: str


@dataclass(frozen=True)
class History:
    shared: bool
    why_not: str | None
    memberships: list[Membership] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    @property
    def facilities(self) -> list[str]:
        return sorted({m.facility for m in self.memberships})


def _why_not(session: Session, workspace: Workspace, subject: Subject,
             today: dt.date) -> str | None:
    if not workspace.permissions.can(consent.UNIT, GRANT):
        return _("통합 이력을 볼 권한이 없어 우리 기관의 이력만 보입니다.")
    if consent.active(session, subject.person_id, "history", today) is None:
        return _("정보공유 동의(통합 이력 조회)가 없어 우리 기관의 이력만 보입니다.")
    return None


def _summary(registry: Registry, record: Record, name: str | None) -> str:
    form = registry.forms.get(record.form_id)
    if form is None or name is None or name in form.sensitive:
        return ""
    item = field_tree(form).top(name)
    value = record.data.get(name)
    if item is None or value is None:
        return ""
    return str(item.label_of(value))[:100]


def integrated_history(session: Session, registry: Registry, workspace: Workspace,
                       actor: Actor, subject_id: int, today: dt.date) -> History:
    """The history shown on a subject's page; the view is audited (commits)."""
    subject = consent.own_subject(session, workspace, subject_id)
    why_not = _why_not(session, workspace, subject, today)
    shared = why_not is None
    own_id = workspace.facility.id
    if subject.person_id is None:
        subjects = [subject]
    else:
        statement = select(Subject).where(Subject.person_id == subject.person_id)
        if not shared:
            statement = statement.where(Subject.facility_id == own_id)
        subjects = list(session.scalars(statement.order_by(Subject.id)))
    names = {f.id: f.name for f in session.scalars(select(Facility).where(
        Facility.id.in_({s.facility_id for s in subjects} | {own_id})))}
    memberships = [Membership(names[s.facility_id], s.facility_id == own_id, s.id, s.status)
                   for s in subjects]
    entries = _record_entries(session, registry, workspace, subjects, names)
    entries += _referral_entries(session, subject, shared, own_id, names)
    entries.sort(key=lambda e: (e.day or dt.date.min), reverse=True)
    record_event(session, "history.view", actor, facility_id=own_id, target_type="person",
                 target_id=subject.person_id, subject_id=subject.id,
                 detail={"shared": shared, "facilities": sorted({s.facility_id
                                                                for s in subjects})})
    session.commit()
    return History(shared, why_not, memberships, entries)


def _record_entries(session: Session, registry: Registry, workspace: Workspace,
                    subjects: list[Subject], names: dict[int, str]) -> list[Entry]:
    own_id = workspace.facility.id
    ids = {s.id for s in subjects}
    facility_ids = {s.facility_id for s in subjects}
    history = declared(registry)
    if not history:
        return []
    with_participants = sorted({d.form for d in history.values() if d.participants})
    rows = session.scalars(select(Record).where(
        Record.facility_id.in_(facility_ids),
        Record.form_id.in_(sorted({form for _unit, form in history})),
        Record.status != "draft", Record.deleted_at.is_(None),
        or_(Record.subject_id.in_(ids), Record.form_id.in_(with_participants))))
    entries = []
    for record in rows:
        what = history.get((record.unit_function, record.form_id))
        if what is None:
            continue
        if record.subject_id not in ids:
            taking_part = record.data.get(what.participants) if what.participants else None
            if not isinstance(taking_part, list) or not ids & set(taking_part):
                continue
        own = record.facility_id == own_id
        if own and not workspace.permissions.can(record.unit_function, "view"):
            continue
        entries.append(Entry(record.entry_date, names[record.facility_id], own, what.kind,
                             _summary(registry, record, what.summary),
                             (record.unit_function, record.form_id, record.id) if own
                             else None))
    return entries


def _referral_entries(session: Session, subject: Subject, shared: bool, own_id: int,
                      names: dict[int, str]) -> list[Entry]:
    if subject.person_id is None:
        return []
    statement = select(Referral).where(Referral.person_id == subject.person_id)
    if not shared:
        statement = statement.where(or_(Referral.from_facility_id == own_id,
                                        Referral.to_facility_id == own_id))
    entries = []
    for row in session.scalars(statement):
        for facility_id in (row.from_facility_id, row.to_facility_id):
            if facility_id not in names:
                found = session.get(Facility, facility_id)
                names[facility_id] = found.name if found else ""
        entries.append(Entry(
            row.created_at.astimezone(KST).date() if row.created_at else None,
            names[row.from_facility_id], own_id in (row.from_facility_id, row.to_facility_id),
            REFERRAL_KINDS[row.kind],
            f"{names[row.from_facility_id]} → {names[row.to_facility_id]} · "
            f"{REFERRAL_STATUSES[row.status]} · {row.service}"))
    return entries
