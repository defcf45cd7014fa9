"""결재선 관리: which roles approve a unit function's documents, in which order, per facility.

A unit function that goes through the reusable 결재선 (``approval_line.bpmn``: resolutions,
spending requests, daily logs) declares the parameter ``approval_line``: role ids in order,
comma-separated (``"team_leader,facility_admin"`` = 담당 → 팀장 → 시설장). The facility profile
may override it (a small group home: ``"facility_admin"``). A facility administrator may set
the facility's own line; it is kept as a record of the settings form ``approval_line`` of that
unit function (one per facility and unit, not shown on any menu), so no table is needed.

When a process of such a unit starts, :func:`process_data` (entry-point group
``ieum.process_data``) puts the line into the process data as ``approval_line`` (a list of
role ids); a running process keeps the line it started with. On the step bar of a process
that calls the reusable 결재 (``approval.bpmn``), :func:`approval_steps` (group
``ieum.progress_steps``, named ``approval``) shows one step per approver of that line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.config import KST
from ieum.definitions import Registry
from ieum.definitions.model import FacilityProfile as Profile
from ieum.forms.engine import process as run_form
from ieum.i18n import gettext as _
from ieum.korean import josa
from ieum.services import ServiceError
from ieum.services.records.form_versions import remember
from ieum.services.transactions import transaction
from ieum.services.workflows import ProgressView, Step
from ieum.services.workspace import Workspace
from ieum.store.models import Facility, Record, RoleAssignment, utcnow

#: The unit parameter holding the default line, and the settings form holding a facility's.
PARAMETER = "approval_line"
SETTINGS_FORM = "approval_line"
#: The form of the reusable 결재 (``approval.bpmn``): one decision per approver.
DECISION_FORM = "approval_decision"
MAX_STEPS = 6


def parse(text: object) -> tuple[str, ...]:
    """``"team_leader, facility_admin"`` -> ``("team_leader", "facility_admin")``."""
    if not isinstance(text, str):
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def units_with_lines(registry: Registry, profile: Profile) -> list[str]:
    """The unit functions of the profile's menu that go through an approval line."""
    return [unit_id for unit_id in profile.unit_ids
            if PARAMETER in registry.unit_functions[unit_id].parameters]


def default_line(registry: Registry, profile: Profile, unit_id: str) -> tuple[str, ...]:
    """The profile's line for the unit (its override, else the unit's default)."""
    return parse(profile.parameters_for(unit_id).get(PARAMETER))


def _settings(session: Session, facility: Facility, unit_id: str) -> Record | None:
    return session.scalar(select(Record).where(
        Record.facility_id == facility.id, Record.unit_function == unit_id,
        Record.form_id == SETTINGS_FORM, Record.deleted_at.is_(None))
        .order_by(Record.id.desc()).limit(1))


def current_line(session: Session, registry: Registry, facility: Facility,
                 unit_id: str) -> tuple[str, ...]:
    """The facility's line for the unit: its own setting, else the profile's default. Roles
    the profile no longer has are left out; an empty line falls back to the default."""
    profile = registry.profiles[facility.profile_code]
    row = _settings(session, facility, unit_id)
    if row is not None:
        roles = tuple(r for r in parse(row.data.get("roles")) if r in profile.roles)
        if roles:
            return roles
    return default_line(registry, profile, unit_id)


def process_data(session: Session, registry: Registry, facility: Facility,
                 unit_id: str) -> dict[str, list[str]]:
    """What a starting process of ``unit_id`` needs in its data: ``approval_line``, or
    nothing for a unit without an approval line."""
    unit = registry.unit_functions.get(unit_id)
    if unit is None or PARAMETER not in unit.parameters:
        return {}
    return {PARAMETER: list(current_line(session, registry, facility, unit_id))}


@dataclass(frozen=True)
class LineStep:
    role: str
    title: str
    holders: int  # people holding the role in the facility today


@dataclass(frozen=True)
class LineState:
    """One unit function's approval line as the 결재선 관리 screen shows it."""

    unit_id: str
    title: str
    steps: tuple[LineStep, ...]
    default: tuple[str, ...]
    customised: bool
    reason: str | None
    changed_at: dt.datetime | None


def role_holders(session: Session, facility: Facility, day: dt.date) -> dict[str, int]:
    """How many people hold each role of the facility on ``day``."""
    rows = session.execute(
        select(RoleAssignment.role, func.count(func.distinct(RoleAssignment.user_id)))
        .where(RoleAssignment.facility_id == facility.id, RoleAssignment.valid_from <= day,
               RoleAssignment.valid_to >= day)
        .group_by(RoleAssignment.role))
    return {role: count for role, count in rows}


def approver_roles(registry: Registry, profile: Profile, unit_id: str) -> list[str]:
    """The profile's roles that may approve the unit's documents (grant ``approve``)."""
    return [role.id for role in profile.roles.values()
            if unit_id in role.grants and "approve" in role.grants[unit_id].actions]


def _titles(workspace: Workspace) -> dict[str, str]:
    return {item.unit_id: item.title for group in workspace.menu for item in group.items}


def line_states(session: Session, registry: Registry, workspace: Workspace,
                day: dt.date) -> list[LineState]:
    """Every unit function of the facility with an approval line, in menu order."""
    profile = _profile(registry, workspace)
    holders = role_holders(session, workspace.facility, day)
    titles = _titles(workspace)
    states = []
    for unit_id in units_with_lines(registry, profile):
        row = _settings(session, workspace.facility, unit_id)
        line = current_line(session, registry, workspace.facility, unit_id)
        states.append(LineState(
            unit_id=unit_id,
            title=titles.get(unit_id, registry.unit_functions[unit_id].title),
            steps=tuple(LineStep(r, _role_title(profile, r), holders.get(r, 0))
                        for r in line),
            default=default_line(registry, profile, unit_id),
            customised=row is not None,
            reason=row.data.get("reason") if row is not None else None,
            changed_at=row.updated_at if row is not None else None))
    return states


def _profile(registry: Registry, workspace: Workspace) -> Profile:
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    if not workspace.permissions.administers:
        raise ServiceError(_("기관관리자만 결재선을 관리할 수 있습니다."), status=403)
    return registry.profiles[workspace.facility.profile_code]


def _role_title(profile: Profile, role_id: str) -> str:
    role = profile.roles.get(role_id)
    return role.title if role is not None else role_id


@transaction
def set_line(session: Session, registry: Registry, workspace: Workspace, unit_id: str,
             roles: Sequence[str], actor: Actor, *, reason: str | None = None,
             today: dt.date) -> tuple[str, ...]:
    """Set the facility's line for ``unit_id``, in one transaction (committed, or rolled back
    when refused).

    Refused: not an administrator (403); a unit of another menu or without a line (404);
    an empty line, more than six steps, a role twice, a role the profile does not have or
    one without the ``approve`` grant on the unit (400, Korean messages, field ``roles``).
    Setting the profile's default again removes the facility's own setting.
    """
    profile = _profile(registry, workspace)
    if unit_id not in units_with_lines(registry, profile):
        raise ServiceError(_("결재선을 정할 수 있는 업무가 아닙니다."), status=404)
    line = tuple(r.strip() for r in roles if r and r.strip())
    if not line:
        raise ServiceError(_("결재자를 한 명 이상 정하세요."), field="roles")
    if len(line) > MAX_STEPS:
        raise ServiceError(_("결재 단계는 %(n)s개까지 정할 수 있습니다.", n=MAX_STEPS),
                           field="roles")
    for role_id in line:
        if role_id not in profile.roles:
            raise ServiceError(_("이 기관에 없는 역할입니다: %(role)s", role=role_id[:40]),
                               field="roles")
    twice = sorted({r for r in line if line.count(r) > 1})
    if twice:
        raise ServiceError(_("%(role)s 결재선에 두 번 있습니다.",
                             role=josa(f"‘{_role_title(profile, twice[0])}’", "이")),
                           field="roles")
    allowed = approver_roles(registry, profile, unit_id)
    for role_id in line:
        if role_id not in allowed:
            raise ServiceError(_("‘%(role)s’ 역할은 이 업무의 결재 권한이 없습니다.",
                                 role=_role_title(profile, role_id)), field="roles")
    text = (reason or "").strip()
    if len(text) > 200:
        raise ServiceError(_("변경 사유는 200자 이하로 입력하세요."), field="reason")
    facility = workspace.facility
    row = _settings(session, facility, unit_id)
    before = current_line(session, registry, facility, unit_id)
    default = default_line(registry, profile, unit_id)
    if line == default:
        if row is not None:
            row.deleted_at = utcnow()
            row.deleted_by_id = actor.user_id
    else:
        form = registry.forms[SETTINGS_FORM]
        outcome = run_form(form, {"roles": ",".join(line), **({"reason": text} if text else {})},
                           today=today)
        if not outcome.ok:  # the checks above cover the form; this guards a changed form
            raise ServiceError(_("결재선을 저장할 수 없습니다: ") + "; ".join(
                message for messages in outcome.errors.values() for message in messages),
                field="roles")
        remember(session, form)
        if row is None:
            row = Record(facility_id=facility.id, unit_function=unit_id, form_id=form.id,
                         form_version=form.version, data=dict(outcome.data), status="final",
                         author_id=actor.user_id)
            session.add(row)
        else:
            row.data = dict(outcome.data)
            row.form_version = form.version
            row.updated_at = utcnow()
    if line != before:
        record_event(session, "approval_line.set", actor, facility_id=facility.id,
                     target_type="unit_function", target_id=unit_id,
                     detail={"before": list(before), "after": list(line),
                             **({"reason": text} if text else {})})
    session.flush()
    return line


# --- the step bar ----------------------------------------------------------------------------

def _planned_line(state: Mapping[str, Any]) -> list[str] | None:
    """The approval line the instance started with (``approval_line`` in its data)."""
    tasks = state.get("tasks") if isinstance(state, Mapping) else None
    for task in (tasks or {}).values():
        line = (task.get("data") or {}).get(PARAMETER)
        if isinstance(line, list):
            return [str(role) for role in line]
    return None


def approval_steps(view: ProgressView) -> list[Step]:
    """One step per approver of the called 결재 (approval.bpmn), after the process's own
    user tasks: the roles of the line the instance started with, else of the decisions
    reached so far. A return (반려) is shown in the step's title. When a process sends a
    returned document along the line again, each step shows its LAST decision: the decisions
    of the current round (those after the latest return), or the returned round while the
    document waits for its writer."""
    session, instance = view.session, view.instance
    decisions = _last_round(session, [row for row in view.tasks if row.form_id == DECISION_FORM
                                      and row.state in ("ready", "completed")])
    planned = _planned_line(instance.state) or [row.role or "" for row in decisions] or [""]
    facility = session.get(Facility, instance.facility_id)
    profile = view.registry.profiles.get(facility.profile_code) if facility is not None else None
    steps = []
    for index, role in enumerate(planned):
        row = decisions[index] if index < len(decisions) else None
        role = row.role or role if row is not None else role
        found = profile.roles.get(role) if profile is not None and role else None
        title = (_("%(role)s 결재", role=found.title if found else role).strip() if role
                 else _("결재"))
        state, day = "todo", None
        if row is not None and row.state == "ready":
            state = "current"
        elif row is not None and row.completed_at is not None:
            state, day = "done", row.completed_at.astimezone(KST).date()
            record = session.get(Record, row.record_id) if row.record_id else None
            if record is not None and record.data.get("decision") == "return":
                title += _(" (반려)")
        steps.append(Step(f"approval_{index + 1}", title, state, day))
    return steps


def _returned(session: Session, row) -> bool:  # noqa: ANN001 - a Task row
    record = session.get(Record, row.record_id) if row.record_id else None
    return record is not None and record.data.get("decision") == "return"


def _last_round(session: Session, decisions: list) -> list:
    """The decisions since the latest return (a return ends a round on the line); when the
    latest decision is itself a return, the round it ended."""
    starts = [0] + [n + 1 for n, row in enumerate(decisions)
                    if row.state == "completed" and _returned(session, row)]
    start = starts[-1] if starts[-1] < len(decisions) else starts[-2] if len(starts) > 1 else 0
    return decisions[start:]
