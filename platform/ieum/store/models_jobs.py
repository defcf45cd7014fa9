"""Tables of long work and of what every app server shares.

* ``job``: one piece of long work (a simulation, a large Excel export, a report, a timer tick)
  run by a worker off the web request: its owner, status, progress 0-100 with a Korean
  message, its result (a link or a small JSON document) or error, and a cancel request.
* ``job_slot``: periodic work claimed once across every server: the first worker to insert
  ``(name, slot)`` runs it, every other one finds the row and does nothing.
* ``stored_blob``: file bytes (already encrypted) kept in the database, for installations
  whose app servers share nothing but the database (``IEUM_FILE_STORE=database``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ieum.store.models import Base, JSONDocument, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")


class Job(Base):
    """One piece of long work and what its owner sees of it."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                        name="status"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress"),
        Index("ix_job_owner_created", "owner_id", "created_at"),
        Index("ix_job_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    #: who started it; None for the system's own periodic work
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"), index=True)
    #: where it was started: "facility", "studio", "region", "system"
    workspace: Mapped[str] = mapped_column(String(40), default="facility")
    params: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    error: Mapped[str | None] = mapped_column(Text)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class JobSlot(Base):
    """A run of periodic work, claimed by the one worker that inserted it."""

    __tablename__ = "job_slot"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class StoredBlob(Base):
    """File bytes kept in the database (sealed by ``ieum.access.files_at_rest``)."""

    __tablename__ = "stored_blob"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
