"""wfcore: ``ieum_audit_chain_end``, the audit chain's lock and end in one statement (PostgreSQL)

Appending an audit event took two round trips on PostgreSQL before the event's own INSERT:
``pg_advisory_xact_lock`` (serialising writers of the chain) and the SELECT of the chain's last
hash and of the events since the last checkpoint. A single SELECT cannot do both: its snapshot
is taken before the lock is granted, so it could miss the event a writer it waited for just
committed. A VOLATILE PL/pgSQL function can: it takes the lock, then reads with a fresh
snapshot (issue 15; ``ieum.store.audit_chain`` holds the definitions).

Revision ID: 0014_wfcore
Revises: 0013_listspeed
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from ieum.store.audit_chain import CREATE_CHAIN_END_FUNCTION, DROP_CHAIN_END_FUNCTION

revision: str = "0014_wfcore"
down_revision: str | None = "0013_listspeed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_CHAIN_END_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_CHAIN_END_FUNCTION)
