"""Checking credentials; every success and failure lands in the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.passwords import hash_password, needs_rehash, verify_password
from ieum.store.models import User, utcnow


def authenticate(session: Session, login: str, password: str, *, ip: str | None,
                 channel: str = "web") -> User | None:
    """The user if ``login``/``password`` match an active account, else None (audited)."""
    login = (login or "").strip()
    user = session.scalar(select(User).where(User.login == login)) if login else None
    ok = verify_password(user.password_hash if user else None, password or "")
    if ok and user is not None and user.is_active:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        record_event(session, "login.success", Actor(user.id, user.login, ip),
                     detail={"channel": channel})
        return user
    reason = "unknown_login" if user is None else ("inactive" if ok else "bad_password")
    record_event(
        session,
        "login.failure",
        Actor(user.id if user else None, login[:64] or None, ip),
        detail={"channel": channel, "reason": reason},
    )
    return None
