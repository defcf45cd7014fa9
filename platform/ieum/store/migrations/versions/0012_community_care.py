"""community care tables (placement decisions, care cases, agencies, plan items, reviews)

Revision ID: 0012_community
Revises: 0012_notify
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_community"
down_revision: str | None = "0012_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "placement_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("child_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("protection_reason", sa.String(length=32), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("placement_type", sa.String(length=32), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("carried_fields", _json(), nullable=False),
        sa.Column("carried_data", _json(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        _moment("created_at", nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        _moment("answered_at"),
        sa.Column("answer_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('decided', 'accepted', 'declined')",
                           name=op.f("ck_placement_decision_status")),
        _fk("placement_decision", "facility_id", "facility"),
        _fk("placement_decision", "decided_by_id", "app_user"),
        _fk("placement_decision", "instance_id", "process_instance"),
        _fk("placement_decision", "subject_id", "subject"),
        _fk("placement_decision", "answered_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_decision")),
    )
    op.create_index("ix_placement_decision_region", "placement_decision", ["region_code"])
    op.create_index("ix_placement_decision_facility_id", "placement_decision", ["facility_id"])
    op.create_table(
        "care_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("target_group", sa.String(length=16), nullable=False),
        sa.Column("person_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=10), nullable=True),
        sa.Column("details", _json(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("consent_method", sa.String(length=16), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("consent_fields", _json(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.Text(), nullable=True),
        _moment("created_at", nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_care_case_status")),
        _fk("care_case", "coordinator_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_case")),
    )
    op.create_index("ix_care_case_region", "care_case", ["region_code"])
    op.create_table(
        "care_case_agency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        _moment("invited_at", nullable=False),
        sa.Column("request", sa.Text(), nullable=True),
        _fk("care_case_agency", "case_id", "care_case"),
        _fk("care_case_agency", "facility_id", "facility"),
        _fk("care_case_agency", "invited_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_case_agency")),
    )
    op.create_index("ix_care_case_agency_case", "care_case_agency", ["case_id", "facility_id"],
                    unique=True)
    op.create_index("ix_care_case_agency_facility_id", "care_case_agency", ["facility_id"])
    op.create_table(
        "care_plan_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("frequency", sa.String(length=100), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        _moment("created_at", nullable=False),
        _fk("care_plan_item", "case_id", "care_case"),
        _fk("care_plan_item", "facility_id", "facility"),
        _fk("care_plan_item", "added_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_item")),
    )
    op.create_index("ix_care_plan_item_case_id", "care_plan_item", ["case_id"])
    op.create_table(
        "care_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=False),
        _moment("created_at", nullable=False),
        sa.CheckConstraint("outcome IN ('continue', 'adjust', 'close', 'handover')",
                           name=op.f("ck_care_review_outcome")),
        _fk("care_review", "case_id", "care_case"),
        _fk("care_review", "reviewed_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_review")),
    )
    op.create_index("ix_care_review_case_id", "care_review", ["case_id"])


def downgrade() -> None:
    for table in ("care_review", "care_plan_item", "care_case_agency", "care_case",
                  "placement_decision"):
        op.drop_table(table)
