"""Bearer tokens for the JSON API. The plaintext is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import String, bindparam, select, update
from sqlalchemy.orm import Session

from ieum.store.models import ApiToken, User, utcnow
from ieum.store.models_studio import ContentState


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, hours: int) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=hours)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), expires_at=expires_at))
    session.flush()
    return token, expires_at


#: built once: the token's state, its owner and the published content's generation (every
#: API request needs the three: the generation tells a worker to load content another process
#: published), in one statement
_TOKEN_OWNER = select(
    ApiToken.revoked_at, ApiToken.expires_at, User,
    select(ContentState.generation).where(ContentState.id == 1).scalar_subquery(),
).join(User, User.id == ApiToken.user_id).where(
    ApiToken.token_hash == bindparam("token_hash", type_=String()))


def token_owner(session: Session, token: str) -> tuple[User | None, int | None]:
    """The active user owning an unexpired, unrevoked token (else None), and the content
    generation read with it (None when no token row was found: nothing was read)."""
    if not token or len(token) > 256:
        return None, None
    found = session.execute(_TOKEN_OWNER, {"token_hash": _digest(token)}).first()
    if found is None:
        return None, None
    revoked_at, expires_at, user, generation = found
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    valid = revoked_at is None and expires_at > utcnow() and user.is_active
    return (user if valid else None), (generation or 0)


def revoke_token(session: Session, token: str) -> None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_user_tokens(session: Session, user_id: int) -> int:
    """Revoke every live token of the user (a web logout or a password change ends the API
    sessions too); the number revoked."""
    result = session.execute(update(ApiToken)
                             .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                             .values(revoked_at=utcnow()))
    return result.rowcount or 0
