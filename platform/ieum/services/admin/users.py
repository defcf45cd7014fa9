"""Creating users, granting them roles of a facility's profile and revoking those roles;
signing in and out (the login form, the API's bearer tokens).

A role is never deleted: revoking ends its validity period yesterday, so who could do what on
any past day stays answerable (사용자 권한관리).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.access.login import LoginResult, authenticate, check_login
from ieum.access.passwords import hash_password, policy_problems, verify_password
from ieum.access.sessions import end_sessions
from ieum.access.tokens import issue_token, revoke_token, token_owner
from ieum.definitions import Registry
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, form_date
from ieum.services.transactions import transaction
from ieum.store.models import OPEN_ENDED, Facility, RoleAssignment, User
from ieum.store.models_public import PUBLIC_ROLES, OfficialRole

LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def create_user(session: Session, *, login: str, name: str, password: str,
                platform_admin: bool = False, actor: Actor | None = None) -> User:
    login = login.strip().lower()
    if not LOGIN_PATTERN.match(login):
        raise ServiceError(
            _("아이디는 영문 소문자·숫자로 시작하고 영문 소문자, 숫자, '.', "
              "'_', '-'로 된 3~64자여야 합니다."), field="login")
    if not name.strip():
        raise ServiceError(_("이름은 필수 입력 항목입니다."), field="name")
    problems = policy_problems(password, login=login, name=name)
    if problems:
        raise ServiceError(problems[0], field="password")
    if session.scalar(select(User.id).where(User.login == login)) is not None:
        raise ServiceError(_("이미 사용 중인 아이디입니다: %(login)s",
                             login=login), field="login", status=409)
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
        raise ServiceError(_("기관 유형을 찾을 수 없습니다: %(profile_code)s",
                             profile_code=facility.profile_code))
    if role not in profile.roles:
        known = ", ".join(f"{content_text(r.title)}({r.id})" for r in profile.roles.values())
        raise ServiceError(_("'%(title)s'에 없는 역할입니다: %(role)s (가능한 역할: %(known)s)",
                             title=content_text(profile.title), role=role, known=known),
                           field="role")
    if valid_from > valid_to:
        raise ServiceError(_("권한 시작일은 종료일보다 늦을 수 없습니다."), field="valid_from")
    _lock_facility(session, facility)
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
            raise ServiceError(_("같은 기간에 이미 부여된 역할입니다: %(title)s",
                                 title=content_text(profile.roles[role].title)),
                               field="role", status=409)
        for group in profile.exclusive_roles:
            if role in group and existing.role in group:
                raise ServiceError(
                    _("'%(title)s' 역할과 '%(title2)s' 역할은 함께 부여할 수 없습니다.",
                      title=content_text(profile.roles[existing.role].title),
                      title2=content_text(profile.roles[role].title)),
                    field="role", status=409)
    assignment = RoleAssignment(user_id=user.id, facility_id=facility.id, role=role,
                                valid_from=valid_from, valid_to=valid_to,
                                granted_by_id=actor.user_id if actor else None)
    session.add(assignment)
    session.flush()
    record_event(session, "role.grant", actor or Actor(), facility_id=facility.id,
                 target_type="user", target_id=user.id,
                 detail={"login": user.login, "role": role,
                         "valid_from": valid_from.isoformat(),
                         "valid_to": valid_to.isoformat()})
    return assignment


def grant_official_role(session: Session, *, user: User, role: str, region_code: str | None,
                        valid_from: dt.date, valid_to: dt.date = OPEN_ENDED,
                        actor: Actor | None = None) -> OfficialRole:
    """Give ``user`` a public-sector role: ``region_official`` of one 시·군·구 (or nationwide
    when ``region_code`` is None), ``program_designer`` or ``program_reviewer``."""
    if role not in PUBLIC_ROLES:
        known = ", ".join(f"{_(title)}({code})" for code, title in PUBLIC_ROLES.items())
        raise ServiceError(_("없는 공공 역할입니다: %(role)s (가능한 역할: %(known)s)",
                             role=role, known=known), field="role")
    region_code = (region_code or "").strip() or None
    if region_code is not None and not re.fullmatch(r"\d{5}", region_code):
        raise ServiceError(_("지역 코드는 시·군·구 코드 5자리 숫자여야 "
                             "합니다."), field="region_code")
    if valid_from > valid_to:
        raise ServiceError(_("권한 시작일은 종료일보다 늦을 수 없습니다."), field="valid_from")
    duplicate = session.scalar(
        select(OfficialRole.id).where(
            OfficialRole.user_id == user.id, OfficialRole.role == role,
            OfficialRole.region_code.is_(None) if region_code is None
            else OfficialRole.region_code == region_code,
            OfficialRole.valid_from <= valid_to, OfficialRole.valid_to >= valid_from))
    if duplicate is not None:
        raise ServiceError(_("같은 기간에 이미 부여된 역할입니다: %(value)s",
                             value=_(PUBLIC_ROLES[role])),
                           field="role", status=409)
    row = OfficialRole(user_id=user.id, role=role, region_code=region_code,
                       valid_from=valid_from, valid_to=valid_to,
                       granted_by_id=actor.user_id if actor else None)
    session.add(row)
    session.flush()
    record_event(session, "role.grant_public", actor or Actor(), target_type="user",
                 target_id=user.id,
                 detail={"login": user.login, "role": role, "region_code": region_code,
                         "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat()})
    return row


# --- 사용자 권한관리: who holds which role in a facility, and revoking -------------------------

ASSIGNMENT_STATES = {"active": _l("사용중"), "planned": _l("예정"), "ended": _l("만료")}


def assignment_state(assignment: RoleAssignment, day: dt.date) -> str:
    """``active`` (valid on ``day``), ``planned`` (starts later) or ``ended``."""
    if assignment.valid_from > day:
        return "planned"
    if assignment.valid_to < day:
        return "ended"
    return "active"


@dataclass(frozen=True)
class Member:
    """A user with every role assignment they have (had) in one facility."""

    user: User
    assignments: tuple[RoleAssignment, ...]


def facility_members(session: Session, facility: Facility, *,
                     search: str | None = None) -> list[Member]:
    """Everyone with any assignment in ``facility``, current, planned or ended, by name;
    ``search`` keeps users whose name or login contains it."""
    statement = (
        select(RoleAssignment, User)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.facility_id == facility.id)
        .order_by(User.name, User.login, RoleAssignment.valid_from, RoleAssignment.id)
    )
    text = (search or "").strip()[:100]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(or_(User.name.ilike(pattern, escape="\\"),
                                        User.login.ilike(pattern, escape="\\")))
    members: dict[int, tuple[User, list[RoleAssignment]]] = {}
    for assignment, user in session.execute(statement):
        members.setdefault(user.id, (user, []))[1].append(assignment)
    return [Member(user, tuple(assignments)) for user, assignments in members.values()]


def find_user(session: Session, login: str) -> User:
    """The active account with ``login``, or a 404 naming the login."""
    login = (login or "").strip().lower()
    if not login:
        raise ServiceError(_("아이디를 입력하세요."), field="login")
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise ServiceError(_("사용자를 찾을 수 없습니다: %(login)s",
                             login=login), field="login", status=404)
    if not user.is_active:
        raise ServiceError(_("사용이 중지된 계정입니다: %(login)s",
                             login=login), field="login", status=409)
    return user


def _lock_facility(session: Session, facility: Facility) -> None:
    """Serialise role changes of one facility (PostgreSQL row lock; SQLite writes are serial),
    so two administrators revoking each other cannot both pass the last-admin check."""
    session.execute(select(Facility.id).where(Facility.id == facility.id).with_for_update())


def _administering(registry: Registry, facility: Facility) -> frozenset[str]:
    profile = registry.profiles.get(facility.profile_code)
    if profile is None:
        return frozenset()
    return frozenset(role.id for role in profile.roles.values() if role.administers)


def revoke_role(session: Session, registry: Registry, *, facility: Facility,
                assignment_id: int, day: dt.date,
                actor: Actor | None = None) -> RoleAssignment:
    """회수: end the assignment yesterday (``day`` is the service date); the row is kept.

    An assignment that has not started yet (or started today) is ended before it began
    (both dates become yesterday), since a period cannot end before it starts.
    Refused: an assignment of another facility (404), one already ended (409), the actor's
    own last administering role and the facility's last administrator (409).
    """
    _lock_facility(session, facility)
    assignment = session.scalar(select(RoleAssignment).where(
        RoleAssignment.id == assignment_id, RoleAssignment.facility_id == facility.id))
    if assignment is None:
        raise ServiceError(_("권한을 찾을 수 없습니다."), status=404)
    yesterday = day - dt.timedelta(days=1)
    if assignment.valid_to <= yesterday:
        raise ServiceError(_("이미 만료된 권한입니다."), status=409)
    administering = _administering(registry, facility)
    if assignment.role in administering and assignment.active_on(day):
        remaining = session.scalars(select(RoleAssignment).where(
            RoleAssignment.facility_id == facility.id,
            RoleAssignment.role.in_(administering),
            RoleAssignment.valid_from <= day,
            RoleAssignment.valid_to >= day,
            RoleAssignment.id != assignment.id,
        )).all()
        own = actor is not None and actor.user_id == assignment.user_id
        if own and not any(other.user_id == assignment.user_id for other in remaining):
            raise ServiceError(
                _("자신의 마지막 관리자 권한은 회수할 수 없습니다. 다른 관리자에게 "
                  "회수를 요청하세요."), status=409)
        if not remaining:
            raise ServiceError(
                _("기관의 마지막 관리자 권한은 회수할 수 없습니다. 먼저 다른 "
                  "사용자에게 관리자 역할을 부여하세요."), status=409)
    previous = (assignment.valid_from, assignment.valid_to)
    assignment.valid_to = yesterday
    if assignment.valid_from > yesterday:
        assignment.valid_from = yesterday
    session.flush()
    end_sessions(session, assignment.user_id)  # the revoked role's screens close at once
    user = session.get(User, assignment.user_id)
    record_event(session, "role.revoke", actor or Actor(), facility_id=facility.id,
                 target_type="user", target_id=assignment.user_id,
                 detail={"login": user.login if user else None, "role": assignment.role,
                         "assignment": assignment.id,
                         "valid_from": assignment.valid_from.isoformat(),
                         "valid_to": assignment.valid_to.isoformat(),
                         "previous_valid_from": previous[0].isoformat(),
                         "previous_valid_to": previous[1].isoformat()})
    return assignment


# --- 사용자 권한관리 screens: one transaction per request ------------------------------------

def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_assignment(session: Session, facility: Facility, assignment_id: int) -> RoleAssignment:
    """The facility's role assignment ``assignment_id``, else 404."""
    found = session.scalar(select(RoleAssignment).where(
        RoleAssignment.id == assignment_id, RoleAssignment.facility_id == facility.id))
    if found is None:
        raise ServiceError(_("권한을 찾을 수 없습니다."), status=404)
    return found


@transaction
def grant_member_role(session: Session, registry: Registry, *, facility: Facility, login: str,
                      role: str, valid_from: str | None, valid_to: str | None, today: dt.date,
                      actor: Actor | None = None) -> tuple[User, RoleAssignment]:
    """Give the active account ``login`` a role of ``facility`` from ``valid_from`` (blank:
    today) to ``valid_to`` (blank: open-ended), the dates as typed; commits."""
    user = find_user(session, login)
    assignment = grant_role(session, registry, user=user, facility=facility, role=role,
                            valid_from=form_date(valid_from, "valid_from", today, today),
                            valid_to=form_date(valid_to, "valid_to", today, OPEN_ENDED),
                            actor=actor)
    return user, assignment


@transaction
def create_member(session: Session, registry: Registry, *, facility: Facility, login: str,
                  name: str, password: str, password_confirm: str, role: str,
                  valid_from: str | None, valid_to: str | None, today: dt.date,
                  actor: Actor | None = None) -> User:
    """Create an account and give it a role of ``facility``, both or neither; commits."""
    if password != password_confirm:
        raise ServiceError(_("비밀번호 확인이 일치하지 않습니다."), field="password_confirm")
    starts = form_date(valid_from, "valid_from", today, today)
    ends = form_date(valid_to, "valid_to", today, OPEN_ENDED)
    user = create_user(session, login=login, name=name, password=password, actor=actor)
    grant_role(session, registry, user=user, facility=facility, role=role, valid_from=starts,
               valid_to=ends, actor=actor)
    return user


@transaction
def revoke_member_role(session: Session, registry: Registry, *, facility: Facility,
                       assignment_id: int, day: dt.date,
                       actor: Actor | None = None) -> RoleAssignment:
    """``revoke_role``, committed."""
    return revoke_role(session, registry, facility=facility, assignment_id=assignment_id,
                       day=day, actor=actor)


# --- 로그인·로그아웃 -----------------------------------------------------------------------------

def active_user(session: Session, user_id: int) -> User | None:
    """The account ``user_id`` when it is active (a signed-in session's user), else None."""
    row = session.get(User, user_id)
    return row if row is not None and row.is_active else None


@transaction
def sign_in(session: Session, login: str, password: str, *, ip: str | None) -> LoginResult:
    """Check the login form's credentials; committed also on failure (the audit rows and the
    failure count are kept)."""
    return check_login(session, login, password, ip=ip)


@transaction
def sign_out(session: Session, actor: Actor, *, idle: bool = False) -> None:
    """Log out of the screens (``idle``: the idle limit ran out), audited. A logout by the
    person ends every session of the account on the server, so a copied session cookie opens
    nothing afterwards, and revokes the account's API tokens; an idle logout ends only the
    idle session (a copy of its cookie is as idle), so a tab left open elsewhere does not sign
    the person out of their other devices."""
    if actor.user_id is not None and not idle:
        end_sessions(session, actor.user_id)
    record_event(session, "logout", actor, detail={"reason": "idle"} if idle else None)


@transaction
def change_password(session: Session, user_id: int, *, current: str, new: str,
                    confirm: str, actor: Actor) -> int:
    """비밀번호 변경: the current password must match and the new one pass the policy (NIST SP
    800-63B: length and the list of common passwords). Every other session and API token of
    the user ends; returns the new session version for the session that made the change."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ServiceError(_("계정을 찾을 수 없습니다."), status=404)
    if not verify_password(user.password_hash, current or ""):
        raise ServiceError(_("현재 비밀번호가 올바르지 않습니다."), field="current")
    if new != confirm:
        raise ServiceError(_("새 비밀번호 확인이 일치하지 않습니다."), field="confirm")
    if new == current:
        raise ServiceError(_("새 비밀번호가 현재 비밀번호와 같습니다."), field="new")
    problems = policy_problems(new, login=user.login, name=user.name)
    if problems:
        raise ServiceError(problems[0], field="new")
    user.password_hash = hash_password(new)
    version = end_sessions(session, user.id)
    record_event(session, "password.change", actor, target_type="user", target_id=user.id)
    return version


def session_version(session: Session, user_id: int) -> int | None:
    """The account's current session version (None: no such active account)."""
    user = session.get(User, user_id)
    return user.session_version if user is not None and user.is_active else None


@transaction
def issue_api_token(session: Session, login: str, password: str, *, ip: str | None,
                    hours: int) -> tuple[str, dt.datetime] | None:
    """A bearer token (plaintext, expiry) for the account, or None when the credentials are
    refused; committed either way (the attempt is audited)."""
    user = authenticate(session, login, password, ip=ip, channel="api")
    if user is None:
        return None
    return issue_token(session, user, hours)


def token_user_and_generation(session: Session, token: str) -> tuple[User | None, int | None]:
    """The active user owning an unexpired, unrevoked bearer token (else None) and the content
    generation, read in one statement (the generation is None when the token matched no
    row)."""
    return token_owner(session, token)


@transaction
def revoke_api_token(session: Session, token: str, actor: Actor) -> None:
    """Log out of the API: the token stops working; audited."""
    revoke_token(session, token)
    record_event(session, "logout", actor, detail={"channel": "api"})
