"""notifications: in-app notices per user, their channels per kind, and the e-mail outbox

* ``notification``: one notice for one user, read or unread; ``key`` keeps a notice from
  being given twice; ``email_state`` says whether it still waits for the e-mail outbox.
* ``notification_setting``: a user's e-mail address and channel per kind.
* ``notification_email``: the outbox the scheduler tick sends from, with retries.

Revision ID: 0012_notify
Revises: 0012_gainloss
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_notify"
down_revision: str | None = "0012_gainloss"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "notification_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')",
                           name=op.f("ck_notification_email_status")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_notification_email_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_email")),
    )
    op.create_index("ix_notification_email_status_next", "notification_email",
                    ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("target", JSON_DOCUMENT, nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=True),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("email_state IN ('pending', 'queued', 'expired')",
                           name=op.f("ck_notification_email_state")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_notification_user_id_app_user")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f("fk_notification_facility_id_facility")),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"],
                                name=op.f("fk_notification_task_id_task")),
        sa.ForeignKeyConstraint(["outbox_id"], ["notification_email.id"],
                                name=op.f("fk_notification_outbox_id_notification_email")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_notification_user_id_key")),
    )
    op.create_index("ix_notification_user_read", "notification", ["user_id", "read_at"],
                    unique=False)
    op.create_index("ix_notification_email_state", "notification", ["email_state"],
                    unique=False)
    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("channels", JSON_DOCUMENT, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_notification_setting_user_id_app_user")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_setting")),
    )


def downgrade() -> None:
    op.drop_table("notification_setting")
    op.drop_index("ix_notification_email_state", table_name="notification")
    op.drop_index("ix_notification_user_read", table_name="notification")
    op.drop_table("notification")
    op.drop_index("ix_notification_email_status_next", table_name="notification_email")
    op.drop_table("notification_email")
