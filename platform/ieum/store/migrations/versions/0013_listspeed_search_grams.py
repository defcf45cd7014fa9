"""listspeed: ``ieum_grams`` and ``ieum_search_grams``, a text's characters and pairs (PostgreSQL)

The list screens search text fields with ``ILIKE '%…%'``. ``pg_trgm`` cannot serve the common
two-syllable Korean search (``'%진학%'`` has no trigram), so ieum indexes the lowered text's
single characters and pairs, per facility: ``ieum.store.indexes`` builds a GIN index on
``ieum_grams(facility_id, <field>)`` per searched field and the records service adds
``... @> ieum_search_grams(<facility>, <search>)`` beside the ``ILIKE`` (which stays, so the
rows are exactly those of the plain scan). ``ieum.store.search`` holds the definitions.

Revision ID: 0013_listspeed
Revises: 0012_charts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from ieum.store.search import CREATE_GRAMS_FUNCTIONS, DROP_GRAMS_FUNCTIONS

revision: str = "0013_listspeed"
down_revision: str | None = "0012_charts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in CREATE_GRAMS_FUNCTIONS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in DROP_GRAMS_FUNCTIONS:
            op.execute(statement)
