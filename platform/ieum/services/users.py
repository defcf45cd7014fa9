"""Creating users and granting them roles of a facility's profile."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.passwords import hash_password, policy_problems
from ieum.definitions import Registry
from ieum.services import ServiceError
from ieum.store.models import OPEN_ENDED, Facility, RoleAssignment, User

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def create_user(session: Session, *, login: str, name: str, password: str,
                platform_admin: bool = False, actor: Actor | None = None) -> User:
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ServiceError(
            "아이디는 영문 소문자·숫자로 시작하고 영문 소문자, 숫자, '.', '_', '-'로 된 "
            "3~64자여야 합니다.", field="login")
    if not name.strip():
        raise ServiceError("이름은 필수 입력 항목입니다.", field="name")
    problems = policy_problems(password)
    if problems:
        raise ServiceError(problems[0], field="password")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise ServiceError(f"이미 사용 중인 아이디입니다: {login}", field="login", status=409)
    user = User(login=login, name=name.strip(), password_hash=hash_password(password),
                is_active=True, is_platform_admin=platform_admin)
    session.add(user)
    session.flush()
    record_event(session, "user.create", actor or Actor(), target_type="user", target_id=user.id,
                 detail={"login": login, "platform_admin": platform_admin})
    return user


def grant_role(session: Session, registry: Registry, *, user: User, facility: Facility,
               role: str, valid_from: dt.date, valid_to: dt.date = OPEN_ENDED,
               actor: Actor | None = None) -> RoleAssignment:
    """Give ``user`` a role of the facility's profile, refusing unknown and exclusive roles."""
    profile = registry.profiles.get(facility.profile_code)
    if profile is None:
        raise ServiceError(f"기관 유형을 찾을 수 없습니다: {facility.profile_code}")
    if role not in profile.roles:
        known = ", ".join(sorted(profile.roles))
        raise ServiceError(f"'{profile.title}'에 없는 역할입니다: {role} (가능한 역할: {known})",
                           field="role")
    if valid_from > valid_to:
        raise ServiceError("권한 시작일은 종료일보다 늦을 수 없습니다.", field="valid_from")
    overlapping = session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.facility_id == facility.id,
            RoleAssignment.valid_from <= valid_to,
            RoleAssignment.valid_to >= valid_from,
        )
    ).all()
    for existing in overlapping:
        if existing.role == role:
            raise ServiceError(f"같은 기간에 이미 부여된 역할입니다: {role}", field="role",
                               status=409)
        for group in profile.exclusive_roles:
            if role in group and existing.role in group:
                raise ServiceError(
                    f"'{profile.roles[existing.role].title}' 역할과 "
                    f"'{profile.roles[role].title}' 역할은 함께 부여할 수 없습니다.",
                    field="role", status=409)
    assignment = RoleAssignment(user_id=user.id, facility_id=facility.id, role=role,
                                valid_from=valid_from, valid_to=valid_to,
                                granted_by_id=actor.user_id if actor else None)
    session.add(assignment)
    session.flush()
    record_event(session, "role.grant", actor or Actor(), facility_id=facility.id,
                 target_type="user", target_id=user.id,
                 detail={"role": role, "valid_from": valid_from.isoformat(),
                         "valid_to": valid_to.isoformat()})
    return assignment
