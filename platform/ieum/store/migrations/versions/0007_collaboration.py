"""collaboration tables (consent, referrals, unmet needs, notices)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
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
        "sharing_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("scopes", _json(), nullable=False),
        sa.Column("fields", _json(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("consented_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        _moment("recorded_at", nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= consented_on",
                           name=op.f("ck_sharing_consent_withdrawn_after")),
        _fk("sharing_consent", "person_id", "person"),
        _fk("sharing_consent", "facility_id", "facility"),
        _fk("sharing_consent", "subject_id", "subject"),
        _fk("sharing_consent", "recorded_by_id", "app_user"),
        _fk("sharing_consent", "withdrawn_by_id", "app_user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_consent")),
    )
    op.create_index("ix_sharing_consent_person_id", "sharing_consent", ["person_id"])
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("from_facility_id", sa.Integer(), nullable=False),
        sa.Column("from_subject_id", sa.Integer(), nullable=False),
        sa.Column("to_facility_id", sa.Integer(), nullable=False),
        sa.Column("to_subject_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("shared_fields", _json(), nullable=False),
        sa.Column("shared_data", _json(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        _moment("decided_at"),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("review_instance_id", sa.Integer(), nullable=True),
        sa.Column("result_instance_id", sa.Integer(), nullable=True),
        _moment("created_at", nullable=False),
        _moment("updated_at", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('referral', 'handover')", name=op.f("ck_referral_kind")),
        sa.CheckConstraint("status IN ('requested', 'accepted', 'rejected', 'cancelled')",
                           name=op.f("ck_referral_status")),
        sa.CheckConstraint("from_facility_id <> to_facility_id",
                           name=op.f("ck_referral_other_facility")),
        _fk("referral", "person_id", "person"),
        _fk("referral", "from_facility_id", "facility"),
        _fk("referral", "from_subject_id", "subject"),
        _fk("referral", "to_facility_id", "facility"),
        _fk("referral", "to_subject_id", "subject"),
        _fk("referral", "consent_id", "sharing_consent"),
        _fk("referral", "override_by_id", "app_user"),
        _fk("referral", "requested_by_id", "app_user"),
        _fk("referral", "decided_by_id", "app_user"),
        _fk("referral", "review_instance_id", "process_instance"),
        _fk("referral", "result_instance_id", "process_instance"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index("ix_referral_person_id", "referral", ["person_id"])
    op.create_index("ix_referral_from_facility_status", "referral",
                    ["from_facility_id", "status"])
    op.create_index("ix_referral_to_facility_status", "referral", ["to_facility_id", "status"])
    op.create_table(
        "unmet_need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=10), nullable=False),
        sa.Column("profile_code", sa.String(length=64), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        _moment("registered_at", nullable=False),
        sa.Column("matched_facility_id", sa.Integer(), nullable=True),
        _moment("matched_at"),
        _moment("closed_at"),
        sa.CheckConstraint("status IN ('open', 'matched', 'closed')",
                           name=op.f("ck_unmet_need_status")),
        _fk("unmet_need", "facility_id", "facility"),
        _fk("unmet_need", "subject_id", "subject"),
        _fk("unmet_need", "registered_by_id", "app_user"),
        _fk("unmet_need", "matched_facility_id", "facility"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unmet_need")),
    )
    op.create_index("ix_unmet_need_facility_id", "unmet_need", ["facility_id"])
    op.create_index("ix_unmet_need_status_region", "unmet_need",
                    ["status", "region_code", "profile_code"])
    op.create_table(
        "collab_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=True),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        _moment("created_at", nullable=False),
        _moment("read_at"),
        _fk("collab_notice", "facility_id", "facility"),
        _fk("collab_notice", "need_id", "unmet_need"),
        _fk("collab_notice", "referral_id", "referral"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collab_notice")),
    )
    op.create_index("ix_collab_notice_facility_read", "collab_notice", ["facility_id", "read_at"])


def downgrade() -> None:
    op.drop_index("ix_collab_notice_facility_read", table_name="collab_notice")
    op.drop_table("collab_notice")
    op.drop_index("ix_unmet_need_status_region", table_name="unmet_need")
    op.drop_index("ix_unmet_need_facility_id", table_name="unmet_need")
    op.drop_table("unmet_need")
    op.drop_index("ix_referral_to_facility_status", table_name="referral")
    op.drop_index("ix_referral_from_facility_status", table_name="referral")
    op.drop_index("ix_referral_person_id", table_name="referral")
    op.drop_table("referral")
    op.drop_index("ix_sharing_consent_person_id", table_name="sharing_consent")
    op.drop_table("sharing_consent")
