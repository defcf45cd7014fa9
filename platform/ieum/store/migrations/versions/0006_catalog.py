"""open-market catalog tables

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _versioned() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    ]


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["app_user.id"],
                                   name=op.f(f"fk_{table}_{column}_app_user"))


def upgrade() -> None:
    op.create_table(
        "program",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by_id", sa.Integer(), nullable=True),
        sa.Column("retire_reason", sa.Text(), nullable=True),
        *_versioned(),
        sa.CheckConstraint("status IN ('draft', 'review', 'published', 'retired')",
                           name=op.f("ck_program_status")),
        _user_fk("program", "created_by_id"),
        _user_fk("program", "retired_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program")),
        sa.UniqueConstraint("code", name=op.f("uq_program_code")),
    )
    op.create_table(
        "program_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("definition", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        *_versioned(),
        sa.CheckConstraint(
            "status IN ('draft', 'review', 'published', 'superseded', 'retired')",
            name=op.f("ck_program_version_status")),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"],
                                name=op.f("fk_program_version_program_id_program")),
        _user_fk("program_version", "created_by_id"),
        _user_fk("program_version", "updated_by_id"),
        _user_fk("program_version", "submitted_by_id"),
        _user_fk("program_version", "reviewed_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_version")),
        sa.UniqueConstraint("program_id", "number",
                            name=op.f("uq_program_version_program_id_number")),
    )
    op.create_index("ix_program_version_status", "program_version", ["status"])
    op.create_table(
        "program_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('submit', 'approve', 'return', 'retire')",
                           name=op.f("ck_program_review_action")),
        sa.ForeignKeyConstraint(["program_version_id"], ["program_version.id"],
                                name=op.f("fk_program_review_program_version_id_program_version")),
        _user_fk("program_review", "user_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_review")),
    )
    op.create_index("ix_program_review_version", "program_review", ["program_version_id"])
    op.create_table(
        "application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("applicant_id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.String(length=36), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("common_data", JSON, nullable=False),
        sa.Column("annex_data", JSON, nullable=False),
        sa.Column("household", JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.String(length=8), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("income_recognition", sa.BigInteger(), nullable=True),
        sa.Column("threshold", sa.BigInteger(), nullable=True),
        sa.Column("benefit", sa.BigInteger(), nullable=True),
        sa.Column("computation", JSON, nullable=False),
        sa.Column("process_instance_id", sa.Integer(), nullable=True),
        *_versioned(),
        sa.CheckConstraint("status IN ('investigating', 'decided', 'withdrawn')",
                           name=op.f("ck_application_status")),
        sa.CheckConstraint("decision IS NULL OR decision IN ('eligible', 'ineligible')",
                           name=op.f("ck_application_decision")),
        sa.CheckConstraint("decided_by IS NULL OR decided_by IN ('system', 'user')",
                           name=op.f("ck_application_decided_by")),
        sa.ForeignKeyConstraint(["program_version_id"], ["program_version.id"],
                                name=op.f("fk_application_program_version_id_program_version")),
        sa.ForeignKeyConstraint(["facility_id"], ["facility.id"],
                                name=op.f("fk_application_facility_id_facility")),
        sa.ForeignKeyConstraint(["subject_id"], ["subject.id"],
                                name=op.f("fk_application_subject_id_subject")),
        sa.ForeignKeyConstraint(["process_instance_id"], ["process_instance.id"],
                                name=op.f("fk_application_process_instance_id_process_instance")),
        _user_fk("application", "applicant_id"),
        _user_fk("application", "decided_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
    )
    op.create_index("ix_application_facility_status", "application", ["facility_id", "status"])
    op.create_index("ix_application_program_version", "application", ["program_version_id"])
    op.create_index("ix_application_bundle", "application", ["bundle"])
    op.create_index("ix_application_subject_id", "application", ["subject_id"])
    op.create_table(
        "simulation_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.String(length=200), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("aggregates", JSON, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["program_version_id"], ["program_version.id"],
                                name=op.f("fk_simulation_run_program_version_id_program_version")),
        _user_fk("simulation_run", "created_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_run")),
    )
    op.create_index("ix_simulation_run_version", "simulation_run", ["program_version_id"])


def downgrade() -> None:
    op.drop_index("ix_simulation_run_version", table_name="simulation_run")
    op.drop_table("simulation_run")
    for name in ("ix_application_subject_id", "ix_application_bundle",
                 "ix_application_program_version", "ix_application_facility_status"):
        op.drop_index(name, table_name="application")
    op.drop_table("application")
    op.drop_index("ix_program_review_version", table_name="program_review")
    op.drop_table("program_review")
    op.drop_index("ix_program_version_status", table_name="program_version")
    op.drop_table("program_version")
    op.drop_table("program")
