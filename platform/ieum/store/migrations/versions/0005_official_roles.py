"""public-sector roles (officials, program designers and reviewers)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "official_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=10), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("valid_from <= valid_to", name=op.f("ck_official_role_valid_period")),
        sa.CheckConstraint(
            "role IN ('region_official', 'program_designer', 'program_reviewer')",
            name=op.f("ck_official_role_role"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"],
                                name=op.f("fk_official_role_user_id_app_user")),
        sa.ForeignKeyConstraint(["granted_by_id"], ["app_user.id"],
                                name=op.f("fk_official_role_granted_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_role")),
    )
    op.create_index("ix_official_role_user", "official_role", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_official_role_user", table_name="official_role")
    op.drop_table("official_role")
