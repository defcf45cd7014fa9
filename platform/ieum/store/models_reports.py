"""Tables of the reports area: reports to the 시·군·구 (시군구보고), their submissions, and the
deadline reminders handed to facility heads.

A ``report`` is one facility's report of one kind for one period (draft -> submitted ->
accepted / returned). Its ``content`` is a snapshot generated from the facility's records
(figures and the rows behind them); every submission keeps its own copy of that snapshot in
``report_submission`` together with the official's decision, so a returned and resubmitted
report loses nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ieum.store.models import Base, JSONDocument, Versioned, utcnow

REPORT_STATUSES = ("draft", "submitted", "accepted", "returned")
SUBMISSION_OUTCOMES = ("pending", "accepted", "returned", "withdrawn")


class Report(Versioned, Base):
    """시군구보고: one report of a facility, of one kind, for one period."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("facility_id", "kind", "period_key"),
        CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'returned')",
                        name="status"),
        CheckConstraint("period_start <= period_end", name="period"),
        Index("ix_report_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    generated_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    return_reason: Mapped[str | None] = mapped_column(Text)
    submissions: Mapped[list[ReportSubmission]] = relationship(
        back_populates="report", order_by="ReportSubmission.number")


class ReportSubmission(Base):
    """One submission of a report, with the snapshot submitted and the official's decision."""

    __tablename__ = "report_submission"
    __table_args__ = (
        UniqueConstraint("report_id", "number"),
        CheckConstraint("outcome IN ('pending', 'accepted', 'returned', 'withdrawn')",
                        name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    report: Mapped[Report] = relationship(back_populates="submissions")


class ReportReminder(Base):
    """A deadline reminder handed to a facility's head: the process instance whose task waits
    in their inbox until the report of that kind and period is submitted."""

    __tablename__ = "report_due_reminder"
    __table_args__ = (UniqueConstraint("facility_id", "kind", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    kind: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[dt.date] = mapped_column(Date)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
