"""The core tables of DESIGN §5.

Records are JSON documents; only the columns that screens filter and sort on are promoted.
Tables that people edit concurrently are ``Versioned`` (optimistic locking).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# Portable JSON: JSONB on PostgreSQL, JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")

# Constraint names must be stable across engines so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

OPEN_ENDED = dt.date(9999, 12, 31)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Facility(Base):
    """기관: one facility, of one facility type (its profile)."""

    __tablename__ = "facility"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    profile_code: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(10))
    capacity: Mapped[int | None] = mapped_column(Integer)
    official_kind_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    """A person who logs in. Facility membership comes from role assignments."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Raised by logout, a password change, a role revocation: every signed-in screen session
    # carries the number it started with and ends when it no longer matches.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    assignments: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id"
    )


class RoleAssignment(Base):
    """A role of a facility profile held by a user in one facility for a validity period."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_to", name="valid_period"),
        Index("ix_role_assignment_user_facility", "user_id", "facility_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    role: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date, default=OPEN_ENDED)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="assignments", foreign_keys=[user_id])
    facility: Mapped[Facility] = relationship()

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to


class ApiToken(Base):
    """A bearer token for ``/api/v1``; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Person(Base):
    """One human across facilities, found by a keyed hash (HMAC) of the resident number."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    rrn_hmac: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Versioned:
    """Creation and update times, and a ``version`` for optimistic locking: an update of a
    row that changed since it was read raises ``StaleDataError`` instead of overwriting."""

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805 - a class-level directive
        return {"version_id_col": cls.__table__.c.version}


class Subject(Versioned, Base):
    """대상자: a person's membership in one facility."""

    __tablename__ = "subject"
    __table_args__ = (Index("ix_subject_facility_status", "facility_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="입소")
    rrn_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class Record(Versioned, Base):
    """One saved form: facility, unit function, form id and version, subject, JSON data."""

    __tablename__ = "record"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'final', 'locked')", name="status"),
        Index("ix_record_facility_unit_form", "facility_id", "unit_function", "form_id"),
        # the dashboard's records per month (migration 0012_charts)
        Index("ix_record_facility_entry_date", "facility_id", "entry_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    unit_function: Mapped[str] = mapped_column(String(64))
    form_id: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="draft")
    entry_date: Mapped[dt.date | None] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class FormSnapshot(Base):
    """The schema of a form version as records were saved with it.

    Form files change; a record is always shown and edited with the schema of the version
    it was saved with, so every version that a record uses is kept here.
    """

    __tablename__ = "form_snapshot"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    schema: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProcessInstance(Versioned, Base):
    """A running BPMN process: serialized SpiffWorkflow state and the spec hash it started on."""

    __tablename__ = "process_instance"
    __table_args__ = (
        CheckConstraint(
            "status IN ('running', 'completed', 'error', 'cancelled')", name="status"
        ),
        Index("ix_process_instance_facility_status", "facility_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    unit_function: Mapped[str] = mapped_column(String(64))
    process_id: Mapped[str] = mapped_column(String(128))
    spec_hash: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")
    error_message: Mapped[str | None] = mapped_column(Text)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    next_timer_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                              index=True)


class Task(Base):
    """One ready (or finished) user task of a process instance, as the inbox sees it."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("instance_id", "spiff_task_id"),
        CheckConstraint("state IN ('ready', 'completed', 'cancelled')", name="state"),
        Index("ix_task_facility_state_role", "facility_id", "state", "role"),
        Index("ix_task_assignee_state", "assignee_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(200))
    form_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id"))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="ready")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"))

    instance: Mapped[ProcessInstance] = relationship()


class Closing(Base):
    """마감: entries dated on or before ``closed_through`` are refused."""

    __tablename__ = "closing"
    __table_args__ = (UniqueConstraint("facility_id", "unit_function"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"))
    unit_function: Mapped[str] = mapped_column(String(64))
    closed_through: Mapped[dt.date] = mapped_column(Date)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attachment(Base):
    """A file kept outside the web root; the row keeps what is needed to serve and verify it."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)
    field: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained audit log: ``hash`` covers this row and ``prev_hash``.

    No foreign keys on purpose: an audit row outlives the user or facility it mentions.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_occurred_at", "occurred_at"),
        Index("ix_audit_event_facility_action", "facility_id", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int | None] = mapped_column(Integer)
    login: Mapped[str | None] = mapped_column(String(64))
    facility_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditCheckpoint(Base):
    """A signed statement that the audit chain had ``event_count`` rows ending in
    ``last_event_id``/``last_hash``; ``signature`` is an HMAC with a key kept outside the
    database (ieum.access.audit), so neither truncation nor re-hashing the chain goes unseen."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_event_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    event_count: Mapped[int] = mapped_column(Integer)
    signature: Mapped[str] = mapped_column(String(64))
