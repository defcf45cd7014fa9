"""Ending sessions on the server: a web session is valid only while the number it started
with equals the user's ``session_version``; raising it ends every screen session of that
user at its next request, and every API token is revoked with it (ASVS V3.3)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ieum.access.tokens import revoke_user_tokens
from ieum.store.models import User


def end_sessions(session: Session, user_id: int) -> int:
    """End every web session and API token of the user; the new session version."""
    session.execute(update(User).where(User.id == user_id)
                    .values(session_version=User.session_version + 1))
    revoke_user_tokens(session, user_id)
    session.flush()
    user = session.get(User, user_id)
    session.refresh(user, ["session_version"])
    return user.session_version


def current_version(user: User) -> int:
    return user.session_version or 0
