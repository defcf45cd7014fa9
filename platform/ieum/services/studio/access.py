"""Who may use the content studio: public roles ``content_author`` (writes drafts, submits
packages, publishes approved ones) and ``content_reviewer`` (approves or returns packages)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from ieum.access.officials import PublicRoles, public_roles
from ieum.services import ServiceError
from ieum.store.models import User

AUTHOR = "content_author"
REVIEWER = "content_reviewer"
NO_ACCESS = "콘텐츠 스튜디오를 쓸 권한이 없습니다. 콘텐츠 작성자나 검토자 역할이 필요합니다."


def content_roles(session: Session, user: User | None, day: dt.date) -> PublicRoles:
    """The user's public roles on ``day`` (empty for nobody)."""
    if user is None:
        return PublicRoles(frozenset(), frozenset(), False)
    return public_roles(session, user, day)


def has_content_role(session: Session, user: User | None, day: dt.date) -> bool:
    roles = content_roles(session, user, day)
    return roles.has(AUTHOR) or roles.has(REVIEWER)


def require_content_role(session: Session, user: User | None, day: dt.date,
                         *wanted: str) -> PublicRoles:
    """The user's public roles, or 403 unless they hold one of ``wanted`` (by default either
    studio role: ``content_author`` or ``content_reviewer``)."""
    roles = content_roles(session, user, day)
    if not any(roles.has(role) for role in (wanted or (AUTHOR, REVIEWER))):
        raise ServiceError(NO_ACCESS, status=403)
    return roles


def require_author(roles: PublicRoles) -> None:
    if not roles.has(AUTHOR):
        raise ServiceError("콘텐츠 작성자만 할 수 있습니다.", status=403)


def require_reviewer(roles: PublicRoles) -> None:
    if not roles.has(REVIEWER):
        raise ServiceError("콘텐츠 검토자만 할 수 있습니다.", status=403)
