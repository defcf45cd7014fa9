"""listspeed: ``ieum_grams(text)``, the characters and character pairs of a text (PostgreSQL)

The list screens search text fields with ``ILIKE '%…%'``. ``pg_trgm`` cannot serve the common
two-syllable Korean search (``'%진학%'`` has no trigram), so ieum indexes the lowered text's
single characters and pairs: ``ieum.store.indexes`` builds a GIN index on
``ieum_grams(<field>)`` per searched field and the records service adds
``ieum_grams(<field>) @> ieum_grams(<search>)`` beside the ``ILIKE`` (which stays, so the
rows are exactly those of the plain scan). ``ieum.store.search`` holds the definition.

Revision ID: 0013_listspeed
Revises: 0012_charts
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from ieum.store.search import CREATE_GRAMS_FUNCTION, DROP_GRAMS_FUNCTION

revision: str = "0013_listspeed"
down_revision: str | None = "0012_charts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_GRAMS_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_GRAMS_FUNCTION)
