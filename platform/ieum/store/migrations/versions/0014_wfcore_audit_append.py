"""wfcore: ``ieum_audit_append``, a whole audit append in one statement (PostgreSQL)

Appending an audit event took three round trips on PostgreSQL: ``pg_advisory_xact_lock``
(serialising writers of the chain), the SELECT of the chain's last hash and of the events since
the last checkpoint, and the INSERT. A single SELECT cannot lock and read: its snapshot is taken
before the lock is granted, so it could miss the event a writer it waited for just committed.
A VOLATILE PL/pgSQL function can: it takes the lock, then reads with a fresh snapshot, hashes
the event (its canonical JSON comes from Python in two parts around the previous hash) and
inserts it (issue 15; ``ieum.store.audit_chain`` holds the definitions).

Revision ID: 0014_wfcore
Revises: 0013_listspeed
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

from ieum.store.audit_chain import CREATE_APPEND_FUNCTION, DROP_APPEND_FUNCTION

revision: str = "0014_wfcore"
down_revision: str | None = "0013_listspeed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_APPEND_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP_APPEND_FUNCTION)
