"""Roles held outside any facility: local-government officials and ministry program staff.

A facility role lives in ``role_assignment`` (one facility, one profile's role). The public
sector works on a region instead: a 시·군·구 official reviews the reports of the facilities of
that region; a program designer or reviewer of the ministry works nationally (``region_code``
NULL), as do the content studio's authors and reviewers (``content_author``,
``content_reviewer``). Like facility roles, these are never deleted, only ended.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ieum.store.models import OPEN_ENDED, Base, User, utcnow

PUBLIC_ROLES = {
    "region_official": "시·군·구 담당공무원",
    "program_designer": "복지사업 설계자",
    "program_reviewer": "복지사업 검토자",
    "content_author": "콘텐츠 작성자",
    "content_reviewer": "콘텐츠 검토자",
}
#: The SQL condition of ``official_role.role`` (migration 0010 widened it for the studio).
ROLE_CHECK = "role IN ('region_official', 'program_designer', 'program_reviewer', " \
    "'content_author', 'content_reviewer')"


class OfficialRole(Base):
    """A public-sector role of a user, for one region (시·군·구 code) or nationwide (NULL)."""

    __tablename__ = "official_role"
    __table_args__ = (
        CheckConstraint("valid_from <= valid_to", name="valid_period"),
        CheckConstraint(ROLE_CHECK, name="role"),
        Index("ix_official_role_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str | None] = mapped_column(String(10))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date] = mapped_column(Date, default=OPEN_ENDED)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_to
