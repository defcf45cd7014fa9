"""Tables of notifications: the in-app notices of each user, their choices per kind, and the
e-mail outbox the scheduler tick delivers from (``ieum.services.notifications``).

* ``notification``: one notice for one user (a task waiting, a report due, a job done, ...),
  read or unread. ``key`` makes a notice idempotent per user (the same report deadline is
  announced once). A notice the user wants by e-mail waits with ``email_state = 'pending'``
  until the tick puts it into an outbox row.
* ``notification_setting``: per user, the e-mail address and the channel of each kind
  (``app``, ``email`` = in-app and e-mail, ``off``).
* ``notification_email``: the outbox. One row is one message to one address, written in the
  same transaction as the notices it announces (nothing is lost) and sent by the tick, which
  claims it before sending (nothing is sent twice) and retries a failure later.
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

from ieum.store.models import Base, JSONDocument, Task, utcnow

CHANNELS = ("app", "email", "off")
EMAIL_STATES = ("pending", "queued", "expired")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(Base):
    """One in-app notice for one user."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("email_state IN ('pending', 'queued', 'expired')", name="email_state"),
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_email_state", "email_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    #: where the notice leads: a path (``link``), or an endpoint with its arguments
    #: (``target``: ``{"endpoint": ..., "args": {...}}``), or the task it announces
    link: Mapped[str | None] = mapped_column(String(500))
    target: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    email_state: Mapped[str | None] = mapped_column(String(10))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("notification_email.id"))

    task: Mapped[Task | None] = relationship()


class NotificationSetting(Base):
    """A user's e-mail address and channel per kind (kinds not listed: the kind's default)."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    channels: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                    onupdate=utcnow)


class NotificationEmail(Base):
    """The outbox: one e-mail to send (or sent, or given up after its retries)."""

    __tablename__ = "notification_email"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status"),
        Index("ix_notification_email_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    count: Mapped[int] = mapped_column(Integer, default=1)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True),
                                                         default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
