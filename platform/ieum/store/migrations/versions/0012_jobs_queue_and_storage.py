"""jobs: long work off the request (``job``), periodic work claimed once across servers
(``job_slot``), file bytes kept in the database for servers that share nothing
(``stored_blob``)

Revision ID: 0012_jobs
Revises: 0012_decisions
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_jobs"
down_revision: str | None = "0012_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("facility_id", sa.Integer(), nullable=True),
        sa.Column("workspace", sa.String(length=40), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'cancelled')",
                           name=op.f("ck_job_status")),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name=op.f("ck_job_progress")),
        sa.ForeignKeyConstraint(["owner_id"], ["app_user.id"],
                                name=op.f("fk_job_owner_id_app_user")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f("fk_job_facility_id_facility")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    op.create_index("ix_job_owner_id", "job", ["owner_id"], unique=False)
    op.create_index("ix_job_facility_id", "job", ["facility_id"], unique=False)
    op.create_index("ix_job_owner_created", "job", ["owner_id", "created_at"], unique=False)
    op.create_index("ix_job_status", "job", ["status"], unique=False)
    op.create_table(
        "job_slot",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "slot", name=op.f("pk_job_slot")),
    )
    op.create_table(
        "stored_blob",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_blob")),
    )


def downgrade() -> None:
    op.drop_table("stored_blob")
    op.drop_table("job_slot")
    op.drop_index("ix_job_status", table_name="job")
    op.drop_index("ix_job_owner_created", table_name="job")
    op.drop_index("ix_job_facility_id", table_name="job")
    op.drop_index("ix_job_owner_id", table_name="job")
    op.drop_table("job")
