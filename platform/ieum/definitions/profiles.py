"""Loading facility profiles (``facility_profiles/<code>.yaml``) and resolving them.

Grant wildcards: the unit ``"*"`` stands for every unit function in the profile's menu and
the action ``"*"`` for every action the unit declares. Under ``"*"``, named actions apply to
the units that declare them (each must be declared by at least one unit of the menu). A grant
for a named unit replaces the ``"*"`` grant for that unit.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ieum.definitions.files import read_yaml
from ieum.definitions.frozen import freeze
from ieum.definitions.metaschemas import content_problems
from ieum.definitions.model import (
    FacilityProfile,
    Grant,
    MenuGroup,
    MenuItem,
    ProcessDef,
    Role,
    UnitFunction,
)
from ieum.definitions.problems import Problem, pointer
from ieum.definitions.units import value_problem

ALL = "*"


@dataclass(frozen=True)
class RawProfile:
    """A profile file as read, before it is resolved against the unit functions.

    ``valid`` says whether it passed its own checks (syntax, meta-schema, file name); the
    references are checked either way, as far as the data's shape allows.
    """

    data: dict[str, Any]
    path: Path
    plugin: str | None
    valid: bool


def read_profile(path: Path, plugin: str | None) -> tuple[RawProfile | None, list[Problem]]:
    """The profile in ``path`` (``None`` if it is not a YAML mapping) and its own problems."""
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    problems = content_problems("profile", data, path)
    if not isinstance(data, dict):
        return None, problems
    if isinstance(data.get("code"), str) and data["code"] != path.stem:
        problems.append(Problem(path, "/code", f"code {data['code']!r} does not match the file "
                                f"name {path.name!r}; expected code: {path.stem}"))
    return RawProfile(data, path, plugin, valid=not problems), problems


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """The (index, item) pairs of the mappings in ``value`` if it is a list."""
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[tuple[int, str]]:
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, str)]


def resolve_profile(raw: RawProfile, units: Mapping[str, UnitFunction],
                    known_units: Container[str]) -> tuple[FacilityProfile | None, list[Problem]]:
    """Check ``raw`` against the unit functions and build the profile if all is well.

    ``units`` holds the valid unit functions; ``known_units`` every unit id that exists, valid
    or not, so that a broken manifest is reported once, not again by each profile using it.
    """
    data, path = raw.data, raw.path
    problems: list[Problem] = []
    menu, parameters = _menu(data, path, units, known_units, problems)
    menu_units = {item.unit: units.get(item.unit) for group in menu for item in group.items}
    roles = _roles(data, path, menu_units, problems)
    exclusive = []
    for index, group in enumerate(data.get("exclusive_roles") or []):
        for position, role_id in _strings(group):
            if role_id not in roles:
                problems.append(Problem(path, pointer("exclusive_roles", index, position),
                                        f"unknown role {role_id!r}; this profile's roles are "
                                        f"{', '.join(roles) or 'none'}"))
        exclusive.append(frozenset(role_id for _position, role_id in _strings(group)))
    if problems or not raw.valid:
        return None, problems
    profile = FacilityProfile(
        code=data["code"],
        title=data["title"],
        target_group=data["target_group"],
        statute=data["statute"],
        official_kind_code=data.get("official_kind_code"),
        description=data.get("description", ""),
        menu=menu,
        roles=MappingProxyType(roles),
        exclusive_roles=tuple(exclusive),
        path=path,
        plugin=raw.plugin,
        parameters=MappingProxyType(parameters),
    )
    return profile, []


def _menu(data: dict[str, Any], path: Path, units: Mapping[str, UnitFunction],
          known_units: Container[str], problems: list[Problem],
          ) -> tuple[tuple[MenuGroup, ...], dict[str, Mapping[str, Any]]]:
    groups = []
    parameters: dict[str, Mapping[str, Any]] = {}
    placed: dict[str, str] = {}  # unit id -> pointer of its first menu item
    for g, group in _dicts(data.get("menu")):
        items = []
        for i, item in _dicts(group.get("items")):
            unit_id = item.get("unit")
            if not isinstance(unit_id, str):
                continue
            here = pointer("menu", g, "items", i)
            if unit_id in placed:
                problems.append(Problem(path, here + "/unit", f"unit function {unit_id!r} is "
                                        f"already in the menu at {placed[unit_id]}"))
                continue
            placed[unit_id] = here
            if unit_id not in known_units:
                problems.append(Problem(path, here + "/unit", f"unit function {unit_id!r} not "
                                        f"found: expected unit_functions/{unit_id}/unit.yaml "
                                        "in a content root"))
            overrides = _mapping(item.get("parameters"))
            unit = units.get(unit_id)
            if unit is not None:
                problems += _override_problems(unit, overrides, f"{here}/parameters", path)
                parameters[unit_id] = MappingProxyType({**unit.defaults, **freeze(overrides)})
            items.append(MenuItem(unit=unit_id, title=item.get("title"),
                                  parameters=freeze(overrides)))
        groups.append(MenuGroup(title=group.get("group"), items=tuple(items)))
    return tuple(groups), parameters


def _override_problems(unit: UnitFunction, overrides: dict[str, Any], here: str,
                       path: Path) -> list[Problem]:
    problems = []
    for name, value in overrides.items():
        declared = unit.parameters.get(name)
        if declared is None:
            problems.append(Problem(path, here + pointer(name), f"unit function {unit.id!r} "
                                    f"declares no parameter {name!r}; it declares "
                                    f"{', '.join(unit.parameters) or 'none'}"))
            continue
        problem = value_problem(declared, value)
        if problem:
            problems.append(Problem(path, here + pointer(name), problem))
    return problems


def _roles(data: dict[str, Any], path: Path, menu_units: Mapping[str, UnitFunction | None],
           problems: list[Problem]) -> dict[str, Role]:
    roles: dict[str, Role] = {}
    first_at: dict[str, int] = {}
    for r, role in _dicts(data.get("roles")):
        role_id = role.get("id")
        if not isinstance(role_id, str):
            continue
        if role_id in first_at:
            problems.append(Problem(path, pointer("roles", r, "id"), f"duplicate role id "
                                    f"{role_id!r}: already declared at /roles/{first_at[role_id]}"))
            continue
        first_at[role_id] = r
        grants = _grants(_mapping(role.get("grants")), pointer("roles", r, "grants"), path,
                         menu_units, problems)
        roles[role_id] = Role(id=role_id, title=role.get("title"),
                              grants=MappingProxyType(grants),
                              description=role.get("description", ""),
                              administers=bool(role.get("administers", False)))
    return roles


def _grants(declared: dict[str, Any], here: str, path: Path,
            menu_units: Mapping[str, UnitFunction | None],
            problems: list[Problem]) -> dict[str, Grant]:
    resolved: dict[str, Grant] = {}
    for unit_key, grant in declared.items():
        where = here + pointer(unit_key)
        actions = _strings(_mapping(grant).get("actions"))
        if unit_key == ALL:
            if None in menu_units.values():
                continue  # a unit is missing or broken (reported elsewhere): cannot tell
            declared_anywhere = {a for u in menu_units.values() if u for a in u.actions}
            for index, action in actions:
                if action != ALL and action not in declared_anywhere:
                    problems.append(Problem(path, f"{where}/actions/{index}", f"no unit function "
                                            f"in the menu declares action {action!r}"))
            continue
        if unit_key not in menu_units:
            problems.append(Problem(path, where, f"unit function {unit_key!r} is not in this "
                                    f"profile's menu ({', '.join(menu_units) or 'empty'})"))
            continue
        unit = menu_units[unit_key]
        if unit is None:
            continue  # the unit itself is missing or broken, reported elsewhere
        for index, action in actions:
            if action != ALL and action not in unit.actions:
                problems.append(Problem(path, f"{where}/actions/{index}", f"unit function "
                                        f"{unit_key!r} declares no action {action!r}; it declares "
                                        f"{', '.join(unit.actions)}"))
        resolved[unit_key] = _grant(_mapping(grant), unit)
    wildcard = declared.get(ALL)
    if isinstance(wildcard, dict):
        for unit_id, unit in menu_units.items():
            if unit is not None and unit_id not in resolved:
                grant = _grant(wildcard, unit)
                if grant.actions:
                    resolved[unit_id] = grant
    return {unit_id: resolved[unit_id] for unit_id in menu_units if unit_id in resolved}


def _grant(declared: dict[str, Any], unit: UnitFunction) -> Grant:
    actions = [action for _index, action in _strings(declared.get("actions"))]
    granted = set(unit.actions) if ALL in actions else set(actions) & set(unit.actions)
    return Grant(actions=frozenset(granted), scope=declared.get("scope"))


def lane_problems(profile: FacilityProfile, units: Mapping[str, UnitFunction],
                  processes: Mapping[str, ProcessDef]) -> list[Problem]:
    """Lanes name roles: every lane of a process a menu unit uses must be a role here,
    or its tasks could never reach anyone in a facility of this type."""
    problems = []
    for g, group in enumerate(profile.menu):
        for i, item in enumerate(group.items):
            unit = units.get(item.unit)
            for process_id in unit.processes if unit else ():  # a broken unit: reported
                process = processes.get(process_id)
                for lane in process.lanes if process else ():
                    if lane not in profile.roles:
                        problems.append(Problem(
                            profile.path, pointer("menu", g, "items", i, "unit"),
                            f"process {process_id!r} of unit function {unit.id!r} has lane "
                            f"{lane!r}, which is not a role of this profile; roles: "
                            f"{', '.join(profile.roles) or 'none'}"))
    return problems
