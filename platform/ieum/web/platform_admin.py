"""플랫폼 관리: the facilities of the whole platform and the facility types (profiles).

Only platform administrators (``User.is_platform_admin``) may open these screens: anyone else
signed in gets 403, and a visitor who is not signed in is sent to the login page. The screens
are not inside a facility, so they extend ``base.html`` rather than the workspace layout.
Profiles are content files: ``/admin/profiles`` only shows them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ieum.definitions import reuse_matrix
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.admin import facilities as facility_service
from ieum.services.admin.facilities import NewAccount
from ieum.web.context import actor_for, db_session, registry, today

bp = Blueprint("platform_admin", __name__, url_prefix="/admin")

CAPACITY_MAX = 1_000_000  # far above any facility; keeps the value inside an INTEGER column
ADMIN_MODES = ("none", "existing", "new")
TARGET_GROUP_TITLES = {"child": _l("아동"), "elderly": _l("노인"), "disabled": _l("장애인")}
FORM_ERRORS = (400, 404, 409)  # refusals shown on the form rather than as an error page


@bp.before_request
def platform_admins_only():  # noqa: ANN201 - a redirect response or None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not current_user.row.is_platform_admin:
        raise ServiceError(_("플랫폼 관리자만 사용할 수 있는 메뉴입니다."), status=403)
    return None


def _profiles() -> list:
    """The registry's profiles by title, for select boxes."""
    return sorted(registry().profiles.values(), key=lambda p: (p.title, p.code))


def _capacity(value: str | None) -> int | None:
    text = (value or "").strip().replace(",", "")
    if not text:
        return None
    try:
        capacity = int(text)
    except ValueError:
        raise ServiceError(_("정원은 숫자로 입력하세요."), field="capacity") from None
    if capacity > CAPACITY_MAX:
        raise ServiceError(_("정원은 %(max)s명 이하여야 합니다.", max=f"{CAPACITY_MAX:,}"),
                           field="capacity")
    return capacity


@bp.get("/")
def index():
    return redirect(url_for(".facilities"))


# --- 기관 관리 -------------------------------------------------------------------------------

def _facilities_page(*, status: int = 200, error: ServiceError | None = None):  # noqa: ANN202
    search = request.args.get("q", "").strip()
    overviews = facility_service.facility_overviews(db_session(), registry(), today(),
                                                    search=search)
    form = request.form if error else {}
    return render_template(
        "platform_admin/facilities.html", overviews=overviews, search=search,
        profiles=_profiles(), form=form, admin_mode=form.get("admin_mode", "none"),
        error=error.message if error else None, error_field=error.field if error else None,
    ), status


@bp.get("/facilities")
def facilities():
    return _facilities_page()


@bp.post("/facilities")
def create():
    """Register a facility and, optionally, its first administrator, all or nothing."""
    form = request.form
    mode = form.get("admin_mode", "none")
    try:
        if mode not in ADMIN_MODES:
            raise ServiceError(_("기관관리자 지정 방법을 선택하세요."), field="admin_mode")
        new_admin = None
        if mode == "new":
            password = form.get("admin_password", "")
            if password != form.get("admin_password_confirm", ""):
                raise ServiceError(_("비밀번호 확인이 일치하지 않습니다."),
                                   field="admin_password_confirm")
            new_admin = NewAccount(login=form.get("admin_new_login", ""),
                                   name=form.get("admin_name", ""), password=password)
        admin_login = form.get("admin_login", "").strip() if mode == "existing" else None
        if mode == "existing" and not admin_login:
            raise ServiceError(_("기관관리자로 지정할 사용자의 아이디를 입력하세요."),
                               field="admin_login")
        facility, admin = facility_service.add_facility(
            db_session(), registry(), code=form.get("code", "").strip(),
            name=form.get("name", ""), profile_code=form.get("profile_code", ""),
            region_code=form.get("region_code", "").strip(),
            capacity=_capacity(form.get("capacity")), admin_login=admin_login,
            new_admin=new_admin, valid_from=today(), actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status not in FORM_ERRORS:
            raise
        if refused.field == "admin_login" and mode == "new":
            refused.field = "admin_new_login"
        return _facilities_page(status=400, error=refused)
    message = _("기관 ‘%(name)s’(%(code)s)을 등록했습니다.", name=facility.name, code=facility.code)
    if admin is not None:
        message += " " + _("기관관리자: %(name)s(%(login)s)", name=admin.name, login=admin.login)
    flash(message, "success")
    return redirect(url_for(".facility", code=facility.code))


def _facility_page(code: str, *, status: int = 200,  # noqa: ANN202
                   error: ServiceError | None = None):
    session = db_session()
    facility = facility_service.get_facility(session, code)
    profile = registry().profiles.get(facility.profile_code)
    holders = facility_service.role_holders(session, facility, today())
    form = request.form if error else {}
    return render_template(
        "platform_admin/facility.html", facility=facility, profile=profile,
        profiles=_profiles(), holders=holders,
        has_records=facility_service.facility_has_records(session, facility),
        form=form, error=error.message if error else None,
        error_field=error.field if error else None,
    ), status


@bp.get("/facilities/<code>")
def facility(code: str):
    return _facility_page(code)


@bp.post("/facilities/<code>")
def update(code: str):
    form = request.form
    try:
        changes = facility_service.change_facility(
            db_session(), registry(), code, name=form.get("name", ""),
            region_code=form.get("region_code", "").strip(),
            capacity=_capacity(form.get("capacity")),
            profile_code=form.get("profile_code") or None, day=today(),
            actor=actor_for(current_user.row))
    except ServiceError as refused:
        if refused.status not in FORM_ERRORS:
            raise
        return _facility_page(code, status=refused.status, error=refused)
    if changes:
        flash(_("기관 정보를 저장했습니다."), "success")
    else:
        flash(_("바뀐 내용이 없습니다."), "info")
    return redirect(url_for(".facility", code=code))


# --- 시설유형 ---------------------------------------------------------------------------------

@bp.get("/profiles")
def profiles():
    """The facility profiles of the content, and how much they share unit functions."""
    content = registry()
    reuse = reuse_matrix(content)
    shared = {unit_id for column, unit_id in enumerate(reuse.unit_functions)
              if sum(row[column] for row in reuse.matrix) > 1}
    return render_template(
        "platform_admin/profiles.html", profiles=_profiles(), reuse=reuse, shared=shared,
        unit_functions=content.unit_functions, target_titles=TARGET_GROUP_TITLES)
