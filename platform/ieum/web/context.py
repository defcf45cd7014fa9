"""Per-request access to the registry, the database session and the signed-in user."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.access.officials import PublicRoles, public_roles
from ieum.definitions import Registry
from ieum.services.database import Database


def registry() -> Registry:
    return current_app.extensions["ieum.registry"]


def database() -> Database:
    return current_app.extensions["ieum.database"]


def db_session() -> Session:
    """One session per request, closed (and rolled back if not committed) at teardown."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def close_db_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def client_ip() -> str | None:
    return request.remote_addr


def actor_for(user) -> Actor:  # noqa: ANN001 - an ORM User or None
    if user is None:
        return Actor(ip=client_ip())
    return Actor(user.id, user.login, client_ip())


def functions():  # noqa: ANN201 - the read-only mapping of service functions
    return current_app.extensions["ieum.functions"]


def today() -> dt.date:
    """The service date; tests may pin it with the ``IEUM_TODAY`` config value."""
    pinned = current_app.config.get("IEUM_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def signed_in_public_roles() -> PublicRoles | None:
    """The signed-in user's public roles today, read once per request (the navbar asks
    for the 지역 업무 and 콘텐츠 스튜디오 links on every page); ``None`` when nobody is
    signed in."""
    from flask_login import current_user  # noqa: PLC0415 - only with a request

    if not current_user.is_authenticated:
        return None
    if "ieum_public_roles" not in g:
        g.ieum_public_roles = public_roles(db_session(), current_user.row, today())
    return g.ieum_public_roles
