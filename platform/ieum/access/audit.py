"""The audit log: append-only rows, each hashing its content together with the previous hash.

Changing or deleting any row breaks the chain from that row on, which ``verify_chain`` finds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ieum.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
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


def verify_chain(session: Session) -> list[str]:
    """Every break in the chain, as a message naming the row; empty when intact."""
    problems: list[str] = []
    expected_prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        if event.prev_hash != expected_prev:
            problems.append(f"audit_event {event.id}: 앞 행의 해시와 이어지지 않습니다 (삭제 의심)")
        if event_hash(event) != event.hash:
            problems.append(f"audit_event {event.id}: 내용이 해시와 다릅니다 (변조 의심)")
        expected_prev = event.hash
    return problems
