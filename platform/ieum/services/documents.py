"""The document a process is about, as its task pages and the inbox show it.

An approver deciding on a 결의서 must see the 결의서: its fields, items and amounts and its
attachments, not a link to "기록 #175". The document is the record saved by an earlier task of
the same process instance (the writer's form); the decisions taken so far (the approval forms
of ``approvalStep`` tasks) are listed beside it. The inbox names each task by its subject and
by the document's list columns (사업명, 총금액 ...), so that two waiting 결의서 can be told apart.

Records are read through the record scope of the user (grant and record scope); a record the
user may not see is left out, never shown in part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.definitions import Registry
from ieum.definitions.model import FormDef
from ieum.forms.display import display
from ieum.forms.engine import hidden_fields
from ieum.forms.fields import FieldTree, field_tree, file_ids
from ieum.i18n import content_text
from ieum.services import ServiceError
from ieum.services import subjects as subject_service
from ieum.services.records import FormScope, form_of, get_record, open_form, sensitive, shown_data
from ieum.services.records import attachments as files
from ieum.services.workspace import Workspace
from ieum.store.models import ProcessInstance, Record, Task, User


@dataclass(frozen=True)
class Document:
    """One record of a process as a page shows it (what the user may see of it)."""

    title: str  # the task that wrote it
    record: Record
    form: FormDef
    tree: FieldTree
    data: dict[str, Any]
    private_hidden: frozenset[str]
    not_applicable: frozenset[str]
    attachments: dict
    decision: bool  # an approver's decision, not the document itself
    completed_by: str | None


def decision_forms(registry: Registry) -> frozenset[str]:
    """The forms of ``approvalStep`` user tasks (an approver's decision)."""
    return frozenset(task.form for process in registry.processes.values()
                     for task in process.user_tasks if task.approval_step and task.form)


def _scope(registry: Registry, workspace: Workspace, unit_id: str, form_id: str,
           today: dt.date, actor: Actor) -> FormScope | None:
    try:
        return open_form(registry, workspace, unit_id, form_id, today, actor)
    except ServiceError:
        return None


def of_instance(session: Session, registry: Registry, workspace: Workspace,
                instance: ProcessInstance, today: dt.date, actor: Actor) -> list[Document]:
    """The records the instance's completed tasks saved, in order, that the user may see."""
    decisions = decision_forms(registry)
    rows = session.execute(
        select(Task, Record).join(Record, Record.id == Task.record_id)
        .where(Task.instance_id == instance.id, Task.record_id.is_not(None),
               Record.deleted_at.is_(None))
        .order_by(Task.id)).all()
    users = _user_names(session, {task.completed_by_id for task, _ in rows})
    found = []
    for task, record in rows:
        scope = _scope(registry, workspace, instance.unit_function, record.form_id, today, actor)
        if scope is None:
            continue
        try:
            record = get_record(session, scope, record.id)
        except ServiceError:
            continue
        form = form_of(session, registry, record)
        data, hidden = shown_data(scope, form, record)
        found.append(Document(
            title=task.title, record=record, form=form, tree=field_tree(form), data=data,
            private_hidden=hidden,
            not_applicable=frozenset(hidden_fields(form, record.data, today,
                                                   scope.parameters)),
            attachments=files.attachments_of(session, scope.facility,
                                             file_ids(field_tree(form).fields, record.data)),
            decision=record.form_id in decisions,
            completed_by=users.get(task.completed_by_id)))
    return found


def _user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if isinstance(i, int)})
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(wanted))).all())


def summary(form: FormDef, data: dict[str, Any], *, texts: int = 2) -> str:
    """The record in a few words, from its list columns: its first free-text values (사업명,
    적요) and its amounts with their titles (총금액 450,000). Dates and choices are left out:
    they tell two documents apart less than a name and an amount."""
    tree = field_tree(form)
    words, amounts = [], []
    for item in tree.list_columns:
        value = data.get(item.name)
        if item.sensitive == "private" or value in (None, "", []):
            continue
        if item.kind in ("integer", "number"):
            amounts.append(f"{content_text(item.title)} {display(item, value)}")
        elif item.kind in ("text", "textarea") and len(words) < texts:
            words.append(display(item, value))
    return " · ".join(words + amounts[:2])


@dataclass(frozen=True)
class TaskLine:
    """What an inbox row says beside the task's title: whose, and which document."""

    subject: str | None
    document: str | None


def inbox_lines(session: Session, registry: Registry, workspace: Workspace,
                tasks: Iterable[Task]) -> dict[int, TaskLine]:
    """task id -> its subject's name and its document's summary. The document is the first
    record saved in the task's process (the writer's form); a private or foreign record is
    not summarised."""
    tasks = list(tasks)
    if not tasks or workspace.facility is None:
        return {}
    decisions = decision_forms(registry)
    instance_ids = sorted({t.instance_id for t in tasks})
    firsts: dict[int, Record] = {}
    rows = session.execute(
        select(Task.instance_id, Record).join(Record, Record.id == Task.record_id)
        .where(Task.instance_id.in_(instance_ids), Record.deleted_at.is_(None),
               Record.facility_id == workspace.facility.id)
        .order_by(Task.id))
    for instance_id, record in rows:
        if record.form_id not in decisions:
            firsts.setdefault(instance_id, record)
    names = subject_service.labels(session, workspace.facility,
                                   (t.subject_id for t in tasks))
    lines = {}
    for task in tasks:
        record = firsts.get(task.instance_id)
        document = None
        form = registry.forms.get(record.form_id) if record is not None else None
        if form is not None and not _private(form, record):
            document = summary(form, record.data) or None
        lines[task.id] = TaskLine(names.get(task.subject_id) if task.subject_id else None,
                                  document)
    return lines


def _private(form: FormDef, record: Record) -> bool:
    return sensitive.is_private_record(form, record.data)
