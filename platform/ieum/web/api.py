"""``/api/v1``: JSON for the operations the screens offer, authenticated by bearer tokens."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request

from ieum.i18n import gettext as _
from ieum.services.admin import users as accounts
from ieum.services.workspace import open_workspace
from ieum.web.context import (
    actor_for,
    bearer_token,
    client_ip,
    db_session,
    registry,
    today,
    token_user,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str, fields: dict[str, list[str]] | None = None):
    body = {"error": message, "status": status}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 (OpenAPI ``date-time``): SQLite hands back naive UTC datetimes, so an offset is
    added where it is missing."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token()
        user = token_user()  # read with the content generation, before the view
        if user is None:
            response, status = _error(401, _("유효한 인증 토큰이 필요합니다."))
            response.headers["WWW-Authenticate"] = 'Bearer realm="ieum"'
            return response, status
        g.api_user = user
        g.api_token = token
        return view(*args, **kwargs)

    return wrapper


@bp.post("/auth/token")
def create_token():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, _("요청 본문은 JSON 객체여야 합니다."))
    fields = {}
    for name in ("login", "password"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            fields[name] = [_("아이디는 필수 입력 항목입니다.") if name == "login"
                            else _("비밀번호는 필수 입력 항목입니다.")]
        elif len(value) > (64 if name == "login" else 128):
            fields[name] = [_("아이디가 너무 깁니다.") if name == "login"
                            else _("비밀번호가 너무 깁니다.")]
    if fields:
        return _error(400, _("입력값을 확인하세요."), fields)
    issued = accounts.issue_api_token(db_session(), body["login"], body["password"],
                                      ip=client_ip(),
                                      hours=current_app.config["IEUM_API_TOKEN_HOURS"])
    if issued is None:
        return _error(401, _("아이디 또는 비밀번호가 올바르지 않습니다."))
    token, expires_at = issued
    return jsonify(
        {"token": token, "token_type": "Bearer", "expires_at": expires_at.isoformat()}
    ), 201


@bp.delete("/auth/token")
@token_required
def delete_token():
    accounts.revoke_api_token(db_session(), g.api_token, actor_for(g.api_user))
    return "", 204


@bp.get("/me")
@token_required
def me():
    session = db_session()
    content = registry()
    user = g.api_user
    facilities = []
    for facility in open_workspace(session, content, user, None, today()).facilities:
        workspace = open_workspace(session, content, user, facility.code, today())
        facilities.append(
            {
                "code": facility.code,
                "name": facility.name,
                "profile": facility.profile_code,
                "roles": sorted(workspace.permissions.roles),
                "menu": [
                    {"group": group.title,
                     "items": [{"unit": i.unit_id, "title": i.title} for i in group.items]}
                    for group in workspace.menu
                ],
            }
        )
    return jsonify(
        {
            "login": user.login,
            "name": user.name,
            "platform_admin": user.is_platform_admin,
            "facilities": facilities,
        }
    )
