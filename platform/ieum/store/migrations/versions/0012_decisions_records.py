"""decision records: the trace of every decision on a catalog application (issue 16)

Revision ID: 0012_decisions
Revises: 0012_community
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_decisions"
down_revision: str | None = "0012_community"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("computed_eligible", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("benefit", sa.BigInteger(), nullable=True),
        sa.Column("trace", sa.LargeBinary(), nullable=False),
        sa.Column("trace_size", sa.Integer(), nullable=False),
        sa.Column("trace_sha256", sa.String(length=64), nullable=False),
        sa.Column("audit_event_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('auto', 'manual')", name=op.f("ck_decision_record_kind")),
        sa.CheckConstraint("decision IN ('eligible', 'ineligible')",
                           name=op.f("ck_decision_record_decision")),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"],
                                name=op.f("fk_decision_record_application_id_application")),
        sa.ForeignKeyConstraint(["program_version_id"], ["program_version.id"],
                                name=op.f("fk_decision_record_program_version_id_program_version")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"],
                                name=op.f("fk_decision_record_decided_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_record")),
    )
    op.create_index("ix_decision_record_application", "decision_record", ["application_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_record_application", table_name="decision_record")
    op.drop_table("decision_record")
