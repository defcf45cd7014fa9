"""report reminders in a table named after the engine's concept (report_due_reminder)

The table of deadline reminders was named like the shipped library's reminder form; the
kernel names no content, so it becomes ``report_due_reminder`` (rows kept).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "id, facility_id, kind, period_key, due_date, instance_id, created_at"


def _create(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f(f"fk_{name}_facility_id_facility")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f(f"fk_{name}_instance_id_process_instance")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("facility_id", "kind", "period_key",
                            name=op.f(f"uq_{name}_facility_id_kind_period_key")),
    )


def _move(old: str, new: str) -> None:
    """A new table with the constraint names of its own, the rows copied, the old dropped
    (a rename would keep the old constraint names)."""
    _create(new)
    op.execute(f"INSERT INTO {new} ({COLUMNS}) SELECT {COLUMNS} FROM {old}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"SELECT setval(pg_get_serial_sequence('{new}', 'id'), "
                   f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {new}")
    op.drop_table(old)


def upgrade() -> None:
    _move("report_reminder", "report_due_reminder")


def downgrade() -> None:
    _move("report_due_reminder", "report_reminder")
