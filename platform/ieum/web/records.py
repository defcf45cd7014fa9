"""Generated screens of a unit function's forms: list, new, detail, edit, delete, print, Excel.

Handlers only translate HTTP into one service call and render; the rules are in
``ieum.services.records`` and ``ieum.forms``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.datastructures import CombinedMultiDict

from ieum.forms import excel, wtf
from ieum.forms.engine import hidden_fields
from ieum.forms.fields import Field, field_tree, file_ids
from ieum.i18n import gettext as _
from ieum.services import ServiceError, jobs, records, subjects
from ieum.services.records import attachments as files
from ieum.services.records import io as record_io
from ieum.services.records import sensitive
from ieum.services.storage import BlobStore
from ieum.services.subjects import cases
from ieum.services.workspace import open_workspace
from ieum.web import jobs as jobs_web
from ieum.web.context import actor_for, database, db_session, registry, today
from ieum.web.record_actions import record_actions
from ieum.web.template_helpers import field_value, local_time, status_title

bp = Blueprint("records", __name__, url_prefix="/f/<facility_code>/u/<unit_id>/<form_id>")
files_bp = Blueprint("attachments", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def form_scope(facility_code: str, unit_id: str, form_id: str) -> records.FormScope:
    workspace = open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    return records.open_form(registry(), workspace, unit_id, form_id, today(),
                             actor_for(current_user.row))


def attachment_folder() -> BlobStore:
    """Where attachments are kept (``IEUM_FILE_STORE``: the instance folder, the database or
    S3); the name stays from when it was always a folder."""
    return current_app.extensions["ieum.files"]


def subject_options(scope: records.FormScope) -> list[tuple[int, str]]:
    """Choices of ``subjects`` fields: the facility's subjects."""
    if not any(item.kind == "subjects" for item in scope.tree.fields):
        return []
    return [(person.id, f"{person.name} ({person.birth_date})" if person.birth_date
             else person.name) for person in subjects.picker(db_session(), scope.facility,
                                                             limit=1000)]


def uploader(scope: records.FormScope):  # noqa: ANN202 - the engine's upload callback
    def upload(item: Field, storage) -> int:  # noqa: ANN001 - a werkzeug FileStorage
        try:
            kept = files.store_upload(db_session(), attachment_folder(), scope.facility,
                                      scope.user, item, storage.filename, storage.stream)
        except ServiceError as refused:
            raise ValueError(refused.message) from None
        g.setdefault("ieum_uploads", []).append((kept.id, kept.storage_key))
        return kept.id
    return upload


def discard_unsaved_uploads(_error: BaseException | None = None) -> None:
    """After a request: files whose attachment row was rolled back (the form did not save)
    are removed from disk, so a refused form leaves nothing behind."""
    uploads = g.pop("ieum_uploads", None)
    if uploads:
        files.discard_unsaved(database(), attachment_folder(), uploads)


def _page(scope: records.FormScope, **context):  # noqa: ANN003, ANN202
    content = registry()
    profile = content.profiles[scope.facility.profile_code]
    unit_title = next((item.title for group in scope.workspace.menu for item in group.items
                       if item.unit_id == scope.unit.id), scope.unit.title)
    return dict(ws=scope.workspace, profile=profile, unit=scope.unit, unit_title=unit_title,
                scope=scope, tree=scope.tree, **context)


@bp.get("/")
@login_required
def index(facility_code: str, unit_id: str, form_id: str):
    scope = form_scope(facility_code, unit_id, form_id)
    query = records.parse_list_query(scope.tree, request.args)
    page = records.list_records(db_session(), scope, query, count_cap=records.COUNT_CAP,
                                rows=True)
    return render_template("records/list.html", **_page(
        scope, page=page, query=query, rows=_shown_rows(scope, page.items),
        subject_labels=_subject_labels(scope, page.items)))


@dataclass(frozen=True, slots=True)
class ListRow:
    """One line of the list as shown: its list columns' texts, status and time."""

    id: int
    subject_id: int | None
    status: str
    status_text: str
    cells: list[str]
    updated: str


def _shown_rows(scope: records.FormScope, items) -> list[ListRow]:  # noqa: ANN001
    """The page's rows as the list shows them, each distinct value of a column and each
    status put into words once per page (the same words the template filters give)."""
    columns = scope.tree.list_columns
    words: dict[tuple, str] = {}
    statuses: dict[str, str] = {}

    def shown(item: Field, value) -> str:  # noqa: ANN001
        try:
            key = (item.name, type(value), value)
            text = words.get(key)
        except TypeError:  # a list or an object: not kept
            return field_value(item, value)
        if text is None:
            text = words[key] = field_value(item, value)
        return text

    found = []
    for row in items:
        data = row.data
        status = statuses.get(row.status)
        if status is None:
            status = statuses[row.status] = status_title(row.status)
        found.append(ListRow(row.id, row.subject_id, row.status, status,
                             [shown(item, data.get(item.name)) for item in columns],
                             local_time(row.updated_at)))
    return found


def _subject_labels(scope: records.FormScope, items) -> dict[int, str] | None:  # noqa: ANN001
    """Whose record each row is (대상자 column), or None when the unit's records are about no
    subject or the form registers subjects itself (its own columns name them)."""
    registry_form = (scope.unit.subject_registry or {}).get("form")
    if scope.unit.record_subject == "none" or registry_form == scope.form.id:
        return None
    return subjects.labels(db_session(), scope.facility, (r.subject_id for r in items))


def _submitted(scope: records.FormScope, previous: dict | None = None):  # noqa: ANN202
    formdata = CombinedMultiDict((request.files, request.form))
    bound = wtf.bind(scope.form, formdata=formdata, subjects=subject_options(scope))
    data, read_errors = wtf.read(scope.form, bound, upload=uploader(scope), previous=previous,
                                 formdata=request.form)
    return bound, data, read_errors


def _subject_choice(scope: records.FormScope, record=None):  # noqa: ANN001, ANN202
    """The subject picker of a new record: (choices, chosen id), or None when the unit's
    records are not about a subject or this form registers subjects itself."""
    registry_form = (scope.unit.subject_registry or {}).get("form")
    if record is not None or scope.unit.record_subject == "none" \
            or registry_form == scope.form.id:
        return None
    chosen = request.values.get("subject_id", type=int) or request.args.get("subject", type=int)
    return subjects.picker(db_session(), scope.facility, limit=500), chosen


def _closed_case(scope: records.FormScope, subject_id: int | None) -> str | None:
    """Why no new record of this form may be written for the subject (a closed case)."""
    person = subjects.subject_by_id(db_session(), subject_id) if subject_id else None
    if person is None or person.facility_id != scope.facility.id \
            or cases.accepts(person, scope.unit.id, scope.form.id):
        return None
    return cases.CLOSED


def _render_edit(scope, bound, errors, record=None, status=200):  # noqa: ANN001, ANN202
    choice = _subject_choice(scope, record)
    closed = _closed_case(scope, choice[1]) if choice and request.method == "GET" else None
    return render_template("records/edit.html", **_page(
        scope, bound=bound, errors=errors, record=record, closed_case=closed,
        subject_choice=choice,
        attachments=_attachments(scope, record.data if record else {}))), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(facility_code: str, unit_id: str, form_id: str):
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("create")
    if request.method == "GET":
        known = records.prefill(db_session(), scope, request.args.get("subject_id", type=int)
                                or request.args.get("subject", type=int))
        return _render_edit(scope, wtf.bind(scope.form, data=known or None,
                                            subjects=subject_options(scope)), {})
    bound, data, read_errors = _submitted(scope)
    draft = request.form.get("action") == "draft"
    subject_id = request.form.get("subject_id", type=int) or request.args.get(
        "subject", type=int)
    try:
        record = records.create_record(db_session(), scope, data, draft=draft,
                                       subject_id=subject_id, unread=read_errors)
    except records.FormInvalid as invalid:
        return _render_edit(scope, bound, {**invalid.errors, **read_errors}, status=400)
    except ServiceError as refused:  # e.g. a closed case, a closed period: keep what was typed
        if refused.status != 409:
            raise
        return _render_edit(scope, bound, {refused.field or "": [refused.message]}, status=409)
    flash(_("임시저장했습니다.") if draft else _("저장했습니다."), "success")
    return redirect(url_for(".detail", facility_code=facility_code, unit_id=unit_id,
                            form_id=form_id, record_id=record.id))


def _attachments(scope: records.FormScope, data: dict) -> dict:
    return files.attachments_of(db_session(), scope.facility,
                                file_ids(scope.tree.fields, data))


def _shown_page(template: str, scope: records.FormScope, record_id: int,
                revealed: dict[str, str] | None = None, reveal_error: str | None = None):
    session = db_session()
    record = records.get_record(session, scope, record_id)
    form = records.form_of(session, registry(), record)
    data, private_hidden = records.shown_data(scope, form, record)
    records.audit_view(session, scope, record, form)
    person = subjects.subject_by_id(session, record.subject_id)
    return render_template(template, **_page(
        scope, record=record, shown=field_tree(form), data=data, revealed=revealed or {},
        private_hidden=private_hidden, revealable=sensitive.rrn_fields(form),
        not_applicable=hidden_fields(form, record.data, scope.today, scope.parameters),
        subject=person, subject_names=_subject_names(scope, record.data),
        reveal_error=reveal_error, attachments=_attachments(scope, record.data),
        record_actions=record_actions(scope.unit, scope.form, record, scope.workspace)))


def _subject_names(scope: records.FormScope, data: dict) -> dict[int, str]:
    ids = [i for item in scope.tree.fields if item.kind == "subjects"
           for i in (data.get(item.name) or []) if isinstance(i, int)]
    return subjects.names(db_session(), scope.facility, ids)


@bp.get("/<int:record_id>")
@login_required
def detail(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = form_scope(facility_code, unit_id, form_id)
    return _shown_page("records/detail.html", scope, record_id)


@bp.post("/<int:record_id>/reveal/<field_name>")
@login_required
def reveal(facility_code: str, unit_id: str, form_id: str, record_id: int, field_name: str):
    """Show one full resident number on the detail page (grant ``reveal_rrn``, a reason)."""
    scope = form_scope(facility_code, unit_id, form_id)
    try:
        number = records.reveal_rrn(db_session(), registry(), scope, record_id, field_name,
                                    request.form.get("reason"))
    except ServiceError as refused:
        if refused.status != 400:
            raise
        return _shown_page("records/detail.html", scope, record_id,
                           reveal_error=refused.message), 400
    return _shown_page("records/detail.html", scope, record_id, revealed={field_name: number})


@bp.get("/<int:record_id>/print")
@login_required
def print_view(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = form_scope(facility_code, unit_id, form_id)
    return _shown_page("records/print.html", scope, record_id)


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("update")
    session = db_session()
    record = records.get_record(session, scope, record_id)
    form = records.form_of(session, registry(), record)
    edit_scope = records.FormScope(scope.workspace, scope.unit, form, scope.parameters,
                                   scope.today, scope.actor)
    if record.status == "locked":
        raise ServiceError(_("확정된 기록은 수정할 수 없습니다. 사례가 종결되면 기록이 잠깁니다."),
                           status=409)
    if request.method == "GET":
        shown, _hidden = records.shown_data(scope, form, record)
        return _render_edit(edit_scope, wtf.bind(form, data=shown,
                                                subjects=subject_options(edit_scope)), {},
                            record)
    bound, data, read_errors = _submitted(edit_scope, previous=record.data)
    draft = request.form.get("action") == "draft"
    try:
        records.update_record(session, registry(), scope, record_id, data,
                              expected_version=request.form.get("version", type=int),
                              draft=draft, unread=read_errors)
    except records.FormInvalid as invalid:
        return _render_edit(edit_scope, bound, {**invalid.errors, **read_errors}, record, 400)
    except ServiceError as refused:
        if refused.status != 409:
            raise
        fresh = records.get_record(session, scope, record_id)
        return _render_edit(edit_scope, bound, {"": [refused.message]}, fresh, 409)
    flash(_("임시저장했습니다.") if draft else _("저장했습니다."), "success")
    return redirect(url_for(".detail", facility_code=facility_code, unit_id=unit_id,
                            form_id=form_id, record_id=record_id))


@bp.route("/<int:record_id>/delete", methods=["GET", "POST"])
@login_required
def delete(facility_code: str, unit_id: str, form_id: str, record_id: int):
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("delete")
    record = records.get_record(db_session(), scope, record_id)
    if request.method == "GET":
        return render_template("records/delete.html", **_page(scope, record=record))
    records.delete_record(db_session(), scope, record_id,
                          expected_version=request.form.get("version", type=int))
    flash(_("삭제했습니다."), "success")
    return redirect(url_for(".index", facility_code=facility_code, unit_id=unit_id,
                            form_id=form_id))


@bp.route("/export.xlsx", methods=["GET", "POST"])
@login_required
def export(facility_code: str, unit_id: str, form_id: str):
    """Excel export: the person states why they download (the rule for personal data)."""
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("export")
    def reason_page(hidden, error: str | None = None, status: int = 200):  # noqa: ANN001, ANN202
        return render_template("records/reason.html", **_page(
            scope, action=_("엑셀 내려받기"), hidden=hidden, error=error)), status

    if request.method == "GET":
        return reason_page(request.args)
    filters = {k: v for k, v in request.form.items() if k not in ("csrf_token", "reason")}
    try:
        rows = record_io.export_count(db_session(), scope, filters)
        if rows > current_app.config.get("IEUM_EXPORT_JOB_ROWS", 5000):
            # a large list is written by a worker; the job page shows progress and the file
            return export_job(scope, filters, rows)
        content = record_io.export_list(db_session(), scope, filters,
                                        reason=request.form.get("reason", ""))
    except ServiceError as refused:
        if refused.status != 400:
            raise
        return reason_page(filters, refused.message, 400)
    name = f"{scope.form.title}_{today():%Y%m%d}.xlsx"
    return send_file(content, mimetype=XLSX, as_attachment=True, download_name=name)


def export_job(scope: records.FormScope, filters: dict, rows: int):  # noqa: ANN201
    reason = records.stated_reason(request.form.get("reason", ""))  # refused now, not in the worker
    job = jobs.submit(db_session(), jobs_web.runtime(), "records.export",
                      {"facility": scope.facility.code, "unit": scope.unit.id,
                       "form": scope.form.id, "filters": filters, "reason": reason,
                       "rows": rows},
                      owner=scope.user, actor=scope.actor, facility=scope.facility,
                      title=f"엑셀 내려받기: {scope.form.title} ({rows:,}건)")
    return jobs_web.after_submit(job)


@bp.get("/template.xlsx")
@login_required
def template(facility_code: str, unit_id: str, form_id: str):
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("create")
    return send_file(io.BytesIO(excel.template_xlsx(scope.form)), mimetype=XLSX, as_attachment=True,
                     download_name=f"{scope.form.title}_양식.xlsx")


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_rows(facility_code: str, unit_id: str, form_id: str):
    scope = form_scope(facility_code, unit_id, form_id)
    scope.require("create")
    if request.method == "GET":
        return render_template("records/import.html", **_page(scope, result=None))
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("올릴 엑셀 파일을 고르세요."), "warning")
        return render_template("records/import.html", **_page(scope, result=None)), 400
    result = record_io.import_rows(db_session(), scope, upload.read())
    if result.ok and not result.records:
        flash(_("가져올 자료가 없습니다. 머리글 아래 줄에 내용을 입력하세요."), "warning")
        return render_template("records/import.html", **_page(scope, result=None)), 400
    if not result.ok:
        return render_template("records/import.html", **_page(scope, result=result)), 400
    flash(_("%(n)s건을 가져왔습니다.", n=len(result.records)), "success")
    return redirect(url_for(".index", facility_code=facility_code, unit_id=unit_id,
                            form_id=form_id))


@files_bp.route("/f/<facility_code>/files/<int:attachment_id>", methods=["GET", "POST"])
@login_required
def download(facility_code: str, attachment_id: int):
    """A file download, after the person states why (audited with the reason)."""
    workspace = open_workspace(db_session(), registry(), current_user.row, facility_code, today())
    actor = actor_for(current_user.row)
    attachment = record_io.readable_attachment(db_session(), registry(), workspace,
                                             attachment_id, today(), actor)
    def reason_page(error: str | None = None, status: int = 200):  # noqa: ANN202
        return render_template("records/file_reason.html", ws=workspace, unit=None,
                               profile=registry().profiles[workspace.facility.profile_code],
                               attachment=attachment, error=error), status

    if request.method == "GET":
        return reason_page()
    try:
        record_io.audit_download(db_session(), workspace, attachment, actor,
                                 request.form.get("reason", ""))
    except ServiceError as refused:
        return reason_page(refused.message, refused.status)
    return send_file(io.BytesIO(files.file_content(attachment_folder(), attachment)),
                     mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename)
