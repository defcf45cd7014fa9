"""나의업무 (task inbox), working a task through its generated form, process pages.

Task-page panels (entry-point group ``ieum.task_panels``): a package adds a part to the
subject's page (업무진행상황), a task's page and a process instance's page with a callable
``panel(view: PanelView) -> ieum.web.panels.Panel | None``. ``view.page`` says which page it
is (``"subject"``, ``"task"``, ``"instance"``); ``None`` shows nothing. The page includes the
panel's template in the slot ``"main"`` (below the page's heading).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import CombinedMultiDict

from ieum.access.audit import Actor
from ieum.definitions import Registry, extensions
from ieum.forms import wtf
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, documents, records
from ieum.services import subjects as subject_service
from ieum.services import workflows as flows
from ieum.services.records import views as record_views
from ieum.services.subjects import cases
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.context import actor_for, db_session, functions, registry, today
from ieum.web.panels import Panel, collect
from ieum.web.records import subject_options, uploader

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

bp = Blueprint("tasks", __name__, url_prefix="/f/<facility_code>")

#: Processes whose tasks are worked on a page of their own (process id -> endpoint taking
#: ``facility_code`` and ``instance_id``), registered by the blueprint that owns it.
TASK_PAGES: dict[str, str] = {}
DUE_FILTERS = {"overdue": _l("기한 지남"), "today": _l("오늘까지"), "week": _l("7일 안")}
#: shown through the filter ``state`` (translated as states, msgctxt "상태")
STATUS_TITLES = {"running": "진행 중", "completed": "완료", "error": "오류", "cancelled": "취소"}


@dataclass(frozen=True)
class PanelView:
    """What a task-page panel is given: the page, the open workspace and what the page
    shows. ``session`` is the request's; a panel reads through services and commits only
    what it must (an audited view)."""

    page: str  # "subject", "task" or "instance"
    ws: Workspace
    session: Session
    registry: Registry
    today: dt.date
    actor: Actor
    subject_id: int | None = None
    task: flows.Task | None = None  # the store's rows, named through the service
    instance: flows.ProcessInstance | None = None


def task_panels(ws: Workspace, page: str, **shown) -> list[Panel]:  # noqa: ANN003
    """The panels the installed packages give for this page (``ieum.task_panels``)."""
    return collect(extensions.TASK_PANELS, PanelView(
        page, ws, db_session(), registry(), today(), actor_for(current_user.row), **shown))


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


def runtime() -> flows.Runtime:
    return flows.Runtime(registry(), functions(), today(), actor_for(current_user.row))


def process_title(instance) -> str:  # noqa: ANN001 - a ProcessInstance
    process = registry().processes.get(instance.process_id)
    return content_text(process.name) if process else instance.process_id


def _page(ws: Workspace, **context):  # noqa: ANN003, ANN202
    context.setdefault("unit", None)
    return dict(ws=ws, profile=registry().profiles[ws.facility.profile_code],
                status_titles=STATUS_TITLES, process_title=process_title, today=today(),
                **context)


@bp.get("/tasks/")
@login_required
def inbox(facility_code: str):
    ws = _workspace(facility_code)
    query = flows.InboxQuery(
        subject_id=request.args.get("subject", type=int),
        unit_id=request.args.get("unit") or None,
        due=request.args.get("due") if request.args.get("due") in DUE_FILTERS else None,
        mine_only=request.args.get("mine") == "1",
        approvals_only=request.args.get("approvals") == "1")
    items = flows.inbox(db_session(), ws, query, today(), registry=registry())
    units = {item.unit_id: item.title for group in ws.menu for item in group.items}
    everywhere = registry().unit_functions

    def unit_title(unit_id: str) -> str:  # the menu's title; a unit outside it by its own
        return units.get(unit_id) or (everywhere[unit_id].title if unit_id in everywhere
                                      else unit_id)
    return render_template("tasks/inbox.html", **_page(
        ws, items=items, query=query, units=units, unit_title=unit_title,
        due_filters=DUE_FILTERS,
        lines=documents.inbox_lines(db_session(), registry(), ws, items),
        people=subject_service.picker(db_session(), ws.facility, limit=1000),
        counts=flows.inbox_counts(db_session(), ws, today(), registry())))


@bp.route("/tasks/<int:task_id>", methods=["GET", "POST"])
@login_required
def work(facility_code: str, task_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    task = flows.get_task(session, ws, task_id)
    instance = task.instance
    if request.method == "GET" and instance.process_id in TASK_PAGES:
        return redirect(url_for(TASK_PAGES[instance.process_id], facility_code=facility_code,
                                instance_id=instance.id))
    scope = flows.task_scope(runtime(), ws, task)
    errors: dict[str, list[str]] = {}
    bound = wtf.bind(scope.form, subjects=subject_options(scope)) if scope else None
    status = 200
    if request.method == "POST":
        data: dict = {}
        if scope is not None:
            bound = wtf.bind(scope.form, formdata=CombinedMultiDict((request.files,
                                                                     request.form)),
                             subjects=subject_options(scope))
            data, errors = wtf.read(scope.form, bound, upload=uploader(scope),
                                    formdata=request.form)
        try:
            if errors:
                raise records.FormInvalid(errors, data)
            flows.complete_task(session, runtime(), ws, task_id, data)
        except records.FormInvalid as invalid:
            session.rollback()
            errors, status = {**invalid.errors, **errors}, 400
        except ServiceError as refused:
            if refused.status not in (403, 409):
                raise
            session.rollback()
            flash(refused.message, "warning")
            return redirect(url_for(".inbox", facility_code=facility_code))
        else:
            flash(_("‘%(task)s’ 업무를 마쳤습니다.", task=content_text(task.title)), "success")
            return redirect(url_for(".instance", facility_code=facility_code,
                                    instance_id=instance.id))
        task = flows.get_task(session, ws, task_id)
        instance = task.instance
    return render_template("tasks/work.html", **_page(
        ws, task=task, instance=instance, scope=scope, bound=bound, errors=errors,
        panels=task_panels(ws, "task", subject_id=task.subject_id, task=task,
                           instance=instance),
        tree=scope.tree if scope else None, attachments={},
        instructions=flows.task_instructions(runtime(), task),
        may_work=flows.may_work(ws, task), history=flows.instance_tasks(session, instance),
        documents=documents.of_instance(session, registry(), ws, instance, today(),
                                        actor_for(current_user.row)),
        steps=flows.progress(session, registry(), instance))), status


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(facility_code: str, task_id: int):
    ws = _workspace(facility_code)
    flows.claim_task(db_session(), runtime(), ws, task_id)
    flash(_("업무를 맡았습니다."), "success")
    return redirect(url_for(".work", facility_code=facility_code, task_id=task_id))


@bp.get("/u/<unit_id>/processes/")
@login_required
def processes(facility_code: str, unit_id: str):
    ws = _workspace(facility_code)
    unit = registry().unit_functions.get(unit_id)
    if unit is None or unit_id not in registry().profiles[ws.facility.profile_code].unit_ids:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    if not ws.permissions.can(unit_id, "view"):
        raise ServiceError(_("이 작업을 할 권한이 없습니다."), status=403)
    status = request.args.get("status") if request.args.get("status") in STATUS_TITLES else None
    items = flows.instances_of(db_session(), ws, unit_id, status=status)
    startable = [registry().processes[p] for p in unit.processes
                 if ws.permissions.can(unit_id, "create")
                 and flows.message_started(registry().processes[p]) is None]
    return render_template("tasks/processes.html", **_page(
        ws, unit=unit, items=items, startable=startable, status=status,
        process_titles={p: registry().processes[p].name for p in unit.processes
                        if p in registry().processes}))


@bp.post("/u/<unit_id>/processes/<process_id>/start")
@login_required
def start(facility_code: str, unit_id: str, process_id: str):
    ws = _workspace(facility_code)
    instance = flows.start_process(db_session(), runtime(), ws, unit_id, process_id,
                                   subject_id=request.form.get("subject", type=int))
    flash(_("업무를 시작했습니다."), "success")
    ready = [t for t in flows.instance_tasks(db_session(), instance) if t.state == "ready"
             and flows.may_work(ws, t)]
    if ready:
        return redirect(url_for(".work", facility_code=facility_code, task_id=ready[0].id))
    return redirect(url_for(".instance", facility_code=facility_code, instance_id=instance.id))


@bp.get("/processes/<int:instance_id>")
@login_required
def instance(facility_code: str, instance_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    item = flows.get_instance(session, ws, instance_id)
    process = registry().processes.get(item.process_id)
    return render_template("tasks/instance.html", **_page(
        ws, instance=item, process=process, steps=flows.progress(session, registry(), item),
        panels=task_panels(ws, "instance", subject_id=item.subject_id, instance=item),
        tasks=flows.instance_tasks(session, item),
        may_retry=item.status == "error" and (ws.permissions.can(item.unit_function, "approve")
                                              or ws.user.is_platform_admin)))


@bp.post("/processes/<int:instance_id>/retry")
@login_required
def retry(facility_code: str, instance_id: int):
    ws = _workspace(facility_code)
    item = flows.retry_instance(db_session(), runtime(), ws, instance_id)
    if item.status == "error":
        flash(_("다시 실행했지만 오류가 남아 있습니다: %(error)s", error=item.error_message),
              "danger")
    else:
        flash(_("다시 실행했습니다."), "success")
    return redirect(url_for(".instance", facility_code=facility_code, instance_id=instance_id))


@bp.get("/subjects/<int:subject_id>")
@login_required
def subject(facility_code: str, subject_id: int):
    """A subject's work in progress: each process as a step bar (업무진행상황)."""
    ws = _workspace(facility_code)
    session = db_session()
    person = flows.get_subject(session, ws, subject_id)
    items = [(item, flows.progress(session, registry(), item))
             for item in flows.subject_instances(session, ws, subject_id)]
    return render_template("tasks/subject.html", **_page(
        ws, subject=person, items=items, units=registry().unit_functions,
        panels=task_panels(ws, "subject", subject_id=subject_id),
        forms=registry().forms, accepts=cases.accepts, is_closed=cases.is_closed,
        record_groups=record_views.subject_records(session, registry(), ws, subject_id, today(),
                                              actor_for(current_user.row))))


@bp.get("/search")
@login_required
def search(facility_code: str):
    """통합 검색: people by name or birth date in the facilities where the user's grants show
    subjects (a unit with subject records they may view), each linked to its page."""
    ws = _workspace(facility_code)
    content, session, day = registry(), db_session(), today()
    allowed = []
    for facility in ws.facilities:
        there = ws if facility.id == ws.facility.id else open_workspace(
            session, content, current_user.row, facility.code, day)
        if any(content.unit_functions[item.unit_id].record_subject != "none"
               for group in there.menu for item in group.items):
            allowed.append(facility)
    text = request.args.get("q", "")
    found = subject_service.find_people(session, allowed, text)
    return render_template("tasks/search.html", **_page(
        ws, text=text.strip()[:50], found=found, many=len(allowed) > 1))
