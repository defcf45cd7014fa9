"""Per-request access to the registry, the database session and the signed-in user."""

from __future__ import annotations

import datetime as dt

from flask import current_app, g, request
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.access.officials import PublicRoles
from ieum.definitions import Registry
from ieum.services.database import Database, end_session
from ieum.services.page_frame import Frame, read_frame


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
    """The request's session ends: rolled back if it holds anything uncommitted, committed
    if it only read (``ieum.store.db.end_session``: the database keeps its prepared
    statements)."""
    session = g.pop("db_session", None)
    if session is not None:
        end_session(session)


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


_GENERATION = "ieum_content_generation"


def note_content_generation(generation: int) -> None:
    """The content generation this request read along with another statement (the signed-in
    user's row): :func:`content_generation` answers it instead of asking again."""
    g.setdefault(_GENERATION, generation)


def bearer_token() -> str | None:
    """The request's ``Authorization: Bearer`` token, if it has one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_user():  # noqa: ANN201 - ieum.store.models.User | None
    """The active user owning the request's bearer token (None without a valid one), read at
    most once a request, with the content generation (which :func:`content_generation` then
    answers)."""
    if "ieum_token_user" not in g:
        from ieum.services.admin.users import token_user_and_generation  # noqa: PLC0415

        token = bearer_token()
        user, generation = token_user_and_generation(db_session(), token) if token \
            else (None, None)
        if generation is not None:
            note_content_generation(generation)
        g.ieum_token_user = user
    return g.ieum_token_user


def content_generation() -> int:
    """The published content's generation as this request read it (at most once): with the
    signed-in user's row, with the bearer token's on the API, else on its own."""
    if _GENERATION not in g and request.blueprint == "api" and bearer_token():
        token_user()
    if _GENERATION not in g:
        from ieum.services.studio.packages import content_generation as read  # noqa: PLC0415

        g.setdefault(_GENERATION, read(db_session()))
    return g.get(_GENERATION)


def page_frame() -> Frame | None:
    """What the frame of a signed-in page shows (unread notices, public roles today, the
    published programs), read in one statement at the first need of the request: the navbar,
    while the page renders; ``None`` when nobody is signed in."""
    from flask_login import current_user  # noqa: PLC0415 - only with a request

    if not current_user.is_authenticated:
        return None
    if "ieum_frame" not in g:
        g.ieum_frame = read_frame(db_session(), current_user.row.id, today())
    return g.ieum_frame


def signed_in_public_roles() -> PublicRoles | None:
    """The signed-in user's public roles today, read once per request with the page's frame
    (the navbar asks for the 지역 업무 and 콘텐츠 스튜디오 links on every page); ``None`` when
    nobody is signed in."""
    frame = page_frame()
    return frame.roles if frame is not None else None
