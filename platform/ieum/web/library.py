"""Screens of the shared library's linked steps: 급여대장 확정 → 인건비 결의서, 기부금 영수증.

Thin handlers: parse, call one service (``services.payroll``, ``services.donation_receipts``),
render or redirect. Anything of another facility is "not found" (404) like everywhere else.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.access.audit import record_event
from ieum.services import ServiceError
from ieum.services import donation_receipts as receipt_service
from ieum.services import payroll as payroll_service
from ieum.services.workspace import open_workspace
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("library", __name__, url_prefix="/f/<facility_code>/library")


def _workspace(facility_code: str):  # noqa: ANN202 - a Workspace
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


@bp.post("/payroll/<int:record_id>/confirm")
@login_required
def confirm_payroll(facility_code: str, record_id: int):
    """급여대장 확정: writes the 인건비 지출결의서 (draft) and opens it."""
    ws = _workspace(facility_code)
    back = url_for("records.detail", facility_code=facility_code, unit_id="payroll",
                   form_id="payroll_register", record_id=record_id)
    try:
        done = payroll_service.confirm_payroll(db_session(), registry(), ws, record_id,
                                               today=today(), actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status != 409:
            raise
        flash(refused.message, "danger")
        return redirect(back)
    total = sum(int(item["amount"]) for item in done.resolution.data.get("items") or [])
    if done.created:
        flash(f"급여대장을 확정하고 인건비 지출결의서(임시저장, {total:,}원)를 만들었습니다. "
              "재원을 고른 뒤 저장하고 결재를 올리세요.", "success")
    else:
        flash("이미 확정된 급여대장입니다. 만들어 둔 인건비 지출결의서를 엽니다.", "info")
    return redirect(url_for("records.detail", facility_code=facility_code,
                            unit_id="resolution", form_id="resolution",
                            record_id=done.resolution.id))


@bp.get("/donation-receipts/")
@login_required
def receipts(facility_code: str):
    ws = _workspace(facility_code)
    try:
        year = receipt_service.parse_year(request.args.get("year"), today())
    except ServiceError:
        year, error = today().year, "연도는 네 자리 숫자로 입력하세요."
    else:
        error = None
    found = receipt_service.receipts(db_session(), registry(), ws, year, today=today(),
                                     actor=actor_for(current_user.row))
    return render_template("library/receipts.html", ws=ws, unit=None, year=year,
                           profile=registry().profiles[ws.facility.profile_code],
                           receipts=found, error=error, today=today(),
                           can_issue=ws.permissions.can(receipt_service.UNIT, "update")), \
        400 if error else 200


@bp.post("/donation-receipts/issue")
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
        flash(f"{year}년 기부금 영수증 {len(issued)}건을 발급했습니다: "
              + ", ".join(r.number or "" for r in issued), "success")
    else:
        flash("새로 발급할 영수증이 없습니다"
              "(발급을 원하는 후원자의 영수증은 모두 번호가 있습니다).", "info")
    return redirect(url_for(".receipts", facility_code=facility_code, year=year))


@bp.get("/donation-receipts/print")
@login_required
def receipt(facility_code: str):
    """A printable 기부금 영수증 (?number=2026-0001); printing it is audited."""
    ws = _workspace(facility_code)
    number = request.args.get("number", "")
    found = receipt_service.find(db_session(), registry(), ws, number, today=today(),
                                 actor=actor_for(current_user.row))
    record_event(db_session(), "donation.receipt.print", actor_for(current_user.row),
                 facility_id=ws.facility.id, target_type="donation_receipt",
                 target_id=found.number, detail={"donations": [r.id for r in found.donations]})
    db_session().commit()
    return render_template("library/receipt_print.html", ws=ws, receipt=found, today=today())
