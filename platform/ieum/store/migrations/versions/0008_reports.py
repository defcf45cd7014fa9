"""reports to the 시·군·구

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("content", JSON_DOCUMENT, nullable=False),
        sa.Column("problems", JSON_DOCUMENT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'accepted', 'returned')",
                           name=op.f("ck_report_status")),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_report_period")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f("fk_report_facility_id_facility")),
        sa.ForeignKeyConstraint(["generated_by_id"], ["app_user.id"],
                                name=op.f("fk_report_generated_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("facility_id", "kind", "period_key",
                            name=op.f("uq_report_facility_id_kind_period_key")),
    )
    op.create_index("ix_report_facility_id", "report", ["facility_id"], unique=False)
    op.create_index("ix_report_status_kind", "report", ["status", "kind"], unique=False)

    op.create_table(
        "report_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", JSON_DOCUMENT, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("outcome IN ('pending', 'accepted', 'returned', 'withdrawn')",
                           name=op.f("ck_report_submission_outcome")),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"],
                                name=op.f("fk_report_submission_report_id_report")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["app_user.id"],
                                name=op.f("fk_report_submission_submitted_by_id_app_user")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_report_submission_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"],
                                name=op.f("fk_report_submission_decided_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
        sa.UniqueConstraint("report_id", "number",
                            name=op.f("uq_report_submission_report_id_number")),
    )

    op.create_table(
        "report_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f("fk_report_reminder_facility_id_facility")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_report_reminder_instance_id_process_instance")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_reminder")),
        sa.UniqueConstraint("facility_id", "kind", "period_key",
                            name=op.f("uq_report_reminder_facility_id_kind_period_key")),
    )


def downgrade() -> None:
    op.drop_table("report_reminder")
    op.drop_table("report_submission")
    op.drop_index("ix_report_status_kind", table_name="report")
    op.drop_index("ix_report_facility_id", table_name="report")
    op.drop_table("report")
