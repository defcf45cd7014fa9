"""Checking credentials; every success and failure lands in the audit log.

Repeated failures lock the account for a while (domain/privacy.md: "repeated failed logins lock
or restrict the account"): after ``attempts`` consecutive wrong passwords the account refuses
every login, even with the right password, until ``minutes`` have passed. A successful login
resets the count. The limits come from the Flask config (``IEUM_LOCKOUT_ATTEMPTS``,
``IEUM_LOCKOUT_MINUTES``) when called inside an app, so the web form and the API token endpoint
share them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.passwords import hash_password, needs_rehash, verify_password
from ieum.i18n import gettext as _
from ieum.store.models import User, utcnow

DEFAULT_LOCKOUT_ATTEMPTS = 5
DEFAULT_LOCKOUT_MINUTES = 15
KST = dt.timezone(dt.timedelta(hours=9), "KST")


@dataclass(frozen=True)
class LoginResult:
    """What happened: ``user`` on success, otherwise the audited ``reason``.

    ``locked_until`` (UTC) is set when the account is locked, including by this very attempt.
    """

    user: User | None
    reason: str | None = None
    locked_until: dt.datetime | None = None
    attempts: int = DEFAULT_LOCKOUT_ATTEMPTS
    minutes: int = DEFAULT_LOCKOUT_MINUTES

    def locked_message(self) -> str | None:
        """The explanation for the login page (in the request's language), with the unlock time
        in KST."""
        if self.locked_until is None:
            return None
        until = self.locked_until.astimezone(KST)
        if until.second or until.microsecond:  # "23:45 이후" must not be too early
            until = until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        return _("로그인을 %(attempts)s번 잘못해 %(minutes)s분 동안 잠겼습니다. "
                 "%(until)s 이후에 다시 시도하세요.",
                 attempts=self.attempts, minutes=self.minutes, until=until.strftime("%H:%M"))


def lockout_policy() -> tuple[int, int]:
    """(attempts, minutes): from the current app's config, else the defaults."""
    if has_app_context():
        config = current_app.config
        return (
            int(config.get("IEUM_LOCKOUT_ATTEMPTS", DEFAULT_LOCKOUT_ATTEMPTS)),
            int(config.get("IEUM_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES)),
        )
    return DEFAULT_LOCKOUT_ATTEMPTS, DEFAULT_LOCKOUT_MINUTES


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:  # SQLite returns naive UTC datetimes
        return moment.replace(tzinfo=dt.UTC)
    return moment


def check_login(session: Session, login: str, password: str, *, ip: str | None,
                channel: str = "web", attempts: int | None = None,
                minutes: int | None = None) -> LoginResult:
    """Check ``login``/``password`` in the caller's transaction (which must commit, also on
    failure, to keep the audit rows and the failure count)."""
    default_attempts, default_minutes = lockout_policy()
    attempts = max(1, attempts or default_attempts)
    minutes = max(1, minutes or default_minutes)
    login = (login or "").strip()
    if login and session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE and reads outside a transaction: a no-op write first takes
        # its write lock, so concurrent attempts on one account are checked one at a time
        # (else a burst of guesses all read "not locked" and lose counts).
        session.execute(update(User).where(User.login == login)
                        .values(failed_logins=User.failed_logins))
    # FOR UPDATE (PostgreSQL) so concurrent failures cannot lose a count.
    user = (
        session.scalar(select(User).where(User.login == login).with_for_update())
        if login else None
    )
    now = utcnow()

    def refuse(reason: str, locked_until: dt.datetime | None = None) -> LoginResult:
        detail = {"channel": channel, "reason": reason}
        if locked_until is not None:
            detail["locked_until"] = locked_until.isoformat()
        record_event(session, "login.failure",
                     Actor(user.id if user else None, login[:64] or None, ip), detail=detail)
        return LoginResult(None, reason, locked_until, attempts, minutes)

    if user is not None:
        locked_until = _aware(user.locked_until)
        if locked_until is not None and locked_until > now:
            # The password is not checked while locked (nothing to learn, nothing to count),
            # but hashed all the same: a locked account answers as slowly as any other, so
            # the time of the answer does not tell which logins exist.
            verify_password(None, password or "")
            return refuse("locked", locked_until=locked_until)
        if locked_until is not None:  # the lock has expired: a fresh set of attempts
            user.locked_until = None
            user.failed_logins = 0

    ok = verify_password(user.password_hash if user else None, password or "")
    if ok and user is not None and user.is_active:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = now
        user.failed_logins = 0
        user.locked_until = None
        record_event(session, "login.success", Actor(user.id, user.login, ip),
                     detail={"channel": channel})
        return LoginResult(user, None, None, attempts, minutes)
    if user is None:
        return refuse("unknown_login")
    if ok:
        return refuse("inactive")

    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins < attempts:
        return refuse("bad_password")
    user.locked_until = now + dt.timedelta(minutes=minutes)
    result = refuse("bad_password", locked_until=user.locked_until)
    record_event(session, "login.lockout", Actor(user.id, user.login, ip),
                 target_type="user", target_id=user.id,
                 detail={"channel": channel, "failed_logins": user.failed_logins,
                         "minutes": minutes, "locked_until": user.locked_until.isoformat()})
    return result


def authenticate(session: Session, login: str, password: str, *, ip: str | None,
                 channel: str = "web") -> User | None:
    """The user if ``login``/``password`` match an active, unlocked account, else None
    (audited; see ``check_login``)."""
    return check_login(session, login, password, ip=ip, channel=channel).user
