"""Signing in and out of the web screens, and cutting idle sessions.

Every signed-in screen request stores its time in the Flask session; a request that comes more
than ``IEUM_IDLE_MINUTES`` after the previous one is logged out instead (domain/privacy.md: idle
sessions are cut automatically). ``/api/`` requests authenticate by bearer token and are not
affected. The navbar countdown (``ieum-session.js``) mirrors the limit, ``/session/ping``
extends it and ``/session/status`` reports what is left without extending it.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ieum.access.sessions import signed_in_user
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.admin import users as accounts
from ieum.web.context import actor_for, client_ip, db_session, note_content_generation

bp = Blueprint("auth", __name__)
LAST_ACTIVE = "ieum_last_active"  # Flask session key: POSIX seconds of the last screen request
VERSION = "ieum_session_version"  # the user's session_version when this session began
IDLE_MESSAGE = _l("오랫동안 사용하지 않아 로그아웃되었습니다. 다시 로그인하세요.")
# Endpoints the countdown calls: they answer JSON/204 rather than redirecting to a page.
_SESSION_ENDPOINTS = ("auth.session_ping", "auth.session_status")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "로그인이 필요합니다."
login_manager.localize_callback = _  # the message in the request's language
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"


class SignedIn(UserMixin):
    """Flask-Login's view of a user; ``row`` is the ORM user loaded in this request."""

    def __init__(self, row) -> None:  # noqa: ANN001 - the ORM User
        self.row = row
        self.id = row.id


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    if not user_id.isdigit():
        return None
    row, generation = signed_in_user(db_session(), int(user_id))
    if generation is not None:
        note_content_generation(generation)  # read with the user: no statement of its own
    if row is None or session.get(VERSION) != (row.session_version or 0):
        return None  # logged out elsewhere, password changed or a role revoked (server side)
    return SignedIn(row)


class LoginForm(FlaskForm):
    login = StringField(
        _l("아이디"), validators=[InputRequired(_l("아이디를 입력하세요.")), Length(max=64)]
    )
    password = PasswordField(
        _l("비밀번호"), validators=[InputRequired(_l("비밀번호를 입력하세요.")), Length(max=128)]
    )


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths, so the login page cannot redirect elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("workspace.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = accounts.sign_in(db_session(), form.login.data, form.password.data,
                                  ip=client_ip())
        if result.user is not None:
            session.clear()
            session[VERSION] = result.user.session_version or 0
            login_user(SignedIn(result.user))
            session[LAST_ACTIVE] = time.time()
            return redirect(_safe_next(request.args.get("next")) or url_for("workspace.home"))
        flash(result.locked_message() or _("아이디 또는 비밀번호가 올바르지 않습니다."), "danger")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    idle = request.form.get("reason") == "idle"  # sent by the countdown when it runs out
    _end_session(idle=idle)
    return redirect(url_for("auth.login"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("현재 비밀번호"), validators=[
        InputRequired(_l("현재 비밀번호를 입력하세요.")), Length(max=128)])
    new = PasswordField(_l("새 비밀번호"), validators=[
        InputRequired(_l("새 비밀번호를 입력하세요.")), Length(max=128)])
    confirm = PasswordField(_l("새 비밀번호 확인"), validators=[
        InputRequired(_l("새 비밀번호를 한 번 더 입력하세요.")), Length(max=128)])


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """비밀번호 변경: every other session and API token of the account ends; this one goes on."""
    form = PasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            version = accounts.change_password(
                db_session(), current_user.row.id, current=form.current.data,
                new=form.new.data, confirm=form.confirm.data,
                actor=actor_for(current_user.row))
        except ServiceError as error:
            getattr(form, error.field or "new").errors.append(error.message)
            status = error.status
        else:
            session[VERSION] = version
            flash(_("비밀번호를 바꿨습니다. 다른 곳에서 로그인한 세션은 모두 끝났습니다."),
                  "success")
            return redirect(url_for("workspace.home"))
    elif form.is_submitted():
        status = 400
    return render_template("auth/password.html", form=form), status


def _end_session(*, idle: bool) -> None:
    if current_user.is_authenticated:
        accounts.sign_out(db_session(), actor_for(current_user.row), idle=idle)
    logout_user()
    session.clear()
    if idle:
        flash(str(IDLE_MESSAGE), "warning")
    else:
        flash(_("로그아웃되었습니다."), "info")


def idle_seconds() -> int:
    return int(current_app.config["IEUM_IDLE_MINUTES"] * 60)


def _idle_for() -> float | None:
    last = session.get(LAST_ACTIVE)
    if not isinstance(last, int | float):
        return None
    return time.time() - last


@bp.before_app_request
def enforce_idle_timeout():
    """Log out a session idle for longer than the limit; otherwise note this request."""
    endpoint = request.endpoint or ""
    if (not endpoint or endpoint == "static" or endpoint.endswith(".static")
            or request.path.startswith("/api/")):
        return None
    if not current_user.is_authenticated:
        return None
    idle_for = _idle_for()
    if idle_for is not None and idle_for > idle_seconds():
        _end_session(idle=True)
        if endpoint in _SESSION_ENDPOINTS:
            return jsonify({"remaining": 0, "login": url_for("auth.login")}), 401
        if request.method == "GET" and endpoint not in ("auth.login", "auth.logout"):
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=target))
        return redirect(url_for("auth.login"))
    if endpoint != "auth.session_status":
        session[LAST_ACTIVE] = time.time()
    return None


@bp.get("/session/ping")
def session_ping():
    """Extend the session (the hook above has already noted this request)."""
    if not current_user.is_authenticated:
        return jsonify({"remaining": 0, "login": url_for("auth.login")}), 401
    return "", 204


@bp.get("/session/status")
def session_status():
    """Seconds left before the idle logout, without counting as activity (another tab may
    have been active since this page loaded)."""
    if not current_user.is_authenticated:
        return jsonify({"remaining": 0, "login": url_for("auth.login")}), 401
    idle_for = _idle_for() or 0.0
    return jsonify({"remaining": max(0, int(idle_seconds() - idle_for))})
