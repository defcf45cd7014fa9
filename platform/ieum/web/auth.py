"""Signing in and out of the web screens."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ieum.access.audit import record_event
from ieum.access.login import authenticate
from ieum.store.models import User
from ieum.web.context import actor_for, client_ip, db_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "로그인이 필요합니다."
login_manager.login_message_category = "warning"
login_manager.session_protection = "strong"


class SignedIn(UserMixin):
    """Flask-Login's view of a user; ``row`` is the ORM user loaded in this request."""

    def __init__(self, row: User) -> None:
        self.row = row
        self.id = row.id


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    if not user_id.isdigit():
        return None
    row = db_session().get(User, int(user_id))
    return SignedIn(row) if row is not None and row.is_active else None


class LoginForm(FlaskForm):
    login = StringField(
        "아이디", validators=[InputRequired("아이디를 입력하세요."), Length(max=64)]
    )
    password = PasswordField(
        "비밀번호", validators=[InputRequired("비밀번호를 입력하세요."), Length(max=128)]
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
        session_db = db_session()
        user = authenticate(session_db, form.login.data, form.password.data, ip=client_ip())
        session_db.commit()
        if user is not None:
            session.clear()
            login_user(SignedIn(user))
            return redirect(_safe_next(request.args.get("next")) or url_for("workspace.home"))
        flash("아이디 또는 비밀번호가 올바르지 않습니다.", "danger")
        status = 401
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        session_db = db_session()
        record_event(session_db, "logout", actor_for(current_user.row))
        session_db.commit()
    logout_user()
    session.clear()
    flash("로그아웃되었습니다.", "info")
    return redirect(url_for("auth.login"))
