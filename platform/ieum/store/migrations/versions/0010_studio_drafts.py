"""the content studio: drafts, versions, packages, reviews, the content generation; public
roles content_author and content_reviewer

Revision ID: 0010_studio_core
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_studio_core"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
OLD_ROLES = "role IN ('region_official', 'program_designer', 'program_reviewer')"
NEW_ROLES = ("role IN ('region_official', 'program_designer', 'program_reviewer', "
             "'content_author', 'content_reviewer')")


def _user(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["app_user.id"],
                                   name=op.f(f"fk_{table}_{column}_app_user"))


def upgrade() -> None:
    op.create_table(
        "studio_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_versions", JSON_DOCUMENT, nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_generation", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'review', 'approved', 'published')",
                           name=op.f("ck_studio_package_status")),
        _user("created_by_id", "studio_package"),
        _user("submitted_by_id", "studio_package"),
        _user("reviewed_by_id", "studio_package"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_package")),
        sa.UniqueConstraint("name", name=op.f("uq_studio_package_name")),
    )
    op.create_table(
        "studio_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('form', 'process', 'unit', 'profile')",
                           name=op.f("ck_studio_document_kind")),
        sa.ForeignKeyConstraint(["package_id"], ["studio_package.id"],
                                name=op.f("fk_studio_document_package_id_studio_package")),
        _user("created_by_id", "studio_document"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_document")),
        sa.UniqueConstraint("kind", "key", name=op.f("uq_studio_document_kind_key")),
    )
    op.create_table(
        "studio_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", JSON_DOCUMENT, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["studio_document.id"],
                                name=op.f("fk_studio_version_document_id_studio_document")),
        _user("author_id", "studio_version"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_version")),
        sa.UniqueConstraint("document_id", "number",
                            name=op.f("uq_studio_version_document_id_number")),
    )
    op.create_table(
        "studio_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("versions", JSON_DOCUMENT, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("action IN ('submit', 'approve', 'return', 'publish', 'import')",
                           name=op.f("ck_studio_review_action")),
        sa.ForeignKeyConstraint(["package_id"], ["studio_package.id"],
                                name=op.f("fk_studio_review_package_id_studio_package")),
        _user("user_id", "studio_review"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_review")),
    )
    op.create_index("ix_studio_review_package", "studio_review", ["package_id"], unique=False)
    op.create_table(
        "content_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_state")),
    )
    with op.batch_alter_table("official_role") as batch:
        batch.drop_constraint(op.f("ck_official_role_role"), type_="check")
        batch.create_check_constraint(op.f("ck_official_role_role"), NEW_ROLES)


def downgrade() -> None:
    with op.batch_alter_table("official_role") as batch:
        batch.drop_constraint(op.f("ck_official_role_role"), type_="check")
        batch.create_check_constraint(op.f("ck_official_role_role"), OLD_ROLES)
    op.drop_table("content_state")
    op.drop_index("ix_studio_review_package", table_name="studio_review")
    op.drop_table("studio_review")
    op.drop_table("studio_version")
    op.drop_table("studio_document")
    op.drop_table("studio_package")
