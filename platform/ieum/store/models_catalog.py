"""Tables of the open-market program catalog (DESIGN §8).

A ``program`` is the stable identity (code, name, owner); each change is a new
``program_version`` whose ``definition`` is the JSON a ``ProgramDefinition`` maps to. A
version goes ``draft -> review -> published``; publishing a newer version marks the previous
one ``superseded``; retiring the program marks its published version ``retired``. Review is a
table-backed approval: every submit / approve / return / retire is a ``program_review`` row.

An ``application`` stays on the version it was filed on. A ``simulation_run`` keeps only
aggregates of a run, never a household row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ieum.store.models import Base, Facility, JSONDocument, User, Versioned, utcnow

PROGRAM_STATUSES = ("draft", "review", "published", "retired")
VERSION_STATUSES = ("draft", "review", "published", "superseded", "retired")
APPLICATION_STATUSES = ("investigating", "decided", "withdrawn")
REVIEW_ACTIONS = ("submit", "approve", "return", "retire")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Program(Versioned, Base):
    """복지사업: one program across its versions; ``status`` is where the program stands."""

    __tablename__ = "program"
    __table_args__ = (CheckConstraint(_in("status", PROGRAM_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    retire_reason: Mapped[str | None] = mapped_column(Text)

    versions: Mapped[list[ProgramVersion]] = relationship(
        back_populates="program", order_by="ProgramVersion.number")


class ProgramVersion(Versioned, Base):
    """One version of a program: the definition JSON and where it is in the lifecycle."""

    __tablename__ = "program_version"
    __table_args__ = (
        UniqueConstraint("program_id", "number"),
        CheckConstraint(_in("status", VERSION_STATUSES), name="status"),
        Index("ix_program_version_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("program.id"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    program: Mapped[Program] = relationship(back_populates="versions")


class ProgramReview(Base):
    """One step of the review approval of a version: submitted, approved, returned, retired."""

    __tablename__ = "program_review"
    __table_args__ = (
        CheckConstraint(_in("action", REVIEW_ACTIONS), name="action"),
        Index("ix_program_review_version", "program_version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class Application(Versioned, Base):
    """신청: filed by a facility worker on behalf of a person, on one program version."""

    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint(_in("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint("decision IS NULL OR decision IN ('eligible', 'ineligible')",
                        name="decision"),
        CheckConstraint("decided_by IS NULL OR decided_by IN ('system', 'user')",
                        name="decided_by"),
        Index("ix_application_facility_status", "facility_id", "status"),
        Index("ix_application_program_version", "program_version_id"),
        Index("ix_application_bundle", "bundle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(100))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: Applications filed together share one bundle key and one common section.
    bundle: Mapped[str] = mapped_column(String(36))
    year: Mapped[int] = mapped_column(Integer)
    common_data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    annex_data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    household: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="investigating")
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(8))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reasons: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    income_recognition: Mapped[int | None] = mapped_column(BigInteger)
    threshold: Mapped[int | None] = mapped_column(BigInteger)
    benefit: Mapped[int | None] = mapped_column(BigInteger)
    computation: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    process_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id"))

    program_version: Mapped[ProgramVersion] = relationship()
    facility: Mapped[Facility] = relationship()


class SimulationRun(Base):
    """모의계산: the aggregates of one simulation of a version on a population (no rows)."""

    __tablename__ = "simulation_run"
    __table_args__ = (Index("ix_simulation_run_version", "program_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_version_id: Mapped[int] = mapped_column(ForeignKey("program_version.id"))
    population: Mapped[str] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    aggregates: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
