"""The audit log: append-only rows, each hashing its content together with the previous hash.

Changing or deleting any row breaks the chain from that row on, which ``verify_chain`` finds.
The chain alone proves nothing against someone who can write the table: cutting its last rows
or rewriting a row and re-hashing every row after it leaves a valid chain. So the chain is
anchored outside the table: every ``CHECKPOINT_EVERY`` events (and on ``ieum audit
checkpoint``, run from cron) an ``audit_checkpoint`` row records the last event's id and hash,
signed with an HMAC whose key is derived from the installation's master key (kept outside the
database, ``ieum.access.privacy``), each checkpoint also signing the one before it. ``ieum audit
checkpoint`` also writes the newest checkpoint to ``audit-anchor.json`` in the key folder.
``check_chain`` verifies every checkpoint's signature and that the event it names still holds
the hash it signed, and that the anchor file's checkpoint is still there: truncation back past
a checkpoint and re-hashing are found. On PostgreSQL a trigger refuses UPDATE, DELETE and
TRUNCATE on ``audit_event`` outright (migration 0010), except the purge below.

Retention (``purge_events``) removes the oldest rows as a prefix of the chain and appends an
``audit.purge`` marker recording the hash of the last removed row: verification then starts at
the earliest remaining row and accepts its ``prev_hash`` only when that marker vouches for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from ieum.access import privacy
from ieum.store.audit_chain import APPEND_FUNCTION
from ieum.store.models import AuditCheckpoint, AuditEvent, utcnow
from ieum.store.rows import adopt, insert_now

GENESIS = "0" * 64
PURGE_ACTION = "audit.purge"
_CHAIN_LOCK = 0x1E0A0D17  # PostgreSQL advisory lock id serialising appends
CHECKPOINT_EVERY = 20  # events between automatic signed checkpoints
ANCHOR_FILE = "audit-anchor.json"


@dataclass(frozen=True)
class Actor:
    """Who did something, and from where."""

    user_id: int | None = None
    login: str | None = None
    ip: str | None = None


#: The chain's last hash and the number of events after the newest checkpoint, in one
#: statement (both under the chain lock, before the new event is written).
_EVENTS, _CHECKPOINTS = AuditEvent.__table__.c, AuditCheckpoint.__table__.c
_CHAIN_END = select(
    select(_EVENTS.hash).order_by(_EVENTS.id.desc()).limit(1).scalar_subquery(),
    select(func.count()).where(_EVENTS.id > func.coalesce(
        select(_CHECKPOINTS.last_event_id).order_by(_CHECKPOINTS.id.desc()).limit(1)
        .scalar_subquery(), 0)).scalar_subquery())
#: A whole append on PostgreSQL: lock, chain end, hash, INSERT (migration 0014_wfcore).
_APPEND = text(
    f"SELECT out_id, out_prev, out_hash, out_since FROM {APPEND_FUNCTION}("
    "CAST(:key AS bigint), CAST(:genesis AS varchar), :occurred_at, CAST(:user_id AS integer), "
    "CAST(:login AS varchar), CAST(:facility_id AS integer), CAST(:action AS varchar), "
    "CAST(:target_type AS varchar), CAST(:target_id AS varchar), "
    "CAST(:subject_id AS integer), CAST(:ip AS varchar), :detail, CAST(:before AS text), "
    "CAST(:after AS text))").bindparams(
    bindparam("occurred_at", type_=_EVENTS.occurred_at.type),
    bindparam("detail", type_=_EVENTS.detail.type))
#: Stands for the previous hash in an event's canonical JSON sent to ``ieum_audit_append``.
_PREVIOUS = "ieum-previous-hash-" + secrets.token_hex(16)


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
    """Append one event in the caller's transaction (it is kept only if that commits).

    One statement reads the chain's end and how many events follow the last checkpoint; it
    does not flush the caller's pending rows (only earlier events of this transaction, which
    the chain must see), so a step's writes and its event go out in the one flush below. On
    PostgreSQL one statement does the whole append (lock, chain end, hash, INSERT: see
    :func:`_append_in_one`)."""
    if any(isinstance(row, AuditEvent) for row in session.new):
        session.flush()  # an earlier event of this transaction is the one to follow
    if session.get_bind().dialect.name == "postgresql":
        return _append_in_one(session, action, actor, facility_id=facility_id,
                              target_type=target_type, target_id=target_id,
                              subject_id=subject_id, detail=detail)
    with session.no_autoflush:
        _lock_chain(session)  # (a no-op: this is SQLite, which has one writer at a time)
        previous, since = session.execute(_CHAIN_END).one()
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
    insert_now(session, event, alone=True)  # no foreign keys: written at once, not flushed
    session.flush()  # the caller's pending rows, as callers expect of an audited step
    if since + 1 >= CHECKPOINT_EVERY:  # the events after the last checkpoint, this one too
        write_checkpoint(session)
    return event


def _append_in_one(session: Session, action: str, actor: Actor, *, facility_id: int | None,
                   target_type: str | None, target_id: str | int | None,
                   subject_id: int | None, detail: dict[str, Any] | None) -> AuditEvent:
    """``record_event`` on PostgreSQL: one statement locks the chain, reads its end, hashes
    and inserts the event (``ieum.store.audit_chain``); the hash is checked against
    :func:`event_hash` here. The caller's pending rows are flushed first, as before."""
    event = AuditEvent(
        occurred_at=utcnow(), user_id=actor.user_id, login=actor.login,
        facility_id=facility_id, action=action, target_type=target_type,
        target_id=None if target_id is None else str(target_id), subject_id=subject_id,
        ip=actor.ip, detail=detail or {}, prev_hash=_PREVIOUS)
    before, marker, after = _canonical(event).rpartition(f'"prev_hash":"{_PREVIOUS}"')
    if not marker:
        raise RuntimeError("audit event without its previous hash")
    session.flush()  # the caller's pending rows, as callers expect of an audited step
    written = session.execute(_APPEND, {
        "key": _CHAIN_LOCK, "genesis": GENESIS, "occurred_at": event.occurred_at,
        "user_id": event.user_id, "login": event.login, "facility_id": event.facility_id,
        "action": event.action, "target_type": event.target_type,
        "target_id": event.target_id, "subject_id": event.subject_id, "ip": event.ip,
        "detail": event.detail, "before": before + '"prev_hash":"', "after": '"' + after,
    }).one()
    event.id, event.prev_hash, event.hash = written.out_id, written.out_prev, written.out_hash
    if event_hash(event) != event.hash:  # the database hashed other text than ours
        raise RuntimeError("audit hash mismatch")
    adopt(session, event)
    if written.out_since + 1 >= CHECKPOINT_EVERY:
        write_checkpoint(session)
    return event


# --- signed checkpoints ---------------------------------------------------------------------

def _checkpoint_key() -> bytes:
    return privacy.derived_key(b"audit checkpoint")


def _signature(last_event_id: int, last_hash: str, event_count: int, previous: str) -> str:
    message = f"{last_event_id}:{last_hash}:{event_count}:{previous}".encode()
    return hmac.new(_checkpoint_key(), message, hashlib.sha256).hexdigest()


def write_checkpoint(session: Session) -> AuditCheckpoint | None:
    """Sign the chain's current end in the caller's transaction (None: no events yet)."""
    _lock_chain(session)
    last = session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    if last is None:
        return None
    previous = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())
                              .limit(1))
    if previous is not None and previous.last_event_id == last.id:
        return previous
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    checkpoint = AuditCheckpoint(
        created_at=utcnow(), last_event_id=last.id, last_hash=last.hash, event_count=count,
        signature=_signature(last.id, last.hash, count,
                             previous.signature if previous else ""))
    session.add(checkpoint)
    session.flush()
    return checkpoint


def write_anchor(checkpoint: AuditCheckpoint) -> Path:
    """Keep the newest checkpoint outside the database (beside the master key)."""
    path = privacy.key_folder() / ANCHOR_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"checkpoint": checkpoint.id,
                                "last_event_id": checkpoint.last_event_id,
                                "signature": checkpoint.signature}), encoding="utf-8")
    return path


def _checkpoint_problems(session: Session, purged_through: Any) -> list[str]:
    problems: list[str] = []
    previous = ""
    rows = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    checkpoints = list(rows)
    for checkpoint in checkpoints:
        expected = _signature(checkpoint.last_event_id, checkpoint.last_hash,
                              checkpoint.event_count, previous)
        if not hmac.compare_digest(expected, checkpoint.signature):
            problems.append(f"audit_checkpoint {checkpoint.id}: 서명이 맞지 않습니다 "
                            "(검증점 위조·삭제 의심)")
        previous = checkpoint.signature
        if isinstance(purged_through, int) and checkpoint.last_event_id <= purged_through:
            continue  # that event was removed by a recorded purge
        held = session.scalar(select(AuditEvent.hash)
                              .where(AuditEvent.id == checkpoint.last_event_id))
        if held is None:
            problems.append(f"audit_checkpoint {checkpoint.id}: 서명된 감사 기록 "
                            f"{checkpoint.last_event_id}이 없습니다 (뒷부분 삭제 의심)")
        elif held != checkpoint.last_hash:
            problems.append(f"audit_checkpoint {checkpoint.id}: 감사 기록 "
                            f"{checkpoint.last_event_id}의 해시가 서명과 다릅니다 (재계산 의심)")
    anchor = privacy.key_folder() / ANCHOR_FILE
    if anchor.exists():
        try:
            kept = json.loads(anchor.read_text(encoding="utf-8"))
        except ValueError:
            kept = {}
        match = [c for c in checkpoints if c.id == kept.get("checkpoint")]
        if not match or match[0].signature != kept.get("signature"):
            problems.append(f"{ANCHOR_FILE}: 외부에 보관한 검증점 {kept.get('checkpoint')}이 "
                            "데이터베이스에 없습니다 (검증점·기록 삭제 의심)")
    return problems


def _lock_chain(session: Session) -> None:
    """Serialise writers of the chain until the transaction ends (PostgreSQL; SQLite has one
    writer at a time anyway). Re-entrant within one transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event).encode("utf-8")).hexdigest()


def _canonical(event: AuditEvent) -> str:
    """The text an event's hash covers: its content as canonical JSON."""
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
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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
    purged_through, _ = _anchor(_latest_purge(session))
    problems += _checkpoint_problems(session, purged_through)
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
        if session.get_bind().dialect.name == "postgresql":  # the append-only trigger's leave
            session.execute(text("SELECT set_config('ieum.audit_purge', 'on', true)"))
        session.execute(delete(AuditEvent).where(AuditEvent.id < boundary))
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT set_config('ieum.audit_purge', 'off', true)"))
    return count


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
