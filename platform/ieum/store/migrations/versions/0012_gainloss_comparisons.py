"""catalog: stored comparisons of two program versions, and predictions made at publication

* ``simulation_comparison``: who gains and who loses between two versions (suppressed
  aggregates only).
* ``program_prediction``: the simulation of a version stored when it is published, for the
  predicted-vs-actual table of the monitoring screen.

Revision ID: 0012_gainloss
Revises: 0011_security
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_gainloss"
down_revision: str | None = "0011_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _version_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["program_version.id"],
                                   name=op.f(f"fk_{table}_{column}_program_version"))


def upgrade() -> None:
    op.create_table(
        "simulation_comparison",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_a_id", sa.Integer(), nullable=False),
        sa.Column("version_b_id", sa.Integer(), nullable=False),
        sa.Column("population", sa.String(length=200), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("min_group", sa.Integer(), nullable=False),
        sa.Column("aggregates", JSON, nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _version_fk("simulation_comparison", "version_a_id"),
        _version_fk("simulation_comparison", "version_b_id"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"],
                                name=op.f("fk_simulation_comparison_created_by_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_comparison")),
    )
    op.create_index("ix_simulation_comparison_version_b", "simulation_comparison",
                    ["version_b_id"])
    op.create_table(
        "program_prediction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_version_id", sa.Integer(), nullable=False),
        sa.Column("prediction", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _version_fk("program_prediction", "program_version_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_program_prediction")),
        sa.UniqueConstraint("program_version_id",
                            name=op.f("uq_program_prediction_program_version_id")),
    )


def downgrade() -> None:
    op.drop_table("program_prediction")
    op.drop_index("ix_simulation_comparison_version_b", table_name="simulation_comparison")
    op.drop_table("simulation_comparison")
