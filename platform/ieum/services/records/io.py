"""Records in and out: Excel export and import, file downloads — each audited."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access import privacy
from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.forms import excel
from ieum.forms.validation import Errors
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.records import (
    STATUS_TITLES,
    FormScope,
    closing_dates_of,
    count_all,
    get_record,
    insert_record,
    iter_all,
    open_form,
    parse_list_query,
    refuse_closed,
    sensitive,
    stated_reason,
    validate,
)
from ieum.services.workspace import Workspace
from ieum.store.models import Attachment, Record

EXPORT_META = (("_id", "번호"), ("_status", "상태"), ("_updated_at", "수정일시"))


def export_count(session: Session, scope: FormScope, args: Mapping[str, Any]) -> int:
    """How many rows ``export_list`` would write."""
    scope.require("export")
    return count_all(session, scope, parse_list_query(scope.tree, args))


def export_list(session: Session, scope: FormScope, args: Mapping[str, Any], *,
                reason: str | None, progress: Callable[[int], None] | None = None,
                every: int = 1000) -> io.BytesIO:
    """The records the list shows (all pages) as an ``.xlsx`` file; audited with the reason.
    ``progress(rows)`` is called every ``every`` rows (a job reports it; it may raise to stop
    the export, and then nothing is audited)."""
    scope.require("export")
    reason = stated_reason(reason)
    query = parse_list_query(scope.tree, args)
    columns = [f for f in scope.tree.fields if f.kind not in ("file", "hidden", "group")]
    masked = [f.name for f in columns if f.kind == "rrn"]
    hidden = [] if scope.can("view_private") else sensitive.private_fields(scope.form)
    count = 0

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal count
        for record in iter_all(session, scope, query):
            count += 1
            if progress is not None and count % every == 0:
                progress(count)
            data = {**record.data}
            for name in masked:
                data[name] = privacy.shown(data.get(name))
            for name in hidden:
                data.pop(name, None)
            yield {**data, "_id": record.id, "_status": str(STATUS_TITLES[record.status]),
                   "_updated_at": record.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")}

    content = excel.export_xlsx(scope.form.title, columns, rows(), extra_columns=EXPORT_META)
    record_event(session, "record.export", scope.actor, facility_id=scope.facility.id,
                 target_type="form", target_id=scope.form.id,
                 detail={"unit": scope.unit.id, "rows": count, "reason": reason})
    session.commit()
    return io.BytesIO(content)


def import_rows(session: Session, scope: FormScope, content: bytes) -> excel.ImportResult:
    """Import ``.xlsx`` rows as records: every row is checked first and one bad row imports
    nothing (the result names its row and column)."""
    scope.require("create")

    def check(row: dict[str, Any]) -> Errors:
        outcome = validate(scope, row)
        errors = dict(outcome.errors)
        try:
            for day in closing_dates_of(scope.form, outcome.data):
                refuse_closed(session, scope, day)
        except ServiceError as closed:
            errors[""] = [closed.message]
        return errors

    result = excel.read_xlsx(scope.form, content, check)
    if not result.ok:
        return result
    for row in result.records:
        insert_record(session, scope, row, draft=False, subject_id=None)
    record_event(session, "record.import", scope.actor, facility_id=scope.facility.id,
                 target_type="form", target_id=scope.form.id,
                 detail={"unit": scope.unit.id, "rows": len(result.records)})
    session.commit()
    return result


def readable_attachment(session: Session, registry: Registry, workspace: Workspace,
                        attachment_id: int, today: dt.date, actor: Actor) -> Attachment:
    """An attachment the user may download: through a record they may see, or one they just
    uploaded and have not saved yet. Anything else is "not found"."""
    missing = ServiceError(_("파일을 찾을 수 없습니다."), status=404)
    attachment = session.scalar(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.facility_id == workspace.facility.id))
    if attachment is None:
        raise missing
    if attachment.record_id is None:
        if attachment.uploaded_by_id != workspace.user.id:
            raise missing
        return attachment
    record = session.get(Record, attachment.record_id)
    try:
        scope = open_form(registry, workspace, record.unit_function, record.form_id, today,
                          actor)
        get_record(session, scope, record.id)
    except ServiceError:
        raise missing from None
    return attachment


def audit_download(session: Session, workspace: Workspace, attachment: Attachment,
                   actor: Actor, reason: str | None) -> None:
    """Record who downloaded which file and why; commits."""
    text = stated_reason(reason)
    record_event(session, "attachment.download", actor, facility_id=workspace.facility.id,
                 target_type="attachment", target_id=attachment.id,
                 detail={"record": attachment.record_id, "field": attachment.field,
                         "content_type": attachment.content_type, "reason": text})
    # (not the file name: "김민준_건강진단서.pdf" would stay in a log that is never erased)
    session.commit()
