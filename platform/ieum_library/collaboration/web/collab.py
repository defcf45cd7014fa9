"""정보공유·서비스의뢰 screens of a facility: referrals sent and received, consent, unmet
needs, life-stage hand-over (``ieum.screens``; the unit's manifest opens ``collab.home``).
The subject page's panel is in ``panels``."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.records import FormInvalid
from ieum.services.subjects import search
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models_collab import (
    CONSENT_SCOPES,
    NEED_STATUSES,
    REFERRAL_KINDS,
    REFERRAL_STATUSES,
)
from ieum.web import tasks as task_pages
from ieum.web.context import actor_for, db_session, registry, today
from ieum.web.tasks import runtime
from ieum_library.collaboration import consent, handover, needs, referrals
from ieum_library.collaboration.web import TEMPLATES

bp = Blueprint("collab", __name__, url_prefix="/f/<facility_code>/collab",
               template_folder=TEMPLATES)
UNIT = consent.UNIT


def _workspace(facility_code: str) -> Workspace:
    return open_workspace(db_session(), registry(), current_user.row, facility_code, today())


def _page(ws: Workspace, **context):  # noqa: ANN003, ANN202
    return dict(ws=ws, profile=registry().profiles[ws.facility.profile_code],
                unit=registry().unit_functions.get(UNIT), status_titles=REFERRAL_STATUSES,
                kind_titles=REFERRAL_KINDS, **context)


def _actor():  # noqa: ANN202
    return actor_for(current_user.row)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


@bp.get("/")
@login_required
def home(facility_code: str):
    ws = _workspace(facility_code)
    session = db_session()
    direction = request.args.get("direction", "")
    status = request.args.get("status", "")
    items = referrals.facility_referrals(session, ws, direction=direction, status=status)
    return render_template("collab/home.html", **_page(
        ws, items=items, direction=direction, status=status,
        notices=needs.notices(session, ws.facility.id),
        unread=needs.unread_count(session, ws.facility.id),
        candidates=handover.candidates(session, registry(), ws, today())))


@bp.post("/notices/read")
@login_required
def notices_read(facility_code: str):
    needs.mark_read(db_session(), _workspace(facility_code))
    return redirect(url_for(".home", facility_code=facility_code))


# --- consent -----------------------------------------------------------------------------------

@bp.route("/subjects/<int:subject_id>/consent", methods=["GET", "POST"])
@login_required
def consent_page(facility_code: str, subject_id: int):
    ws = _workspace(facility_code)
    session = db_session()
    consent.require(ws, "view")
    subject = consent.own_subject(session, ws, subject_id)
    error, status = None, 200
    if request.method == "POST":
        try:
            consent.record_consent(
                session, ws, _actor(), subject_id, scopes=request.form.getlist("scopes"),
                fields=request.form.getlist("fields"), method=request.form.get("method", ""),
                consented_on=_date(request.form.get("consented_on")), today=today())
        except ServiceError as refused:
            if refused.status != 400:
                raise
            session.rollback()
            error, status = refused, 400
        else:
            flash(_("정보공유 동의를 기록했습니다."), "success")
            return redirect(url_for("tasks.subject", facility_code=facility_code,
                                    subject_id=subject_id))
    return render_template("collab/consent.html", **_page(
        ws, subject=subject, consents=consent.consents_of(session, ws, subject),
        scopes=CONSENT_SCOPES, fields=consent.SHAREABLE_FIELDS, methods=consent.METHODS,
        error=error, form=request.form, today=today())), status


@bp.post("/subjects/<int:subject_id>/consent/<int:consent_id>/withdraw")
@login_required
def withdraw_consent(facility_code: str, subject_id: int, consent_id: int):
    ws = _workspace(facility_code)
    try:
        consent.withdraw(db_session(), ws, _actor(), subject_id, consent_id,
                         reason=request.form.get("reason", ""), today=today())
    except ServiceError as refused:
        if refused.status != 400:
            raise
        flash(refused.message, "warning")
    else:
        flash(_("동의 철회를 기록했습니다."), "success")
    return redirect(url_for(".consent_page", facility_code=facility_code,
                            subject_id=subject_id))


# --- sending a referral or a hand-over --------------------------------------------------------

def _send_page(facility_code: str, subject_id: int, kind: str):  # noqa: ANN202
    ws = _workspace(facility_code)
    session = db_session()
    prepared = referrals.prepare(session, ws, subject_id, today())
    args = request.values
    search = {"text": args.get("q", "")[:100], "profile_code": args.get("profile", "")[:64],
              "region": args.get("region", "")[:10], "only_free": args.get("free") == "1"}
    error, status = None, 200
    if request.method == "POST":
        target = request.form.get("to_facility", type=int)
        fields = request.form.getlist("fields")
        override = request.form.get("override_reason") or None
        try:
            if kind == "handover":
                sent = handover.hand_over(session, runtime(), ws, subject_id,
                                          to_facility_id=target,
                                          summary=request.form.get("summary", ""),
                                          fields=fields, override_reason=override)
            else:
                sent = referrals.send(session, runtime(), ws, subject_id, to_facility_id=target,
                                      service=request.form.get("service", ""),
                                      reason=request.form.get("reason", ""), fields=fields,
                                      override_reason=override)
        except ServiceError as refused:
            if refused.status not in (400, 403):
                raise
            session.rollback()
            error, status = refused, refused.status
            prepared = referrals.prepare(session, ws, subject_id, today())
        else:
            flash(_("의뢰를 보냈습니다. 받는 기관이 검토하면 나의업무에 결과가 옵니다."), "success")
            return redirect(url_for(".referral", facility_code=facility_code,
                                    referral_id=sent.id))
    found = referrals.targets(session, registry(), ws, **search)
    summary = request.form.get("summary") if request.method == "POST" else (
        handover.draft_summary(session, registry(), ws, subject_id, today())
        if kind == "handover" else "")
    return render_template("collab/refer.html", **_page(
        ws, prepared=prepared, subject=prepared.subject, targets=found, search=search,
        fields=consent.SHAREABLE_FIELDS, profiles=registry().profiles, error=error,
        form=request.form, kind=kind, summary=summary,
        chosen=request.values.get("to_facility", type=int))), status


@bp.route("/subjects/<int:subject_id>/refer", methods=["GET", "POST"])
@login_required
def refer(facility_code: str, subject_id: int):
    return _send_page(facility_code, subject_id, "referral")


@bp.route("/subjects/<int:subject_id>/handover", methods=["GET", "POST"])
@login_required
def hand_over(facility_code: str, subject_id: int):
    return _send_page(facility_code, subject_id, "handover")


# --- one referral --------------------------------------------------------------------------------

@bp.route("/referrals/<int:referral_id>", methods=["GET", "POST"])
@login_required
def referral(facility_code: str, referral_id: int):
    """The referral as either side sees it; B decides here (the review task's form)."""
    ws = _workspace(facility_code)
    session = db_session()
    view = referrals.get_referral(session, ws, referral_id)
    task = referrals.open_task(session, ws, view.referral)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if task is None:
            raise ServiceError(_("이미 처리되었거나 취소된 의뢰입니다."), status=409)
        names = ("decision", "decision_reason", "planned_date", "confirmed_on", "follow_up")
        data = {name: (request.form.get(name) or "").strip() for name in names}
        try:
            flows.complete_task(session, runtime(), ws, task.id,
                                {k: v for k, v in data.items() if v})
        except FormInvalid as invalid:
            session.rollback()
            errors, status = invalid.errors, 400
            view = referrals.get_referral(session, ws, referral_id)
            task = referrals.open_task(session, ws, view.referral)
        else:
            flash(_("검토 결과를 저장했습니다. 의뢰한 기관에 알렸습니다.") if view.direction == "in"
                  else _("의뢰 결과를 확인했습니다."), "success")
            return redirect(url_for(".referral", facility_code=facility_code,
                                    referral_id=referral_id))
    return render_template("collab/referral.html", **_page(
        ws, view=view, task=task, may_decide=bool(task and flows.may_work(ws, task)),
        shared=referrals.shown_shared_data(view.referral), errors=errors,
        form=request.form)), status


@bp.post("/referrals/<int:referral_id>/cancel")
@login_required
def cancel(facility_code: str, referral_id: int):
    ws = _workspace(facility_code)
    try:
        referrals.cancel(db_session(), runtime(), ws, referral_id,
                         request.form.get("reason", ""))
    except ServiceError as refused:
        if refused.status != 400:
            raise
        flash(refused.message, "warning")
    else:
        flash(_("의뢰를 취소했습니다."), "success")
    return redirect(url_for(".referral", facility_code=facility_code, referral_id=referral_id))


@bp.get("/processes/<int:instance_id>")
@login_required
def from_instance(facility_code: str, instance_id: int):
    ws = _workspace(facility_code)
    view = referrals.by_instance(db_session(), ws, instance_id)
    return redirect(url_for(".referral", facility_code=facility_code,
                            referral_id=view.referral.id))


# --- unmet needs -------------------------------------------------------------------------------

@bp.route("/needs/", methods=["GET", "POST"])
@login_required
def needs_page(facility_code: str):
    ws = _workspace(facility_code)
    session = db_session()
    error, status = None, 200
    if request.method == "POST":
        try:
            row = needs.register_need(
                session, registry(), ws, _actor(),
                profile_code=request.form.get("profile_code", ""),
                region_code=request.form.get("region_code", ""),
                need=request.form.get("need", ""),
                subject_id=request.form.get("subject_id", type=int))
        except ServiceError as refused:
            if refused.status != 400:
                raise
            session.rollback()
            error, status = refused, 400
        else:
            flash(_("욕구를 등록했습니다. 맞는 빈자리가 있어 알림을 보냈습니다.")
                  if row.status == "matched" else
                  _("욕구를 등록했습니다. 빈자리가 생기면 알려 드립니다."), "success")
            return redirect(url_for(".needs_page", facility_code=facility_code))
    status_filter = request.args.get("status", "")
    return render_template("collab/needs.html", **_page(
        ws, rows=needs.facility_needs(session, ws, status=status_filter),
        status_filter=status_filter, need_statuses=NEED_STATUSES,
        profiles=registry().profiles, subjects=search(session, ws.facility, limit=500),
        error=error, form=request.form)), status


@bp.post("/needs/<int:need_id>/close")
@login_required
def close_need(facility_code: str, need_id: int):
    needs.close_need(db_session(), _workspace(facility_code), _actor(), need_id)
    flash(_("욕구를 종결했습니다."), "success")
    return redirect(url_for(".needs_page", facility_code=facility_code))


# --- the referral processes' tasks are worked on the referral's page ---------------------------

task_pages.TASK_PAGES[referrals.REVIEW_PROCESS] = "collab.from_instance"
task_pages.TASK_PAGES[referrals.RESULT_PROCESS] = "collab.from_instance"
