"""The audit log: append-only rows, each hashing its content together with the previous hash.

Changing or deleting any row breaks the chain from that row on, which ``verify_chain`` finds.
Retention (``purge_events``) removes the oldest rows as a prefix of the chain and appends an
``audit.purge`` marker recording the hash of the last removed row: verification then starts at
the earliest remaining row and accepts its ``prev_hash`` only when that marker vouches for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ieum.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
PURGE_ACTION = "audit.purge"
_CHAIN_LOCK = 0x1E0A0D17  # PostgreSQL advisory lock id serialising appends


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where."""

    user_id: int | None = None
    login: str | None = None
    ip: str | None = None


def record_event(
    session: Session,
    action: str,
    actor: Actor,
    *,
    facility_id: int | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    subject_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it is kept only if that commits)."""
    _lock_chain(session)
    previous = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=utcnow(),
        user_id=actor.user_id,
        login=actor.login,
        facility_id=facility_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        subject_id=subject_id,
        ip=actor.ip,
        detail=detail or {},
        prev_hash=previous or GENESIS,
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def _lock_chain(session: Session) -> None:
    """Serialise writers of the chain until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway). Re-entrant within one transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


def event_hash(event: AuditEvent) -> str:
    occurred = event.occurred_at
    if occurred.tzinfo is None:  # SQLite returns naive datetimes; they are stored as UTC
        occurred = occurred.replace(tzinfo=dt.UTC)
    content = {
        "occurred_at": occurred.astimezone(dt.UTC).isoformat(),
        "user_id": event.user_id,
        "login": event.login,
        "facility_id": event.facility_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "subject_id": event.subject_id,
        "ip": event.ip,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the whole table: how many rows were read, and every break."""

    count: int
    problems: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session: Session) -> list[str]:
    """Every break in the chain, as a message naming the row; empty when intact."""
    return list(check_chain(session).problems)


def check_chain(session: Session) -> ChainCheck:
    """Walk the table in id order from its earliest remaining row.

    That row must follow ``GENESIS`` or, after a purge, the hash the latest ``audit.purge``
    marker recorded for the last removed row; every later row must follow the row before it.
    """
    problems: list[str] = []
    expected_prev = purge_anchor(session)
    count = 0
    rows = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event in session.scalars(rows):
        count += 1
        if event.prev_hash != expected_prev:
            problems.append(f"audit_event {event.id}: 앞 행의 해시와 이어지지 않습니다 (삭제 의심)")
        if event_hash(event) != event.hash:
            problems.append(f"audit_event {event.id}: 내용이 해시와 다릅니다 (변조 의심)")
        expected_prev = event.hash
    return ChainCheck(count, tuple(problems))


def purge_anchor(session: Session) -> str:
    """The ``prev_hash`` the earliest remaining row must carry: ``GENESIS`` unless purged."""
    return _anchor(_latest_purge(session))[1]


def _latest_purge(session: Session) -> AuditEvent | None:
    return session.scalar(select(AuditEvent).where(AuditEvent.action == PURGE_ACTION)
                          .order_by(AuditEvent.id.desc()).limit(1))


def _anchor(marker: AuditEvent | None) -> tuple[Any, str]:
    """(id, hash) of the last row the marker says was purged; (None, GENESIS) without one."""
    if marker is None:
        return None, GENESIS
    recorded = (marker.detail or {}).get("last_hash")
    return (marker.detail or {}).get("last_id"), (
        recorded if isinstance(recorded, str) else GENESIS)


def purge_events(session: Session, before: dt.datetime, actor: Actor,
                 detail: dict[str, Any] | None = None) -> int:
    """Remove the events older than ``before`` in the caller's transaction; the count removed.

    Only a prefix of the chain goes: the rows before the first one at or after ``before``, so a
    row with an out-of-order clock never leaves a gap. The ``audit.purge`` marker is appended
    first (it is never purged itself) and records the id and hash of the last removed row, or,
    when nothing is removed, carries the previous anchor forward.
    """
    _lock_chain(session)
    cutoff = _as_utc(before)
    boundary = session.scalar(select(func.min(AuditEvent.id))
                              .where(AuditEvent.occurred_at >= cutoff))
    if boundary is None:  # every row is old
        boundary = (session.scalar(select(func.max(AuditEvent.id))) or 0) + 1
    count = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id < boundary)) or 0
    last = session.scalar(select(AuditEvent).where(AuditEvent.id < boundary)
                          .order_by(AuditEvent.id.desc()).limit(1))
    last_id, last_hash = (last.id, last.hash) if last else _anchor(_latest_purge(session))
    record_event(session, PURGE_ACTION, actor, target_type="audit_event",
                 target_id=last_id,
                 detail={**(detail or {}), "before": cutoff.isoformat(), "count": count,
                         "last_id": last_id, "last_hash": last_hash})
    if count:
        session.execute(delete(AuditEvent).where(AuditEvent.id < boundary))
    return count


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
