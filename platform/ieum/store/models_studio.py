"""The content studio's drafts: documents (a form, a process, a unit function or a profile),
their saved versions, the packages they are published in, and the content generation.

Files are the one source of truth: the database holds a document's versions only until the
package holding it is published (exported as a package folder), after which its versions are
marked ``published_at`` and the live content is read from the folder again. ``content_state``
holds one row whose ``generation`` grows by one at every publication; every worker process
compares it with the generation of the registry it holds and reloads when it is behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
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

from ieum.store.models import Base, JSONDocument, User, utcnow

DOCUMENT_KINDS = ("form", "process", "unit", "profile")
PACKAGE_STATUSES = ("draft", "review", "approved", "published")


class StudioPackage(Base):
    """A studio package: the drafts published together as one package folder (and wheel)."""

    __tablename__ = "studio_package"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'review', 'approved', 'published')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: What was submitted: ``{"<kind>/<key>": version}``, so a save after submission is seen.
    submitted_versions: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_generation: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    onupdate=utcnow)

    documents: Mapped[list[StudioDocument]] = relationship(
        back_populates="package", order_by="(StudioDocument.kind, StudioDocument.key)")


class StudioDocument(Base):
    """One document being edited in the studio, by kind and key (a form id, a BPMN process
    id, a unit function id, a profile code)."""

    __tablename__ = "studio_document"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        CheckConstraint("kind IN ('form', 'process', 'unit', 'profile')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("studio_package.id"))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    onupdate=utcnow)

    package: Mapped[StudioPackage | None] = relationship(back_populates="documents")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class StudioVersion(Base):
    """A saved version of a document: the whole body (a JSON object, or BPMN XML text)."""

    __tablename__ = "studio_version"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("studio_document.id"))
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSONDocument)
    note: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Set when the package holding this version was published (exported to files).
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class StudioReview(Base):
    """One step of a package's review: submitted, approved, returned (with a reason),
    published."""

    __tablename__ = "studio_review"
    __table_args__ = (
        CheckConstraint("action IN ('submit', 'approve', 'return', 'publish', 'import')",
                        name="action"),
        Index("ix_studio_review_package", "package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("studio_package.id"))
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    versions: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class ContentState(Base):
    """One row (id 1): the generation of the published content, raised at each publication."""

    __tablename__ = "content_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
