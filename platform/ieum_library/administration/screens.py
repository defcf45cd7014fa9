"""Screens of the shared library's administration: 급여대장 확정 → 인건비 결의서, 기부금 영수증,
결재선 관리; and the actions they put on a record's detail page.

The blueprint is registered through the entry-point group ``ieum.screens`` (its templates are
in ``templates/library/``); 결재선 관리 joins the 기관 관리 menu by ``admin_menu``. The buttons
on a 급여대장 and the link on 후원금·후원품 records come from :func:`record_actions` (group
``ieum.record_actions``).

Thin handlers: parse, call one service (``payroll``, ``donation_receipts``,
``approval_lines`` of this package), render or redirect. Anything of another facility is "not
found" (404) like everywhere else.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.definitions.model import FormDef, UnitFunction
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Record
from ieum.web.context import actor_for, db_session, functions, registry, today
from ieum.web.record_actions import RecordAction
from ieum_library.administration import approval_lines as line_service
from ieum_library.administration import donation_receipts as receipt_service
from ieum_library.administration import payroll as payroll_service
from ieum_library.administration import submission

bp = Blueprint("library", __name__, url_prefix="/f/<facility_code>",
               template_folder="templates")
#: Links of the 기관 관리 menu (``ieum.screens``: the kernel's layout shows them to admins).
bp.admin_menu = ((_l("결재선 관리"), "approval_lines"),)


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


# --- actions on a record's detail page (ieum.record_actions) --------------------------------

def record_actions(unit: UnitFunction, form: FormDef, record: Record,
                   workspace: Workspace) -> list[RecordAction]:
    """급여대장 (saved, to an approver): 확정 or its resolution; 후원금·후원품: the receipts."""
    code = workspace.facility.code
    if (unit.id, form.id) == (payroll_service.PAYROLL_UNIT, payroll_service.PAYROLL_FORM) \
            and record.status == "final" and workspace.permissions.can(unit.id, "approve"):
        resolution_id = record.data.get("resolution_id")
        if record.data.get("confirmed") and resolution_id:
            return [RecordAction(
                label=_("결의서 #%(id)s", id=resolution_id), testid="payroll-confirm",
                note=_("확정된 급여대장입니다. 인건비 지출결의서:"),
                url=url_for("records.detail", facility_code=code,
                            unit_id=payroll_service.RESOLUTION_UNIT,
                            form_id=payroll_service.RESOLUTION_FORM, record_id=resolution_id))]
        return [RecordAction(
            label=_("확정하고 인건비 결의서 만들기"), method="post", testid="payroll-confirm",
            note=_("급여대장을 확정하면 급여·제수당·퇴직적립금·사회보험부담금을 합산한 인건비 "
                   "지출결의서(임시저장)가 만들어집니다."),
            confirm=_("급여대장을 확정하면 이 달의 급여대장은 더 이상 고칠 수 없고, 합산한 "
                      "인건비 지출결의서(임시저장)가 만들어집니다."),
            url=url_for("library.confirm_payroll", facility_code=code, record_id=record.id))]
    approval = _approval_actions(unit, form, record, workspace)
    if approval:
        return approval
    if unit.id == receipt_service.UNIT and form.id in (receipt_service.DONATION_FORM,
                                                       receipt_service.DONOR_FORM):
        return [RecordAction(label=_("기부금 영수증 발급·출력 →"), testid="receipts-link",
                             url=url_for("library.receipts", facility_code=code))]
    return []


def _approval_actions(unit: UnitFunction, form: FormDef, record: Record,
                      workspace: Workspace) -> list[RecordAction]:
    """A saved document of a unit with an approval process: 결재 올리기 (or where it is)."""
    content, session, code = registry(), db_session(), workspace.facility.code
    if submission.submission_process(content, unit, form.id) is None \
            or not workspace.permissions.can(unit.id, "create"):
        return []
    running = submission.instance_of(session, record)
    if running is not None and running.status in ("running", "error", "completed") \
            and not submission.may_submit(session, content, unit, record, workspace, running):
        note = (_("결재 중인 문서입니다.") if running.status != "completed"
                else _("결재가 끝난 문서입니다."))
        return [RecordAction(
            label=_("결재 #%(id)s 보기", id=running.id), testid="submit-approval",
            note=note,
            url=url_for("tasks.instance", facility_code=code, instance_id=running.id))]
    if record.status == "draft":
        return [RecordAction(
            label=_("수정"), testid="submit-approval",
            note=_("임시저장된 문서입니다. 수정에서 빠진 항목(재원 등)을 채워 저장하면 결재를 "
                   "올릴 수 있습니다."),
            url=url_for("records.edit", facility_code=code, unit_id=unit.id, form_id=form.id,
                        record_id=record.id))]
    if not submission.may_submit(session, content, unit, record, workspace, running):
        return []
    profile = content.profiles[workspace.facility.profile_code]
    line = line_service.current_line(session, content, workspace.facility, unit.id)
    route = " → ".join([_("담당"), *(content_text(profile.roles[r].title)
                                    if r in profile.roles else r for r in line)])
    return [RecordAction(
        label=_("결재 올리기"), method="post", testid="submit-approval",
        note=_("이 문서를 결재선(%(route)s)으로 올립니다.", route=route),
        url=url_for("library.submit_for_approval", facility_code=code, unit_id=unit.id,
                    form_id=form.id, record_id=record.id))]


@bp.post("/library/approval/<unit_id>/<form_id>/<int:record_id>")
@login_required
def submit_for_approval(facility_code: str, unit_id: str, form_id: str, record_id: int):
    """결재 올리기: the saved document goes to the first approver of the 결재선."""
    ws = _workspace(facility_code)
    rt = flows.Runtime(registry(), functions(), today(), actor_for(current_user.row))
    try:
        instance = submission.submit(db_session(), rt, ws, unit_id, form_id, record_id)
    except ServiceError as refused:
        if refused.status != 409:
            raise
        flash(refused.message, "warning")
        return redirect(url_for("records.detail", facility_code=facility_code,
                                unit_id=unit_id, form_id=form_id, record_id=record_id))
    flash(_("결재를 올렸습니다. 결재자의 ‘결재 대기’에 들어갔습니다."), "success")
    return redirect(url_for("tasks.instance", facility_code=facility_code,
                            instance_id=instance.id))


# --- 급여대장 확정 ------------------------------------------------------------------------------

@bp.post("/library/payroll/<int:record_id>/confirm")
@login_required
def confirm_payroll(facility_code: str, record_id: int):
    """급여대장 확정: writes the 인건비 지출결의서 (draft) and opens it."""
    ws = _workspace(facility_code)
    back = url_for("records.detail", facility_code=facility_code,
                   unit_id=payroll_service.PAYROLL_UNIT, form_id=payroll_service.PAYROLL_FORM,
                   record_id=record_id)
    try:
        done = payroll_service.confirm_payroll(db_session(), registry(), ws, record_id,
                                               today=today(), actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status != 409:
            raise
        flash(refused.message, "danger")
        return redirect(back)
    total = sum(int(item["amount"]) for item in done.resolution.data.get("items") or [])
    amount = f"{total:,}"
    if done.created:
        flash(_("급여대장을 확정하고 인건비 지출결의서(임시저장, %(total)s원)를 만들었습니다. "
                "재원을 고른 뒤 저장하고 결재를 올리세요.", total=amount), "success")
    else:
        flash(_("이미 확정된 급여대장입니다. 만들어 둔 인건비 지출결의서를 엽니다."), "info")
    return redirect(url_for("records.detail", facility_code=facility_code,
                            unit_id=payroll_service.RESOLUTION_UNIT,
                            form_id=payroll_service.RESOLUTION_FORM,
                            record_id=done.resolution.id))


# --- 기부금 영수증 ------------------------------------------------------------------------------

@bp.get("/library/donation-receipts/")
@login_required
def receipts(facility_code: str):
    ws = _workspace(facility_code)
    try:
        year = receipt_service.parse_year(request.args.get("year"), today())
    except ServiceError:
        year, error = today().year, _("연도는 네 자리 숫자로 입력하세요.")
    else:
        error = None
    found = receipt_service.receipts(db_session(), registry(), ws, year, today=today(),
                                     actor=actor_for(current_user.row))
    return render_template("library/receipts.html", ws=ws, unit=None, year=year,
                           profile=registry().profiles[ws.facility.profile_code],
                           receipts=found, error=error, today=today(),
                           can_issue=ws.permissions.can(receipt_service.UNIT, "update")), \
        400 if error else 200


@bp.post("/library/donation-receipts/issue")
@login_required
def issue_receipts(facility_code: str):
    ws = _workspace(facility_code)
    try:
        year = receipt_service.parse_year(request.form.get("year"), today())
        issued = receipt_service.issue(db_session(), registry(), ws, year, today=today(),
                                       actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status not in (400, 409):
            raise
        flash(refused.message, "danger")
        return redirect(url_for(".receipts", facility_code=facility_code))
    if issued:
        flash(_("%(year)s년 기부금 영수증 %(n)s건을 발급했습니다: %(numbers)s", year=year,
                n=len(issued), numbers=", ".join(r.number or "" for r in issued)), "success")
    else:
        flash(_("새로 발급할 영수증이 없습니다"
                "(발급을 원하는 후원자의 영수증은 모두 번호가 있습니다)."), "info")
    return redirect(url_for(".receipts", facility_code=facility_code, year=year))


@bp.get("/library/donation-receipts/print")
@login_required
def receipt(facility_code: str):
    """A printable 기부금 영수증 (?number=2026-0001); printing it is audited."""
    ws = _workspace(facility_code)
    number = request.args.get("number", "")
    found = receipt_service.print_receipt(db_session(), registry(), ws, number,
                                          today=today(), actor=actor_for(current_user.row))
    return render_template("library/receipt_print.html", ws=ws, receipt=found, today=today())


# --- 결재선 관리 (기관 관리 menu) ---------------------------------------------------------

def _admin_workspace(facility_code: str) -> Workspace:
    ws = _workspace(facility_code)
    if not ws.permissions.administers:
        raise ServiceError(_("기관관리자만 사용할 수 있는 메뉴입니다."), status=403)
    return ws


def _role_title(ws: Workspace, role: str) -> str:
    found = registry().profiles[ws.facility.profile_code].roles.get(role)
    return found.title if found else role


def _approval_lines_page(ws: Workspace, *, status: int = 200,
                         errors: dict | None = None):  # noqa: ANN202
    profile = registry().profiles[ws.facility.profile_code]
    states = line_service.line_states(db_session(), registry(), ws, today())
    choices = {state.unit_id: [(role_id, _role_title(ws, role_id)) for role_id in
                               line_service.approver_roles(registry(), profile, state.unit_id)]
               for state in states}
    return render_template(
        "library/approval_lines.html", ws=ws, profile=profile, today=today(), unit=None,
        states=states, choices=choices, errors=errors or {}, form=request.form,
        max_steps=line_service.MAX_STEPS, role_title=lambda r: _role_title(ws, r)), status


@bp.get("/admin/approval-lines")
@login_required
def approval_lines(facility_code: str):
    return _approval_lines_page(_admin_workspace(facility_code))


@bp.post("/admin/approval-lines/<unit_id>")
@login_required
def set_approval_line(facility_code: str, unit_id: str):
    """Save the facility's line for one unit: the chosen roles in order (blank = no step)."""
    ws = _admin_workspace(facility_code)
    session = db_session()
    reset = request.form.get("reset") == "yes"
    try:
        if reset:
            profile = registry().profiles[ws.facility.profile_code]
            if unit_id not in line_service.units_with_lines(registry(), profile):
                raise ServiceError(_("결재선을 정할 수 있는 업무가 아닙니다."), status=404)
            roles = list(line_service.default_line(registry(), profile, unit_id))
        else:
            roles = [r for r in request.form.getlist("step") if r.strip()]
        line = line_service.set_line(session, registry(), ws, unit_id, roles,
                                     actor_for(current_user.row),
                                     reason=request.form.get("reason"), today=today())
    except ServiceError as refused:
        if refused.status != 400:
            raise
        return _approval_lines_page(ws, status=400, errors={unit_id: refused.message})
    flash(_("결재선을 저장했습니다: 담당 → %(line)s. 새로 올리는 결재부터 적용됩니다.",
            line=" → ".join(_role_title(ws, r) for r in line)), "success")
    return redirect(url_for(".approval_lines", facility_code=facility_code))
