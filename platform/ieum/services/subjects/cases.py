"""Case management over records: the assigned worker, locking a closed case, the case list.

Declared in a unit manifest (see README "Cases"):

- ``case_list.worker_from``: the first person to save that form for a subject becomes the
  subject's assigned worker (담당자) in the unit; the unit's records of the subject are then
  assigned to them. A team leader (``approve``) may change the worker.
- ``locks``: after a final record of ``form`` is saved and ``when`` holds, every record of
  the same subject in ``units`` is locked and no new record is accepted there.
- ``case_list``: the list of the unit's subjects with a progress column per stage form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.definitions.model import FormDef, UnitFunction
from ieum.expressions import EvalError, compile_expression
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.workspace import Workspace
from ieum.store.models import Record, RoleAssignment, Subject, User

CLOSED = _l("이 대상자의 사례는 종결되어 더 이상 기록할 수 없습니다.")


def _state(subject: Subject) -> dict[str, Any]:
    return dict(subject.data or {})


def assigned_worker(subject: Subject | None, unit_id: str) -> int | None:
    if subject is None:
        return None
    return (_state(subject).get("workers") or {}).get(unit_id)


def is_closed(subject: Subject | None, unit_id: str) -> bool:
    return subject is not None and unit_id in (_state(subject).get("closed_units") or [])


def _set_worker(session: Session, subject: Subject, unit_id: str, user_id: int) -> None:
    state = _state(subject)
    state["workers"] = {**(state.get("workers") or {}), unit_id: user_id}
    subject.data = state
    session.execute(update(Record).where(
        Record.subject_id == subject.id, Record.unit_function == unit_id,
        Record.facility_id == subject.facility_id).values(assignee_id=user_id))


def accepts(subject: Subject | None, unit_id: str, form_id: str) -> bool:
    """Whether a new record of ``form_id`` may be written for the subject in ``unit_id``:
    not when the case is closed there, unless the lock kept the form open (사후관리)."""
    return not is_closed(subject, unit_id) \
        or form_id in (_state(subject).get("open_forms") or [])


def before_insert(session: Session, unit: UnitFunction, subject_id: int | None,
                  form_id: str = "") -> int | None:
    """Refuse a record for a closed case; return the assignee a new record gets."""
    subject = session.get(Subject, subject_id) if subject_id else None
    if not accepts(subject, unit.id, form_id):
        raise ServiceError(str(CLOSED), status=409)
    return assigned_worker(subject, unit.id)


def after_save(session: Session, unit: UnitFunction, form: FormDef, record: Record,
               actor: Actor, today: dt.date) -> None:
    """Apply the unit's case rules to a saved record."""
    if record.subject_id is None or record.status == "draft":
        return
    subject = session.get(Subject, record.subject_id)
    case = unit.case_list or {}
    if case.get("worker_from") == record.form_id and assigned_worker(subject, unit.id) is None:
        _set_worker(session, subject, unit.id, record.author_id)
        record_event(session, "case.assign", actor, facility_id=record.facility_id,
                     target_type="subject", target_id=subject.id, subject_id=subject.id,
                     detail={"unit": unit.id, "worker": record.author_id, "by": "first_save"})
    for lock in unit.locks:
        if lock["form"] != record.form_id or not _holds(lock.get("when"), form, record, today):
            continue
        units = list(lock["units"])
        kept_open = list(lock.get("except_forms") or ())
        session.execute(update(Record).where(
            Record.subject_id == subject.id, Record.facility_id == record.facility_id,
            Record.unit_function.in_(units), Record.form_id.not_in(kept_open),
            Record.deleted_at.is_(None)).values(status="locked", version=Record.version + 1))
        state = _state(subject)
        state["closed_units"] = sorted(set(state.get("closed_units") or []) | set(units))
        state["open_forms"] = sorted(set(state.get("open_forms") or []) | set(kept_open))
        subject.data = state
        record_event(session, "case.lock", actor, facility_id=record.facility_id,
                     target_type="subject", target_id=subject.id, subject_id=subject.id,
                     detail={"units": units, "record": record.id})


def _holds(source: str | None, form: FormDef, record: Record, today: dt.date) -> bool:
    if not source:
        return True
    data: dict[str, Any] = {name: record.data.get(name) for name in form.properties}
    value = compile_expression(source).evaluate(data, today=today)
    return not isinstance(value, EvalError) and bool(value)


@dataclass(frozen=True)
class Worker:
    """Someone who may take a unit's case in the facility (the 담당자 picker)."""

    user_id: int
    login: str
    name: str
    roles: tuple[str, ...]  # role titles held today

    @property
    def label(self) -> str:
        return f"{self.name} ({', '.join(self.roles)})" if self.roles else self.name


def workers(session: Session, registry: Registry, workspace: Workspace, unit_id: str,
            today: dt.date) -> list[Worker]:
    """The facility's staff who hold, today, a role that may write the unit's records
    (``create``): whom a case may be assigned to, by name."""
    profile = registry.profiles[workspace.facility.profile_code]
    rows = session.execute(
        select(User, RoleAssignment.role).join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.facility_id == workspace.facility.id,
               RoleAssignment.valid_from <= today, RoleAssignment.valid_to >= today,
               User.is_active.is_(True))
        .order_by(User.name, User.login))
    found: dict[int, tuple[User, list[str]]] = {}
    for user, role_id in rows:
        role = profile.roles.get(role_id)
        grant = role.grants.get(unit_id) if role is not None else None
        if grant is None or "create" not in grant.actions:
            continue
        found.setdefault(user.id, (user, []))[1].append(role.title)
    return [Worker(user.id, user.login, user.name, tuple(titles))
            for user, titles in found.values()]


def change_worker(session: Session, workspace: Workspace, unit_id: str, subject_id: int,
                  login: str, actor: Actor, *, registry: Registry | None = None,
                  today: dt.date | None = None) -> Subject:
    """A team leader (``approve``) assigns another worker directly; audited. With the
    ``registry`` and ``today``, only a worker of :func:`workers` is accepted (the picker's
    choices); someone of another facility or without the unit's grant is refused (400)."""
    if not workspace.permissions.can(unit_id, "approve"):
        raise ServiceError(_("담당자를 바꿀 권한이 없습니다."), status=403)
    subject = session.scalar(select(Subject).where(
        Subject.id == subject_id, Subject.facility_id == workspace.facility.id))
    if subject is None:
        raise ServiceError(_("대상자를 찾을 수 없습니다."), status=404)
    user = session.scalar(select(User).where(User.login == login.strip()))
    if user is None:
        raise ServiceError(_("그런 아이디의 사용자가 없습니다."), field="login")
    if registry is not None and today is not None and user.id not in {
            w.user_id for w in workers(session, registry, workspace, unit_id, today)}:
        raise ServiceError(_("이 기관에서 이 업무를 맡을 수 있는 직원을 고르세요."), field="login")
    assign_worker(session, subject, unit_id, user, actor, by="team_leader")
    session.commit()
    return subject


def assign_worker(session: Session, subject: Subject, unit_id: str, user: User, actor: Actor,
                  *, by: str) -> None:
    """Make ``user`` the subject's worker in ``unit_id`` (the unit's records follow); audited,
    not committed (a service or a task hook commits with its own work). ``by`` says how:
    ``team_leader``, ``approved_request``."""
    _set_worker(session, subject, unit_id, user.id)
    record_event(session, "case.assign", actor, facility_id=subject.facility_id,
                 target_type="subject", target_id=subject.id, subject_id=subject.id,
                 detail={"unit": unit_id, "worker": user.id, "by": by})


@dataclass(frozen=True)
class CaseRow:
    subject: Subject
    registered: bool
    age: int | None
    worker: str | None
    stages: tuple[dt.date | None, ...]
    closed: bool
    dates: tuple[str | None, ...] = ()  # the manifest's ``case_list.dates`` columns


def _age(born: dt.date | None, today: dt.date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def case_rows(session: Session, workspace: Workspace, unit: UnitFunction, today: dt.date,
              *, name: str = "", state: str = "",
              parameters: Mapping[str, Any] | None = None) -> list[CaseRow]:
    """The unit's case list: registered subjects and candidates (by age), with the date of
    the latest record of each stage form. ``state``: registered, candidate, closed."""
    case: Mapping[str, Any] = unit.case_list or {}
    forms = [stage["form"] for stage in case.get("stages", ())]
    registered_by = case.get("registered_by")
    min_age = case.get("min_age")
    subjects = session.scalars(select(Subject).where(
        Subject.facility_id == workspace.facility.id).order_by(Subject.name)).all()
    latest: dict[tuple[int, str], dt.date] = {}
    for subject_id, form_id, day in session.execute(
            select(Record.subject_id, Record.form_id,
                   func.max(func.coalesce(Record.entry_date, func.date(Record.created_at))))
            .where(Record.facility_id == workspace.facility.id,
                   Record.unit_function == unit.id, Record.deleted_at.is_(None),
                   Record.status != "draft", Record.subject_id.is_not(None))
            .group_by(Record.subject_id, Record.form_id)):
        latest[(subject_id, form_id)] = day if isinstance(day, dt.date) else (
            dt.date.fromisoformat(str(day)[:10]) if day else None)
    workers = {u.id: u.name for u in session.scalars(select(User))}
    columns = list(case.get("dates") or ())
    shown: dict[tuple[int, str], Mapping[str, Any]] = {}  # (subject, form) -> latest data
    if columns:
        for subject_id, form_id, data in session.execute(
                select(Record.subject_id, Record.form_id, Record.data)
                .where(Record.facility_id == workspace.facility.id,
                       Record.unit_function == unit.id, Record.deleted_at.is_(None),
                       Record.status != "draft",
                       Record.form_id.in_(sorted({c["form"] for c in columns})))
                .order_by(Record.id)):
            shown[(subject_id, form_id)] = data or {}
    rows = []
    for subject in subjects:
        age = _age(subject.birth_date, today)
        registered = registered_by is None or (subject.id, registered_by) in latest or (
            bool((parameters or {}).get("auto_register")) and min_age is not None
            and age is not None and age >= min_age)
        closed = is_closed(subject, unit.id)
        if not registered and (min_age is None or age is None or age < min_age):
            continue
        if name and name not in subject.name:
            continue
        kind = "closed" if closed else "registered" if registered else "candidate"
        if state and state != kind:
            continue
        worker = assigned_worker(subject, unit.id)
        rows.append(CaseRow(subject, registered, age, workers.get(worker) if worker else None,
                            tuple(latest.get((subject.id, f)) for f in forms), closed,
                            tuple(shown.get((subject.id, c["form"]), {}).get(c["field"])
                                  for c in columns)))
    return rows


class CaseFeed:
    """The kernel feed of units with ``case_list`` or ``locks``: a closed case takes no new
    record, a new record goes to the subject's worker, saved records apply the case rules."""

    @staticmethod
    def before_save(event) -> None:  # noqa: ANN001 - a feeds.RecordEvent
        if event.kind == "create":
            event.record.assignee_id = before_insert(event.session, event.unit,
                                                     event.record.subject_id, event.form.id)

    @staticmethod
    def after_save(event) -> None:  # noqa: ANN001 - a feeds.RecordEvent
        after_save(event.session, event.unit, event.form, event.record, event.actor,
                   event.today)
