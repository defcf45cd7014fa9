"""charts: an index on a facility's records by date, for the dashboard's records per month

``ix_record_facility_entry_date`` (facility_id, entry_date) lets the dashboard's 최근 6개월
기록 (ieum.services.records.activity) read only the last six months of a facility's records
instead of all of them (and the records without a date through ``entry_date IS NULL``).

Revision ID: 0012_charts
Revises: 0012_jobs
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_charts"
down_revision: str | None = "0012_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.create_index("ix_record_facility_entry_date", ["facility_id", "entry_date"],
                           unique=False)


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_facility_entry_date")
