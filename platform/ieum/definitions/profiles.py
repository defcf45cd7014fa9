"""Loading facility profiles (``facility_profiles/<code>.yaml``) and resolving them.

A profile may ``extends:`` a base profile (by code) to take its roles and grants, written once
for every facility type (``facility_profiles/base.yaml``, marked ``abstract: true``: a base
only, never a facility type). Merge rules, applied along the chain of bases:

- roles are merged by id: a role the profile lists overrides the base role's keys (``title``,
  ``description``, ``administers``) and its grants per unit (``"*"`` included); a grant written
  ``null`` removes the inherited grant for that unit (the ``"*"`` grant then applies to it).
  Roles come in the profile's own order; a base role it does not list follows the base role
  before it (the base's first role comes first). A base grant for a unit the profile's menu
  does not have is left out.
- ``target_group``, ``statute``, ``official_kind_code`` and ``exclusive_roles`` are taken from
  the base unless the profile gives its own; ``code``, ``title``, ``description``, ``menu`` and
  ``abstract`` are always the profile's own.

Grant wildcards: the unit ``"*"`` stands for every unit function in the profile's menu and
the action ``"*"`` for every action the unit declares. Under ``"*"``, named actions apply to
the units that declare them (each must be declared by at least one unit of the menu). A grant
for a named unit replaces the ``"*"`` grant for that unit.
"""

from __future__ import annotations

from collections.abc import Collection, Container, Mapping, Sequence
from dataclasses import dataclass, field
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
#: Top-level keys a profile takes from its base unless it gives its own.
INHERITED_KEYS = ("target_group", "statute", "official_kind_code", "exclusive_roles")
_REQUIRED_AFTER_MERGE = ("target_group", "statute")


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

    @property
    def code(self) -> str:
        return self.path.stem

    @property
    def abstract(self) -> bool:
        return self.data.get("abstract") is True

    @property
    def extends(self) -> str | None:
        base = self.data.get("extends")
        return base if isinstance(base, str) else None


@dataclass
class Inheritance:
    """What a profile takes from its chain of bases: top-level keys and merged roles.

    ``roles`` maps each base role id to its merged data (``title``, ``description``,
    ``administers``, ``grants``), in the bases' order.
    """

    bases: tuple[str, ...] = ()
    keys: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)


def inheritances(raws: Sequence[RawProfile], known: Mapping[str, Path] | None = None,
                 ) -> tuple[dict[str, Inheritance | None], list[Problem]]:
    """For each profile code, what it inherits (an empty :class:`Inheritance` without
    ``extends``; ``None`` when its base is unknown, broken or in a cycle), and the problems:
    an unknown base and a cycle of ``extends``. ``known`` holds every profile code that
    exists (also broken ones), so that a broken base is not reported as unknown."""
    by_code = {raw.code: raw for raw in raws}
    result: dict[str, Inheritance | None] = {}
    problems: list[Problem] = []

    def visit(raw: RawProfile, chain: tuple[str, ...]) -> Inheritance | None:
        if raw.code in result:
            return result[raw.code]
        base_code = raw.extends
        if base_code is None:
            result[raw.code] = Inheritance()
            return result[raw.code]
        if base_code in chain or base_code == raw.code:
            cycle = [*chain[chain.index(base_code):], raw.code, base_code] if base_code in chain \
                else [raw.code, base_code]
            problems.append(Problem(raw.path, "/extends", "profiles extend each other in a "
                                    f"cycle: {' → '.join(cycle)}"))
            result[raw.code] = None
            return None
        base = by_code.get(base_code)
        if base is None:
            if known is None or base_code not in known:
                names = ", ".join(sorted(by_code)) or "none"
                problems.append(Problem(raw.path, "/extends", f"unknown base profile "
                                        f"{base_code!r}; expected facility_profiles/"
                                        f"{base_code}.yaml in a content root (profiles: "
                                        f"{names})"))
            result[raw.code] = None
            return None
        inherited = visit(base, (*chain, raw.code))
        if raw.code in result:  # set while visiting the chain: part of a cycle
            return result[raw.code]
        if inherited is None or not base.valid:
            result[raw.code] = None
            return None
        result[raw.code] = _inherit(base, inherited)
        return result[raw.code]

    for raw in raws:
        visit(raw, ())
    return result, problems


def _inherit(base: RawProfile, above: Inheritance) -> Inheritance:
    """What a profile extending ``base`` inherits (``base`` itself inherits ``above``)."""
    keys = {**above.keys, **{key: base.data[key] for key in INHERITED_KEYS
                             if key in base.data}}
    roles = {role_id: dict(role) for role_id, role in above.roles.items()}
    for _index, role in _dicts(base.data.get("roles")):
        role_id = role.get("id")
        if not isinstance(role_id, str):
            continue
        merged = roles.setdefault(role_id, {"grants": {}})
        merged.update({key: value for key, value in role.items()
                       if key not in ("id", "grants")})
        grants = dict(merged["grants"])
        for unit_key, grant in _mapping(role.get("grants")).items():
            if grant is None:
                grants.pop(unit_key, None)
            else:
                grants[unit_key] = grant
        merged["grants"] = grants
    return Inheritance(bases=(base.code, *above.bases), keys=keys, roles=roles)


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
    if data.get("abstract") is True and "menu" in data:
        problems.append(Problem(path, "/menu", "an abstract profile is a base for other "
                                "profiles, not a facility type: it has no menu (each profile "
                                "extending it has its own)"))
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
                    known_units: Container[str], inherited: Inheritance | None = None,
                    ) -> tuple[FacilityProfile | None, list[Problem]]:
    """Check ``raw`` against the unit functions and build the profile if all is well.

    ``units`` holds the valid unit functions; ``known_units`` every unit id that exists, valid
    or not, so that a broken manifest is reported once, not again by each profile using it.
    ``inherited`` is what ``raw`` takes from its bases (see :func:`inheritances`).
    """
    inherited = inherited or Inheritance()
    data, path = raw.data, raw.path
    problems: list[Problem] = []
    menu, parameters = _menu(data, path, units, known_units, problems)
    menu_units = {item.unit: units.get(item.unit) for group in menu for item in group.items}
    roles = _roles(data, path, menu_units, inherited, problems)
    merged = {**inherited.keys, **{key: data[key] for key in INHERITED_KEYS if key in data}}
    if inherited.bases:
        problems += [Problem(path, "", f"{key!r} is a required property (neither this profile "
                             f"nor its base {inherited.bases[0]!r} gives it)")
                     for key in _REQUIRED_AFTER_MERGE if key not in merged]
        if not roles:
            problems.append(Problem(path, "", "the profile has no roles, and neither has its "
                                    f"base {inherited.bases[0]!r}"))
    exclusive = []
    own_exclusive = "exclusive_roles" in data
    for index, group in enumerate(merged.get("exclusive_roles") or []):
        for position, role_id in _strings(group):
            if role_id not in roles and own_exclusive:
                problems.append(Problem(path, pointer("exclusive_roles", index, position),
                                        f"unknown role {role_id!r}; this profile's roles are "
                                        f"{', '.join(roles) or 'none'}"))
        exclusive.append(frozenset(role_id for _position, role_id in _strings(group)))
    if problems or not raw.valid:
        return None, problems
    profile = FacilityProfile(
        code=data["code"],
        title=data["title"],
        target_group=merged["target_group"],
        statute=merged["statute"],
        official_kind_code=merged.get("official_kind_code"),
        description=data.get("description", ""),
        menu=menu,
        roles=MappingProxyType(roles),
        exclusive_roles=tuple(exclusive),
        path=path,
        plugin=raw.plugin,
        parameters=MappingProxyType(parameters),
        bases=inherited.bases,
    )
    return profile, []


def base_problems(raw: RawProfile, units: Mapping[str, UnitFunction],
                  known_units: Collection[str]) -> list[Problem]:
    """The checks of an abstract profile (a base only): the roles' grants must name unit
    functions that exist and actions they declare; its exclusive roles must be its roles.
    Which units a facility has is up to each profile extending it."""
    data, path = raw.data, raw.path
    problems: list[Problem] = []
    declared_anywhere = {action for unit in units.values() for action in unit.actions}
    complete = all(unit_id in units for unit_id in known_units)  # else: cannot tell
    role_ids: dict[str, int] = {}
    for r, role in _dicts(data.get("roles")):
        role_id = role.get("id")
        if isinstance(role_id, str):
            if role_id in role_ids:
                problems.append(Problem(path, pointer("roles", r, "id"), f"duplicate role id "
                                        f"{role_id!r}: already declared at "
                                        f"/roles/{role_ids[role_id]}"))
            role_ids.setdefault(role_id, r)
        for unit_key, grant in _mapping(role.get("grants")).items():
            where = pointer("roles", r, "grants", unit_key)
            actions = _strings(_mapping(grant).get("actions"))
            if unit_key == ALL:
                problems += [Problem(path, f"{where}/actions/{index}", f"no unit function "
                                     f"declares action {action!r}")
                             for index, action in actions
                             if complete and action != ALL and action not in declared_anywhere]
                continue
            if unit_key not in known_units:
                problems.append(Problem(path, where, f"unit function {unit_key!r} not found: "
                                        f"expected unit_functions/{unit_key}/unit.yaml in a "
                                        "content root"))
                continue
            unit = units.get(unit_key)
            problems += [Problem(path, f"{where}/actions/{index}", f"unit function "
                                 f"{unit_key!r} declares no action {action!r}; it declares "
                                 f"{', '.join(unit.actions)}")
                         for index, action in actions
                         if unit is not None and action != ALL and action not in unit.actions]
    for index, group in enumerate(data.get("exclusive_roles") or []):
        problems += [Problem(path, pointer("exclusive_roles", index, position),
                             f"unknown role {role_id!r}; this profile's roles are "
                             f"{', '.join(role_ids) or 'none'}")
                     for position, role_id in _strings(group) if role_id not in role_ids]
    return problems


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
                                  parameters=freeze(overrides),
                                  lanes=freeze(_mapping(item.get("lanes")))))
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
           inherited: Inheritance, problems: list[Problem]) -> dict[str, Role]:
    own: dict[str, tuple[int, dict[str, Any]]] = {}
    for r, role in _dicts(data.get("roles")):
        role_id = role.get("id")
        if not isinstance(role_id, str):
            continue
        if role_id in own:
            problems.append(Problem(path, pointer("roles", r, "id"), f"duplicate role id "
                                    f"{role_id!r}: already declared at /roles/{own[role_id][0]}"))
            continue
        own[role_id] = (r, role)
    order = _role_order(list(inherited.roles), list(own))
    roles: dict[str, Role] = {}
    for role_id in order:
        base = inherited.roles.get(role_id, {"grants": {}})
        r, role = own.get(role_id, (None, {}))
        merged = {**base, **{key: value for key, value in role.items()
                             if key not in ("id", "grants")}}
        declared = _mapping(role.get("grants"))
        inherited_grants = {unit_key: grant for unit_key, grant in base["grants"].items()
                            if unit_key not in declared}
        if r is not None and "title" not in merged and inherited.bases:
            problems.append(Problem(path, pointer("roles", r), f"role {role_id!r} needs a "
                                    "title: it is not a role of "
                                    + (f"the base profile {inherited.bases[0]!r}"
                                       if inherited.bases else "a base profile")))
            continue
        here = pointer("roles", r, "grants") if r is not None else ""
        grants = _grants({key: grant for key, grant in declared.items() if grant is not None},
                         here, path, menu_units, problems, inherited=inherited_grants)
        roles[role_id] = Role(id=role_id, title=merged.get("title"),
                              grants=MappingProxyType(grants),
                              description=merged.get("description", ""),
                              administers=bool(merged.get("administers", False)))
    return roles


def _role_order(base: list[str], own: list[str]) -> list[str]:
    """The profile's roles in its own order, each base role it does not list placed right
    after the base role before it (the base's first role first)."""
    order = list(own)
    anchor = 0
    for role_id in base:
        if role_id in order:
            anchor = order.index(role_id) + 1
        else:
            order.insert(anchor, role_id)
            anchor += 1
    return order


def _grants(declared: dict[str, Any], here: str, path: Path,
            menu_units: Mapping[str, UnitFunction | None], problems: list[Problem], *,
            inherited: Mapping[str, Any] | None = None) -> dict[str, Grant]:
    """The grants of a role per menu unit. ``declared`` are the profile's own (checked here);
    ``inherited`` come from a base (checked there): one for a unit outside the menu is left
    out."""
    resolved: dict[str, Grant] = {}
    inherited = inherited or {}
    for unit_key, grant in inherited.items():
        unit = menu_units.get(unit_key)
        if unit_key != ALL and unit is not None:
            resolved[unit_key] = _grant(_mapping(grant), unit)
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
    wildcard = declared.get(ALL, inherited.get(ALL))
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
    """Lanes name roles: every lane of a process a menu unit uses must be a role here (itself,
    or the role the menu item's ``lanes`` gives it), or its tasks could never reach anyone in a
    facility of this type."""
    problems = []
    for g, group in enumerate(profile.menu):
        for i, item in enumerate(group.items):
            for lane, role in item.lanes.items():
                if role not in profile.roles:
                    problems.append(Problem(
                        profile.path, pointer("menu", g, "items", i, "lanes", lane),
                        f"lane {lane!r} is given to {role!r}, which is not a role of this "
                        f"profile; roles: {', '.join(profile.roles) or 'none'}"))
            unit = units.get(item.unit)
            for process_id in unit.processes if unit else ():  # a broken unit: reported
                process = processes.get(process_id)
                for lane in process.lanes if process else ():
                    if item.lanes.get(lane, lane) not in profile.roles:
                        problems.append(Problem(
                            profile.path, pointer("menu", g, "items", i, "unit"),
                            f"process {process_id!r} of unit function {unit.id!r} has lane "
                            f"{lane!r}, which is not a role of this profile; roles: "
                            f"{', '.join(profile.roles) or 'none'}"))
    return problems
