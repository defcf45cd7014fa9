"""Decision records of the program catalog (issue 16).

Every automatic or manual decision on an application keeps its trace: each value of the
evaluation, the expression that produced it, the program version, the dated parameter values
and the legal basis of each step (``ieum.catalog.trace``). The trace is canonical JSON,
zlib-compressed (``trace``); ``trace_sha256`` is the hash of the uncompressed text, also
written into the audit row of the decision (``audit_event_id``), whose hash chain makes a
changed trace evident.
"""

from __future__ import annotations

import datetime as dt

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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ieum.store.models import Base, utcnow
from ieum.store.models_catalog import Application, ProgramVersion

DECISION_KINDS = ("auto", "manual")


class DecisionRecord(Base):
    """결정 기록: one decision on an application, with its compressed trace."""

    __tablename__ = "decision_record"
    __table_args__ = (
        CheckConstraint("kind IN ('auto', 'manual')", name="kind"),
        CheckConstraint("decision IN ('eligible', 'ineligible')", name="decision"),
        Index("ix_decision_record_application", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    kind: Mapped[str] = mapped_column(String(8))
    year: Mapped[int] = mapped_column(Integer)
    #: What the computation gave (the rules), and what was decided (may differ when manual).
    computed_eligible: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[str] = mapped_column(String(16))
    benefit: Mapped[int | None] = mapped_column(BigInteger)
    trace: Mapped[bytes] = mapped_column(LargeBinary)
    trace_size: Mapped[int] = mapped_column(Integer)
    trace_sha256: Mapped[str] = mapped_column(String(64))
    audit_event_id: Mapped[int | None] = mapped_column(Integer)  # no FK: audit rows outlive
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship()
    program_version: Mapped[ProgramVersion] = relationship()
