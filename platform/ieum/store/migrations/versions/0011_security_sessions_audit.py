"""security: a session version per user; signed audit checkpoints; audit rows append-only

* ``app_user.session_version``: logout, a password change and a role revocation raise it, and
  every web session started with an older number ends (ieum.access.sessions).
* ``audit_checkpoint``: periodic HMAC-signed checkpoints of the audit chain (the key is held
  outside the database), which ``ieum audit verify`` checks so a truncated or re-hashed chain
  is found (ieum.access.audit).
* On PostgreSQL, a trigger refuses UPDATE of ``audit_event`` rows and DELETE except inside the
  retention purge (which sets ``ieum.audit_purge`` for its transaction).

Revision ID: 0011_security
Revises: 0010_studio_core
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_security"
down_revision: str | None = "0010_studio_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GUARD = """
CREATE OR REPLACE FUNCTION ieum_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('ieum.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_event rows are append-only (%)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoint")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD)
        op.execute("CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE "
                   "ON audit_event FOR EACH ROW EXECUTE FUNCTION ieum_audit_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE "
                   "ON audit_event FOR EACH STATEMENT EXECUTE FUNCTION ieum_audit_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS ieum_audit_append_only()")
    op.drop_table("audit_checkpoint")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("session_version")
