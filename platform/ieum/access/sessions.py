"""Ending sessions on the server: a web session is valid only while the number it started
with equals the user's ``session_version``; raising it ends every screen session of that
user at its next request, and every API token is revoked with it (ASVS V3.3)."""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.orm import Session

from ieum.access.tokens import revoke_user_tokens
from ieum.store.models import User
from ieum.store.models_studio import ContentState


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


#: built once: the statement's construction costs more Python than its execution
_SIGNED_IN = select(
    User, select(ContentState.generation).where(ContentState.id == 1).scalar_subquery(),
).where(User.id == bindparam("signed_in_user", type_=Integer()))


def signed_in_user(session: Session, user_id: int) -> tuple[User | None, int | None]:
    """The active account ``user_id`` (None if there is none or it is inactive) and the
    published content's generation, in one statement: every signed-in page needs both (the
    generation tells a worker to load content another process published). The generation is
    None when the account row is missing (nothing was read)."""
    found = session.execute(_SIGNED_IN, {"signed_in_user": user_id}).first()
    if found is None:
        return None, None
    user, number = found
    return (user if user.is_active else None), (number or 0)
