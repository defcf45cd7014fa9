"""Bearer tokens for the JSON API. The plaintext is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ieum.store.models import ApiToken, User, utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, hours: int) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + dt.timedelta(hours=hours)
    session.add(ApiToken(user_id=user.id, token_hash=_digest(token), expires_at=expires_at))
    session.flush()
    return token, expires_at


def user_for_token(session: Session, token: str) -> User | None:
    """The active user owning an unexpired, unrevoked token, else None."""
    if not token or len(token) > 256:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    expires_at = row.expires_at
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    if expires_at <= utcnow() or not row.user.is_active:
        return None
    return row.user


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
