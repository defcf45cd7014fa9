"""/region/care/: the 시·군·구 officials' community-care pages: 보호조치 결정, 통합돌봄 사례,
품질관리 점검 (compliance flags) and 수요·공급 현황 (the policy view). Each view checks the
official's roles (403 otherwise) and reads only their regions."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ieum.access.officials import PublicRoles
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services import workflows as flows
from ieum.services.reports import review as report_review
from ieum.store.models import Facility, User
from ieum.store.models_care import CASE_STATUSES
from ieum.web.context import actor_for, db_session, functions, registry, today
from ieum_library.collaboration import vacancies
from ieum_library.community_care import cases, compliance, pathway, placement, policy
from ieum_library.community_care.web import TEMPLATES

bp = Blueprint("care_region", __name__, url_prefix="/region/care", template_folder=TEMPLATES)
bp.region_menu = ((_l("보호조치 결정"), "placements"), (_l("통합돌봄 사례"), "cases"),
                  (_l("품질관리 점검"), "compliance"), (_l("수요·공급 현황"), "policy"))


def _roles() -> PublicRoles:
    return report_review.official_roles(db_session(), current_user.row, today())


def _runtime() -> flows.Runtime:
    return flows.Runtime(registry(), functions(), today(), actor_for(current_user.row))


def _page(roles: PublicRoles, **context):  # noqa: ANN003, ANN202
    return dict(roles=roles, today=today(), profiles=registry().profiles, **context)


def _refused(error: ServiceError) -> None:
    if error.status not in (400, 409):
        raise error
    db_session().rollback()


# --- 보호조치 결정 ------------------------------------------------------------------------------

def _candidates(roles: PublicRoles) -> list[tuple[str, str, list[placement.Candidate]]]:
    session = db_session()
    return [(key, title, placement.candidates(session, registry(), roles, key))
            for key, (title, _codes) in placement.PLACEMENT_TYPES.items()]


@bp.get("/placements")
@login_required
def placements():
    roles = _roles()
    return render_template("care/placements.html", **_page(
        roles, rows=placement.region_decisions(db_session(), roles),
        types=placement.PLACEMENT_TYPES, status_title=placement.status_title))


@bp.route("/placements/new", methods=["GET", "POST"])
@login_required
def new_placement():
    roles = _roles()
    error, status = None, 200
    if request.method == "POST":
        try:
            decision = placement.decide(db_session(), _runtime(), current_user.row, roles,
                                        request.form, request.form.getlist("consented"))
        except ServiceError as refused:
            _refused(refused)
            error, status = refused, refused.status
        else:
            flash(_("보호조치를 결정했습니다. 받는 시설에 입소 검토 업무가 생겼습니다."), "success")
            return redirect(url_for(".placement_detail", decision_id=decision.id))
    form = request.form
    previous = request.args.get("again", type=int)
    if request.method == "GET" and previous:  # 재결정 after a facility declined
        form = placement.again_form(placement.get_for_official(db_session(), roles, previous))
    return render_template("care/placement_new.html", **_page(
        roles, groups=_candidates(roles), reasons=placement.PROTECTION_REASONS,
        sexes=placement.SEXES, legal=placement.LEGAL_FIELDS,
        consent_fields=placement.CONSENT_FIELDS, basis=placement.LEGAL_BASIS,
        form=form, error=error)), status


@bp.get("/placements/<int:decision_id>")
@login_required
def placement_detail(decision_id: int):
    roles = _roles()
    session = db_session()
    decision = placement.get_for_official(session, roles, decision_id)
    return render_template("care/placement.html", **_page(
        roles, decision=decision, facility=session.get(Facility, decision.facility_id),
        official=session.get(User, decision.decided_by_id), shown=placement.shown(decision),
        type_title=placement.PLACEMENT_TYPES[decision.placement_type][0],
        status_title=placement.status_title(decision)))


# --- 통합돌봄 사례 ------------------------------------------------------------------------------

@bp.get("/cases", endpoint="cases")
@login_required
def cases_index():
    roles = _roles()
    status = request.args.get("status", "")
    return render_template("care/cases.html", **_page(
        roles, rows=cases.region_cases(db_session(), roles, status=status), status=status,
        statuses=CASE_STATUSES, groups=cases.TARGET_GROUPS))



@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    roles = _roles()
    error, status = None, 200
    if request.method == "POST":
        try:
            case = cases.open_case(db_session(), current_user.row, roles, request.form,
                                   request.form.getlist("consented"), today())
        except ServiceError as refused:
            _refused(refused)
            error, status = refused, refused.status
        else:
            flash(_("통합돌봄 사례를 열었습니다. 참여할 기관을 초대하세요."), "success")
            return redirect(url_for(".case_detail", case_id=case.id))
    return render_template("care/case_new.html", **_page(
        roles, groups=cases.TARGET_GROUPS, methods=cases.METHODS, shareable=cases.SHAREABLE,
        grades=pathway.GRADES, incomes=pathway.INCOME, form=request.form, error=error)), status


def _case_page(roles: PublicRoles, case_id: int, *, error=None, form=None, audit=True):  # noqa: ANN001, ANN202
    session = db_session()
    case = cases.for_coordinator(session, current_user.row, roles, case_id, audit=audit)
    assessment = pathway.assess(case.birth_date, case.details or {}, today()) \
        if case.target_group == "elderly" else None
    suggested = []
    if assessment is not None and assessment.route:
        for code in assessment.route.get("profiles", ()):
            if code in registry().profiles:
                suggested += vacancies.vacancies(session, registry(), regions={case.region_code},
                                                 profile_code=code)
    agencies = cases.agencies(session, case)
    names = {f.id: f for f in session.scalars(select(Facility).where(
        Facility.id.in_([a.facility_id for a in agencies])))}
    region_facilities = report_review.region_facilities(session, roles)
    return render_template("care/case.html", **_page(
        roles, case=case, details=cases.all_details(case), shared=cases.shared_details(case),
        agencies=agencies, agency_names=names, plan=cases.plan(session, case),
        reviews=cases.reviews(session, case), outcomes=cases.OUTCOMES,
        coordinator=session.get(User, case.coordinator_id), assessment=assessment,
        suggested=suggested, facilities=[f for f in region_facilities
                                         if f.region_code == case.region_code],
        others=[u for u in cases.coordinators(session, case.region_code, today())
                if u.id != current_user.row.id], groups=cases.TARGET_GROUPS,
        error=error, form=form or {}))


@bp.get("/cases/<int:case_id>")
@login_required
def case_detail(case_id: int):
    return _case_page(_roles(), case_id)


@bp.post("/cases/<int:case_id>/invite")
@login_required
def invite(case_id: int):
    roles = _roles()
    try:
        cases.invite(db_session(), current_user.row, roles, case_id,
                     request.form.get("facility_id", type=int), request.form.get("request", ""))
    except ServiceError as refused:
        _refused(refused)
        return _case_page(roles, case_id, error=refused, form=request.form,
                          audit=False), refused.status
    flash(_("기관에 참여를 요청했습니다."), "success")
    return redirect(url_for(".case_detail", case_id=case_id))


@bp.post("/cases/<int:case_id>/review")
@login_required
def review(case_id: int):
    roles = _roles()
    try:
        row = cases.review(db_session(), current_user.row, roles, case_id, request.form,
                           today())
    except ServiceError as refused:
        _refused(refused)
        return _case_page(roles, case_id, error=refused, form=request.form,
                          audit=False), refused.status
    flash(_("사례 검토를 기록했습니다(%(outcome)s).", outcome=cases.OUTCOMES[row.outcome]),
          "success")
    if row.outcome == "handover":
        return redirect(url_for(".cases"))
    return redirect(url_for(".case_detail", case_id=case_id))


# --- 품질관리 점검 ------------------------------------------------------------------------------

@bp.get("/compliance", endpoint="compliance")
@login_required
def compliance_page():
    roles = _roles()
    region = request.args.get("region", "").strip()[:10]
    flags = compliance.region_check(db_session(), registry(), roles,
                                    actor_for(current_user.row), today(), region=region)
    return render_template("care/compliance.html", **_page(
        roles, flags=flags, region=region, rules=compliance.load().rules))



# --- 수요·공급 현황 -----------------------------------------------------------------------------

def _policy_rows(roles: PublicRoles) -> list[policy.Row]:
    args = request.args
    return policy.supply_demand(db_session(), registry(), roles,
                                region=args.get("region", "").strip()[:10],
                                group=args.get("group", "")[:32],
                                function=args.get("function", "")[:32])


@bp.get("/policy", endpoint="policy")
@login_required
def policy_page():
    roles = _roles()
    rows = _policy_rows(roles)
    return render_template("care/policy.html", **_page(
        roles, rows=rows, chart=policy.chart_svg(rows), groups=policy.GROUPS,
        functions=policy.FUNCTIONS, args=request.args, shortage=policy.SHORTAGE,
        oversupply=policy.OVERSUPPLY,
        mismatches=[r for r in rows if r.status != policy.BALANCED]))



@bp.get("/policy.xlsx")
@login_required
def policy_export():
    roles = _roles()
    data = policy.workbook(_policy_rows(roles))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": "attachment; filename*=UTF-8''"
                                               "supply-demand.xlsx"})
