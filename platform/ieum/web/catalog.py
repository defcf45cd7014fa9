"""복지사업 신청: published programs in every facility's menu, applications filed on behalf of
people (신청대행), the facility's list of applications, 복지멤버십 (which programs a household
likely qualifies for), and the 시·군·구 officials' investigation screens.

Published programs are read from the database on every request, so a program a reviewer
publishes shows in every facility's menu at once, without a restart.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import Form

from ieum.access.officials import public_roles
from ieum.catalog.income import TIER_LABELS
from ieum.catalog.variables import VARIABLES
from ieum.forms import wtf
from ieum.forms.fields import field_tree
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, subjects
from ieum.services import catalog as programs
from ieum.services import workflows as flows
from ieum.services.catalog import applications as apps
from ieum.services.catalog import decisions
from ieum.services.records import sensitive
from ieum.services.workspace import Workspace, open_workspace
from ieum.web.context import actor_for, db_session, functions, page_frame, registry, today

bp = Blueprint("catalog", __name__)
FORM_ERRORS = (400, 409)


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


def _runtime() -> flows.Runtime:
    return flows.Runtime(registry(), functions(), today(), actor_for(current_user.row))


def _page(ws: Workspace, template: str, status: int = 200, **context: Any):  # noqa: ANN202
    context.setdefault("unit", None)
    return render_template(template, ws=ws, profile=registry().profiles[ws.facility.profile_code],
                           status_titles=apps.STATUS_TITLES,
                           decision_titles=apps.DECISION_TITLES, **context), status


@bp.app_template_global("catalog_menu")
def catalog_menu(ws: Workspace | None) -> list[programs.MenuEntry]:
    """The published programs for the facility menu (empty for those who may not apply)."""
    if ws is None or ws.facility is None or not apps.may_view(ws):
        return []
    frame = page_frame()  # read with the navbar's facts, in one statement
    return frame.programs if frame is not None else programs.published_menu(db_session())


# --- sections of the application form -------------------------------------------------------------

def bind_section(section: apps.Section, *, formdata: Any = None,
                 data: dict[str, Any] | None = None) -> Form:
    """A WTForms form for one section, its inputs named with the section's prefix."""
    cls = wtf.form_class(section.form)
    kwargs = {"prefix": f"{section.prefix}-"} if section.prefix else {}
    if formdata is not None:
        return cls(formdata=formdata, **kwargs)
    tree = field_tree(section.form)
    if data is None:
        data = {f.name: f.schema["default"] for f in tree.fields if "default" in f.schema}
    return cls(data=wtf.form_data(tree.fields, data), **kwargs)


def section_errors(errors: dict[str, list[str]], key: str) -> dict[str, list[str]]:
    """The errors of one section, with paths relative to it."""
    out: dict[str, list[str]] = {}
    for path, messages in errors.items():
        if path == key:
            out.setdefault("", []).extend(messages)
        elif path.startswith(key + "."):
            out[path[len(key) + 1:]] = messages
    return out


@bp.app_template_global("catalog_bind")
def _bind_global(section: apps.Section) -> Form:
    return bind_section(section)


@bp.app_template_filter("catalog_tree")
def _tree_filter(form: Any) -> Any:
    return field_tree(form)


@bp.app_template_global("catalog_section_errors")
def _section_errors_global(errors: dict[str, list[str]], key: str) -> dict[str, list[str]]:
    return section_errors(errors, key)


# --- facility: programs and applying ----------------------------------------------------

@bp.get("/f/<facility_code>/programs/")
@login_required
def programs_list(facility_code: str):
    ws = _workspace(facility_code)
    if not apps.may_view(ws):
        raise ServiceError(_("복지사업 신청 메뉴를 쓸 권한이 없습니다."), status=403)
    return _page(ws, "catalog/programs.html", published=programs.published_programs(db_session()),
                 may_apply=apps.may_apply(ws), selected=request.args.get("p", ""))


def _subject_choices(ws: Workspace) -> list[tuple[int, str]]:
    return [(s.id, f"{s.name} ({s.birth_date})" if s.birth_date else s.name)
            for s in subjects.search(db_session(), ws.facility, limit=1000)]


@bp.route("/f/<facility_code>/programs/apply", methods=["GET", "POST"])
@login_required
def apply(facility_code: str):
    ws = _workspace(facility_code)
    if not apps.may_apply(ws):
        raise ServiceError(_("복지사업 신청을 대행할 권한이 없습니다."), status=403)
    session = db_session()
    codes = [c for c in (request.form.getlist("p") if request.method == "POST"
                         else request.args.getlist("p")) if c][:10]
    published = {p.code: p for p in programs.published_programs(session)}
    chosen = [published[c] for c in dict.fromkeys(codes) if c in published]
    if not chosen:
        flash(_("신청할 복지사업을 고르세요."), "warning")
        return redirect(url_for(".programs_list", facility_code=facility_code))
    sections = apps.form_sections([(p.version_id, p.definition) for p in chosen])
    errors: dict[str, list[str]] = {}
    status = 200
    subject_id = request.values.get("subject_id", type=int)
    person_name = request.values.get("person_name", "").strip()[:100]
    if request.method == "POST":
        bounds = {s.key: bind_section(s, formdata=request.form) for s in sections}
        parts: dict[str, dict[str, Any]] = {}
        for section in sections:
            data, unreadable = wtf.read(section.form, bounds[section.key],
                                        formdata=request.form)
            parts[section.key] = data
            errors.update({f"{section.key}.{path}": m for path, m in unreadable.items()})
        filing = apps.Filing(
            codes=[p.code for p in chosen], subject_id=subject_id, person_name=person_name,
            common=parts["common"], household=parts["household"],
            annexes={s.code: parts[s.key] for s in sections if s.code}, input_errors=errors)
        try:
            filed = apps.file_applications(session, _runtime(), ws, filing)
        except ServiceError as refused:
            session.rollback()
            if refused.status not in FORM_ERRORS:
                raise
            errors = getattr(refused, "errors", None) or {"": [refused.message]}
            status = refused.status
        else:
            automatic = sum(1 for a in filed if a.decided_by == "system")
            flash(_("%(n)s건을 신청했습니다. 자동 결정 %(automatic)s건, "
                    "조사 대기 %(waiting)s건입니다.", n=len(filed), automatic=automatic,
                    waiting=len(filed) - automatic), "success")
            if len(filed) == 1:
                return redirect(url_for(".application", facility_code=facility_code,
                                        application_id=filed[0].id))
            return redirect(url_for(".applications", facility_code=facility_code))
    else:
        bounds = {s.key: bind_section(s) for s in sections}
    return _page(ws, "catalog/apply.html", status, chosen=chosen, sections=sections,
                 bounds=bounds, errors=errors, subjects=_subject_choices(ws),
                 subject_id=subject_id, person_name=person_name)


@bp.get("/f/<facility_code>/applications/")
@login_required
def applications(facility_code: str):
    ws = _workspace(facility_code)
    query = apps.ApplicationQuery(status=request.args.get("status", ""),
                                  program=request.args.get("program", "")[:64],
                                  text=request.args.get("q", "")[:100],
                                  page=max(1, request.args.get("page", 1, type=int) or 1))
    rows, total = apps.list_applications(db_session(), ws, query)
    return _page(ws, "catalog/applications.html", rows=rows, total=total, query=query,
                 page_size=apps.PAGE_SIZE, published=programs.published_programs(db_session()))


def _shown(application: Any) -> dict[str, Any]:
    data, _hidden = sensitive.shown(apps.common_form(), application.common_data,
                                    sees_private=True)
    return data


@bp.get("/f/<facility_code>/applications/<int:application_id>")
@login_required
def application(facility_code: str, application_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    found = apps.get_application(session, ws, application_id, actor_for(current_user.row))
    version = found.program_version
    definition = programs.definition_of(version)
    return _page(ws, "catalog/application.html", application=found, version=version,
                 definition=definition, common=_shown(found),
                 sections=apps.form_sections([(version.id, definition)]),
                 bundle=apps.bundle_of(session, found),
                 steps=apps.procedure_steps(session, found),
                 may_withdraw=found.status == "investigating" and apps.may_apply(ws))


@bp.post("/f/<facility_code>/applications/<int:application_id>/withdraw")
@login_required
def withdraw(facility_code: str, application_id: int):
    """신청 취하 (the detail page asks for the reason and a confirmation)."""
    ws = _workspace(facility_code)
    session = db_session()
    try:
        apps.withdraw(session, ws, application_id, request.form.get("reason"),
                      actor_for(current_user.row),
                      expected_version=request.form.get("row_version", type=int))
    except ServiceError as refused:
        session.rollback()
        if refused.status not in FORM_ERRORS:
            raise
        flash(refused.message, "danger")
    else:
        flash(_("신청을 취하했습니다. 신청 기록은 그대로 남습니다."), "success")
    return redirect(url_for(".application", facility_code=facility_code,
                            application_id=application_id))


@bp.route("/f/<facility_code>/programs/likely", methods=["GET", "POST"])
@login_required
def likely(facility_code: str):
    """복지멤버십: the published programs one household likely qualifies for."""
    ws = _workspace(facility_code)
    if not apps.may_view(ws):
        raise ServiceError(_("복지사업 신청 메뉴를 쓸 권한이 없습니다."), status=403)
    section = apps.Section("household", _("가구 소득·재산"), apps.household_form())
    errors: dict[str, list[str]] = {}
    results = None
    status = 200
    if request.method == "POST":
        bound = bind_section(section, formdata=request.form)
        data, unreadable = wtf.read(section.form, bound, formdata=request.form)
        try:
            if unreadable:
                raise apps.ApplicationInvalid({f"household.{k}": v
                                               for k, v in unreadable.items()})
            results = apps.likely_for(db_session(), data, today().year)
        except ServiceError as refused:
            if refused.status not in FORM_ERRORS:
                raise
            errors = getattr(refused, "errors", None) or {"": [refused.message]}
            status = refused.status
    else:
        bound = bind_section(section)
    return _page(ws, "catalog/likely.html", status, section=section, bound=bound,
                 errors=errors, results=results)


# --- 시·군·구: investigation and decision ------------------------------------------------

def _official_roles():  # noqa: ANN202
    """The caller's public roles; investigating is for 시·군·구 officials only (403)."""
    roles = public_roles(db_session(), current_user.row, today())
    if not roles.has(apps.INVESTIGATOR_ROLE):
        abort(403)
    return roles


@bp.get("/catalog/investigations/")
@login_required
def investigations():
    roles = _official_roles()
    status = request.args.get("status", "investigating")
    rows = apps.investigations(db_session(), roles, status=status)
    return render_template("catalog/investigations.html", rows=rows, status=status,
                           status_titles=apps.STATUS_TITLES,
                           decision_titles=apps.DECISION_TITLES)


@bp.route("/catalog/investigations/<int:application_id>", methods=["GET", "POST"])
@login_required
def investigate(application_id: int):
    roles = _official_roles()
    session = db_session()
    # the form of the procedure's investigation task (formJsonSchemaFilename); 404 for an
    # application of another region
    form = apps.decision_form(session, registry(), roles, application_id)
    section = apps.Section("decision", _("조사·결정"), form) if form is not None else None
    errors: dict[str, list[str]] = {}
    status = 200
    bound = None
    if request.method == "POST":
        data: dict[str, Any] = {}
        unreadable: dict[str, list[str]] = {}
        if section is not None:
            bound = bind_section(section, formdata=request.form)
            data, unreadable = wtf.read(section.form, bound, formdata=request.form)
        try:
            if unreadable:
                raise apps.ApplicationInvalid(unreadable)
            apps.decide(session, _runtime(), current_user.row, roles, application_id, data,
                        expected_version=request.form.get("row_version", type=int))
        except ServiceError as refused:
            session.rollback()
            if refused.status not in FORM_ERRORS:
                raise
            errors = getattr(refused, "errors", None) or {"": [refused.message]}
            status = refused.status
        else:
            flash(_("결정을 저장했습니다. 신청 기관에 결과가 통지됩니다."), "success")
            return redirect(url_for(".investigations"))
    elif section is not None:
        bound = bind_section(section)
    found = apps.investigation(session, roles, application_id, actor_for(current_user.row))
    version = found.program_version
    definition = programs.definition_of(version)
    return render_template("catalog/investigate.html", application=found, version=version,
                           definition=definition, common=_shown(found),
                           sections=apps.form_sections([(version.id, definition)]),
                           labels=VARIABLES, tier_labels=TIER_LABELS,
                           section=section, bound=bound, errors=errors,
                           status_titles=apps.STATUS_TITLES,
                           decision_titles=apps.DECISION_TITLES,
                           steps=apps.procedure_steps(session, found)), status


# --- decision records (결정 기록), replay and the notice (결정 통지서) -------------------------

_DIFFERENCE_TITLES = {"program": _l("사업"), "expression": _l("식"), "parameter": _l("매개변수"),
                      "standard": _l("기준"), "step": _l("계산값"), "outcome": _l("결과")}
_METHOD_TITLES = {"exact": _l("정확"), "analytic": _l("정확(식)"), "search": _l("탐색")}


def _decision_page(application_id: int, *, replayed: bool = False):  # noqa: ANN202
    roles = _official_roles()
    session = db_session()
    found = apps.investigation(session, roles, application_id, actor_for(current_user.row))
    version = found.program_version
    definition = programs.definition_of(version)
    record = decisions.latest_record(session, found)
    if record is not None:
        trace = decisions.load_trace(record)
        integrity = decisions.verify_record(session, record)
    else:
        trace = decisions.build_trace(definition, found.household, found.year)
        integrity = []
    exact = today_replay = None
    if replayed and record is not None:
        exact, today_replay = decisions.replay_audited(session, record, today(),
                                                       actor_for(current_user.row))
    changes = decisions.counterfactuals(definition, found.household, found.year)
    return render_template(
        "catalog/decision.html", application=found, version=version, definition=definition,
        record=record, trace=trace, integrity=integrity, tree=decisions.shown_tree(trace),
        exact=exact, today=today_replay, changes=changes, shown=decisions.shown_value,
        kind_titles=decisions.KIND_TITLES, decision_titles=apps.DECISION_TITLES,
        difference_titles=_DIFFERENCE_TITLES, method_titles=_METHOD_TITLES)


@bp.get("/catalog/investigations/<int:application_id>/decision")
@login_required
def decision_record(application_id: int):
    """The decision's trace as a tree, its integrity, counterfactuals (investigator)."""
    return _decision_page(application_id)


@bp.post("/catalog/investigations/<int:application_id>/decision/replay")
@login_required
def decision_replay(application_id: int):
    """Re-evaluate the decision from its record, as decided and under today's rules."""
    return _decision_page(application_id, replayed=True)


@bp.get("/catalog/investigations/<int:application_id>/decision.json")
@login_required
def decision_json(application_id: int):
    roles = _official_roles()
    session = db_session()
    found = apps.investigation(session, roles, application_id, actor_for(current_user.row))
    record = decisions.latest_record(session, found)
    if record is None:
        raise ServiceError(_("아직 결정 기록이 없습니다."), status=404)
    body = decisions.export(session, record, actor_for(current_user.row))
    response = jsonify(body)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decision-{application_id}-{record.id}.json"')
    return response


def _notice_page(found: Any, back: str):  # noqa: ANN202
    notice = decisions.notice(db_session(), found)
    cycle = {"monthly": _("매월"), "yearly": _("매년"), "once": _("1회")}.get(
        notice.definition.delivery_cycle, "")
    return render_template("catalog/notice.html", n=notice, due=decisions.deadline(notice),
                           cycle=cycle, back=back, today=today())


@bp.get("/catalog/investigations/<int:application_id>/notice")
@login_required
def investigation_notice(application_id: int):
    roles = _official_roles()
    found = apps.investigation(db_session(), roles, application_id,
                               actor_for(current_user.row))
    return _notice_page(found, url_for(".decision_record", application_id=application_id))


@bp.get("/f/<facility_code>/applications/<int:application_id>/notice")
@login_required
def application_notice(facility_code: str, application_id: int):
    """결정 통지서, printable, for the facility that filed the application."""
    ws = _workspace(facility_code)
    found = apps.get_application(db_session(), ws, application_id,
                                 actor_for(current_user.row))
    return _notice_page(found, url_for(".application", facility_code=facility_code,
                                       application_id=application_id))
