"""The profile composer's model: a facility profile (``facility_profiles/<code>.yaml``, as a
JSON object) ⇄ an editing model, the composer's checks in Korean, and the reuse figure.

The model keeps what the file says and nothing more: a key the file leaves out is ``None`` in
the model (for a profile that ``extends:`` a base, a missing key means "as the base has it",
which is not the same as an empty value), and ``to_body(to_model(body)) == body`` for every
profile. Keys the composer does not know are kept in ``extra`` and written back unchanged.

The checks are the ones the loader makes (``ieum.definitions.profiles``), said in Korean with
a JSON pointer into the body, plus those an author needs while composing (a grant for a unit
not in the menu, a role twice in an exclusive group). ``ieum check`` stays the final word.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ieum.definitions.files import read_yaml
from ieum.definitions.model import SCOPES, Registry, UnitFunction
from ieum.definitions.problems import pointer
from ieum.definitions.profiles import ALL, INHERITED_KEYS
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.studio.problems import StudioProblem
from ieum.studio.units import korean_value_problem, merged, schema_problems

#: The top-level keys of a profile, in the order the composer writes them.
KEYS = ("code", "abstract", "extends", "title", "description", "target_group", "statute",
        "official_kind_code", "menu", "roles", "exclusive_roles")
SCOPE_TITLES = {"own": _l("본인"), "assigned": _l("담당"), "facility": _l("기관 전체")}
_CYCLE = "프로필이 서로를 물려받습니다(순환): %(loop)s"


@dataclass
class GrantModel:
    """What a role may do in one unit function (``actions``, ``scope``); extra keys kept."""

    actions: list[str]
    scope: str | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MenuItemModel:
    unit: str
    title: str | None = None
    parameters: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MenuGroupModel:
    title: str
    items: list[MenuItemModel] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoleModel:
    """A role as the profile writes it. ``grants`` maps a unit id (or ``"*"``) to a grant, or
    to ``None`` where the profile removes a grant its base gives."""

    id: str
    title: str | None = None
    description: str | None = None
    administers: bool | None = None
    grants: dict[str, GrantModel | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProfileModel:
    code: str | None = None
    title: str | None = None
    abstract: bool | None = None
    extends: str | None = None
    description: str | None = None
    target_group: str | None = None
    statute: str | None = None
    official_kind_code: str | None = None
    menu: list[MenuGroupModel] | None = None
    roles: list[RoleModel] | None = None
    exclusive_roles: list[list[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_ids(self) -> list[str]:
        """The unit functions of the menu, in menu order, each once."""
        return list(dict.fromkeys(item.unit for group in self.menu or () for item in group.items))


def _rest(data: Mapping[str, Any], known: Iterable[str]) -> dict[str, Any]:
    known = set(known)
    return {key: value for key, value in data.items() if key not in known}


def _grant_model(value: Any) -> GrantModel | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return GrantModel(actions=[], scope=None, extra={"": value})
    actions = value.get("actions")
    return GrantModel(actions=list(actions) if isinstance(actions, list) else [],
                      scope=value.get("scope"),
                      extra=_rest(value, ("actions", "scope")) |
                      ({} if "actions" in value and isinstance(actions, list)
                       else {"actions": actions} if "actions" in value else {}))


def to_model(body: Mapping[str, Any]) -> ProfileModel:
    """The editing model of a profile body (a JSON object with the keys of the YAML file)."""
    menu = None
    if isinstance(body.get("menu"), list):
        menu = []
        for group in body["menu"]:
            group = group if isinstance(group, dict) else {}
            items = [MenuItemModel(unit=item.get("unit"), title=item.get("title"),
                                   parameters=(dict(item["parameters"])
                                               if isinstance(item.get("parameters"), dict)
                                               else item.get("parameters")),
                                   extra=_rest(item, ("unit", "title", "parameters")))
                     for item in group.get("items") or () if isinstance(item, dict)]
            menu.append(MenuGroupModel(title=group.get("group"), items=items,
                                       extra=_rest(group, ("group", "items"))))
    roles = None
    if isinstance(body.get("roles"), list):
        roles = []
        for role in body["roles"]:
            role = role if isinstance(role, dict) else {}
            grants = role.get("grants")
            roles.append(RoleModel(
                id=role.get("id"), title=role.get("title"), description=role.get("description"),
                administers=role.get("administers"),
                grants={key: _grant_model(value) for key, value in grants.items()}
                if isinstance(grants, dict) else None,
                extra=_rest(role, ("id", "title", "description", "administers", "grants"))))
    exclusive = body.get("exclusive_roles")
    return ProfileModel(
        code=body.get("code"), title=body.get("title"), abstract=body.get("abstract"),
        extends=body.get("extends"), description=body.get("description"),
        target_group=body.get("target_group"), statute=body.get("statute"),
        official_kind_code=body.get("official_kind_code"), menu=menu, roles=roles,
        exclusive_roles=[list(group) for group in exclusive]
        if isinstance(exclusive, list) and all(isinstance(g, list) for g in exclusive) else None,
        extra=_rest(body, KEYS) | {key: body[key] for key in ("menu", "roles", "exclusive_roles")
                                   if key in body and not isinstance(body[key], list)}
        | ({"exclusive_roles": exclusive} if isinstance(exclusive, list) and not all(
            isinstance(g, list) for g in exclusive) else {}),
    )


def _present(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


def _grant_body(grant: GrantModel | None) -> Any:
    if grant is None:
        return None
    if "" in grant.extra:  # not a mapping in the body: kept as it was
        return grant.extra[""]
    return {**({} if "actions" in grant.extra else {"actions": list(grant.actions)}),
            **_present([("scope", grant.scope)]), **grant.extra}


def to_body(model: ProfileModel) -> dict[str, Any]:
    """The profile body of ``model`` (keys in the composer's order, absent ones left out)."""
    menu = None if model.menu is None else [
        {"group": group.title,
         "items": [{"unit": item.unit, **_present([("title", item.title),
                                                   ("parameters", item.parameters)]),
                    **item.extra} for item in group.items],
         **group.extra}
        for group in model.menu]
    roles = None if model.roles is None else [
        {"id": role.id, **_present([("title", role.title), ("description", role.description),
                                    ("administers", role.administers)]),
         **({"grants": {key: _grant_body(grant) for key, grant in role.grants.items()}}
            if role.grants is not None else {}),
         **role.extra}
        for role in model.roles]
    values = {"code": model.code, "abstract": model.abstract, "extends": model.extends,
              "title": model.title, "description": model.description,
              "target_group": model.target_group, "statute": model.statute,
              "official_kind_code": model.official_kind_code, "menu": menu, "roles": roles,
              "exclusive_roles": model.exclusive_roles}
    return {**_present((key, values[key]) for key in KEYS), **model.extra}


# --- the profiles the content roots hold (bases included) ------------------------------------


_BODIES: weakref.WeakKeyDictionary[Registry, dict[str, dict[str, Any]]] = \
    weakref.WeakKeyDictionary()


def profile_bodies(registry: Registry) -> dict[str, dict[str, Any]]:
    """Every profile file of the registry's content roots as a body, by code: the facility
    types and the abstract bases (which the registry itself leaves out). The first root
    holding a code wins, as in the loader. Read once per registry (a new registry is loaded
    when content changes); each call gets deep copies, free to change."""
    if registry not in _BODIES:
        _BODIES[registry] = _read_profile_bodies(registry)
    return copy.deepcopy(_BODIES[registry])


def _read_profile_bodies(registry: Registry) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for source in registry.sources:
        folder = source.root / "facility_profiles"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.y*ml")):
            if path.suffix not in (".yaml", ".yml") or path.stem in found:
                continue
            data, problems = read_yaml(path)
            if not problems and isinstance(data, dict):
                found[path.stem] = data
    return found


def base_chain(code: str | None, extends: str | None,
               bodies: Mapping[str, Mapping[str, Any]]) -> tuple[list[str], str | None]:
    """The chain of bases of a profile (nearest first) and the first problem in it: an
    unknown base or a cycle (in Korean), else ``None``."""
    chain: list[str] = []
    seen = [code] if code else []
    current = extends
    while current is not None:
        if current in seen or current in chain:
            loop = " → ".join([*(seen[:1]), *chain, current])
            return chain, _(_CYCLE, loop=loop)
        body = bodies.get(current)
        if body is None:
            return chain, _("기본 프로필 '%(code)s'이(가) 없습니다. 있는 프로필: %(known)s",
                            code=current, known=", ".join(sorted(bodies)) or _("없음"))
        chain.append(current)
        parent = body.get("extends")
        current = parent if isinstance(parent, str) else None
    return chain, None


def inherited_roles(chain: list[str], bodies: Mapping[str, Mapping[str, Any]],
                    ) -> dict[str, dict[str, Any]]:
    """The roles a profile takes from its chain of bases (farthest first merged), by id, each
    with ``title``, ``description``, ``administers`` and ``grants`` as the loader merges them."""
    roles: dict[str, dict[str, Any]] = {}
    for code in reversed(chain):
        for role in bodies[code].get("roles") or ():
            if not isinstance(role, dict) or not isinstance(role.get("id"), str):
                continue
            merged = roles.setdefault(role["id"], {"grants": {}})
            merged.update({k: v for k, v in role.items() if k not in ("id", "grants")})
            grants = dict(merged["grants"])
            for unit_key, grant in (role.get("grants") or {}).items():
                if grant is None:
                    grants.pop(unit_key, None)
                else:
                    grants[unit_key] = grant
            merged["grants"] = grants
    return roles


def inherited_keys(chain: list[str], bodies: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for code in reversed(chain):
        keys.update({key: bodies[code][key] for key in INHERITED_KEYS if key in bodies[code]})
    return keys


# --- checks ------------------------------------------------------------------------------------


def check(body: Any, registry: Registry, *,
          profiles: Mapping[str, Mapping[str, Any]] | None = None,
          units: Collection[str] | None = None) -> list[StudioProblem]:
    """The composer's problems with a profile body, each with a JSON pointer into it.

    ``profiles`` are the profile bodies a base may come from (drafts included) and ``units``
    the ids of unit functions drafted beside the registry's. ``None`` (the default) means
    the caller cannot tell which drafts exist (the studio's check of a package, which checks
    references itself over the package's drafts): then the bases are the registry's profile
    files, and a base or a menu unit missing from them is not reported here."""
    if not isinstance(body, dict):
        return [StudioProblem("", _("프로필은 JSON 객체여야 합니다."))]
    schema = schema_problems("profile", body)
    problems: list[StudioProblem] = []
    model = to_model(body)
    bodies = dict(profile_bodies(registry) if profiles is None else profiles)
    bodies.pop(model.code, None) if isinstance(model.code, str) else None
    chain: list[str] = []
    if isinstance(model.extends, str):
        chain, problem = base_chain(model.code, model.extends, bodies)
        if problem and (profiles is not None or problem.startswith(_(_CYCLE, loop=""))):
            problems.append(StudioProblem("/extends", problem))
    base_roles = inherited_roles(chain, bodies) if chain else {}
    base_keys = inherited_keys(chain, bodies) if chain else {}
    if chain and not model.abstract:
        for key, title in (("target_group", _("대상 집단")), ("statute", _("근거 법령"))):
            if getattr(model, key) is None and key not in base_keys:
                problems.append(StudioProblem(
                    f"/{key}",
                    _("%(title)s을(를) 적어 주세요. 기본 프로필 '%(base)s'에도 없습니다.",
                      title=title, base=chain[0])))
    known = registry.unit_functions
    menu_units = _menu_problems(model, known, problems, drafted=units)
    role_ids = _role_problems(model, known, menu_units, base_roles, chain, problems)
    _exclusive_problems(model, role_ids, problems)
    if not model.abstract:
        _lane_problems(model, registry, role_ids, problems)
    return merged(schema, problems)


def _menu_problems(model: ProfileModel, units: Mapping[str, UnitFunction],
                   problems: list[StudioProblem], *, drafted: Collection[str] | None,
                   ) -> dict[str, UnitFunction | None]:
    """Problems of the menu; the menu's units (``None`` for one not in the registry: a
    draft, or unknown). ``drafted``: see :func:`check`."""
    menu_units: dict[str, UnitFunction | None] = {}
    placed: dict[str, str] = {}
    if model.abstract and model.menu is not None:
        problems.append(StudioProblem("/menu", _("기본 프로필(abstract)은 메뉴를 두지 않습니다. "
                                        "메뉴는 이 프로필을 물려받는 각 시설유형이 정합니다.")))
    for g, group in enumerate(model.menu or ()):
        if not isinstance(group.title, str) or not group.title.strip():
            problems.append(StudioProblem(pointer("menu", g, "group"),
                                          _("메뉴 묶음의 이름을 적어 주세요.")))
        if not group.items:
            problems.append(StudioProblem(pointer("menu", g, "items"),
                                          _("빈 메뉴 묶음입니다. 단위기능을 넣거나 묶음을 지워 "
                                            "주세요.")))
        for i, item in enumerate(group.items):
            here = pointer("menu", g, "items", i)
            if not isinstance(item.unit, str):
                continue  # the schema problem says so
            if item.unit in placed:
                problems.append(StudioProblem(here + "/unit", _(
                    "단위기능 '%(unit)s'이(가) 메뉴에 이미 있습니다(%(where)s).",
                    unit=item.unit, where=placed[item.unit])))
                continue
            placed[item.unit] = here
            unit = units.get(item.unit)
            menu_units[item.unit] = unit
            if unit is None:
                if drafted is not None and item.unit not in drafted:
                    problems.append(StudioProblem(here + "/unit", _(
                        "단위기능 '%(unit)s'이(가) 없습니다. 등록된 단위기능이나 작성 중인 "
                        "단위기능에서 고르세요.", unit=item.unit)))
                continue
            for name, value in (item.parameters or {}).items():
                where = here + "/parameters" + pointer(name)
                declared = unit.parameters.get(name)
                if declared is None:
                    problems.append(StudioProblem(where, _(
                        "단위기능 '%(unit)s'에는 매개변수 '%(name)s'이(가) 없습니다. "
                        "있는 매개변수: %(known)s", unit=unit.title, name=name,
                        known=", ".join(unit.parameters) or _("없음"))))
                    continue
                message = korean_value_problem(declared.type, declared.title, value,
                                               enum=declared.enum, minimum=declared.minimum,
                                               maximum=declared.maximum)
                if message:
                    problems.append(StudioProblem(where, message))
    return menu_units


def _role_problems(model: ProfileModel, units: Mapping[str, UnitFunction],
                   menu_units: Mapping[str, UnitFunction | None],
                   base_roles: Mapping[str, dict[str, Any]], chain: list[str],
                   problems: list[StudioProblem]) -> list[str]:
    """Problems of the roles and grants; every role id the profile ends up with."""
    own: dict[str, int] = {}
    for r, role in enumerate(model.roles or ()):
        here = pointer("roles", r)
        if not isinstance(role.id, str):
            continue
        if role.id in own:
            problems.append(StudioProblem(here + "/id", _(
                "역할 '%(role)s'이(가) 두 번 있습니다(/roles/%(index)s).", role=role.id,
                index=own[role.id])))
            continue
        own[role.id] = r
        if role.title is None and role.id not in base_roles:
            if chain:
                message = _("역할 '%(role)s'의 이름을 적어 주세요. 기본 프로필 '%(base)s'의 "
                            "역할이 아니므로 이름이 있어야 합니다.", role=role.id, base=chain[0])
            else:
                message = _("역할 '%(role)s'의 이름을 적어 주세요. 역할에는 이름이 있어야 "
                            "합니다.", role=role.id)
            problems.append(StudioProblem(here + "/title", message))
        for unit_key, grant in (role.grants or {}).items():
            where = here + "/grants" + pointer(unit_key)
            if grant is None:
                inherited = base_roles.get(role.id, {}).get("grants", {})
                if unit_key not in inherited:
                    problems.append(StudioProblem(where, _(
                        "'%(unit)s' 권한을 지웠지만 기본 프로필에 그 권한이 없습니다.",
                        unit=unit_key)))
                continue
            if grant.scope not in SCOPES:
                problems.append(StudioProblem(where + "/scope", _(
                    "범위는 본인(own), 담당(assigned), 기관 전체(facility) 중 하나입니다.")))
            if not grant.actions:
                problems.append(StudioProblem(where + "/actions", _("동작을 하나 이상 고르세요.")))
            if unit_key == ALL:
                declared = {a for u in (menu_units.values() if not model.abstract
                                        else units.values()) if u for a in u.actions}
                for index, action in enumerate(grant.actions):
                    if action != ALL and declared and action not in declared:
                        problems.append(StudioProblem(
                            f"{where}/actions/{index}",
                            _("메뉴의 어느 단위기능도 동작 '%(action)s'을(를) 두지 않습니다.",
                              action=action)))
                continue
            if not model.abstract and unit_key not in menu_units:
                problems.append(StudioProblem(where, _(
                    "메뉴에 없는 단위기능 '%(unit)s'에 권한을 주었습니다. 메뉴에 넣거나 권한을 "
                    "지우세요.", unit=unit_key)))
                continue
            unit = units.get(unit_key)
            if unit is None:
                if model.abstract:
                    problems.append(StudioProblem(where, _("단위기능 '%(unit)s'이(가) 없습니다.",
                                                           unit=unit_key)))
                continue
            for index, action in enumerate(grant.actions):
                if action != ALL and action not in unit.actions:
                    problems.append(StudioProblem(
                        f"{where}/actions/{index}",
                        _("단위기능 '%(unit)s'에는 동작 '%(action)s'이(가) 없습니다. "
                          "있는 동작: %(known)s", unit=unit.title, action=action,
                          known=", ".join(unit.actions))))
    if not model.abstract and model.menu is not None and not own and not base_roles:
        problems.append(StudioProblem("/roles", _("역할이 하나도 없습니다. 역할을 하나 이상 "
                                                "만드세요.")))
    return [*own, *(role_id for role_id in base_roles if role_id not in own)]


def _exclusive_problems(model: ProfileModel, role_ids: list[str],
                        problems: list[StudioProblem]) -> None:
    for index, group in enumerate(model.exclusive_roles or ()):
        here = pointer("exclusive_roles", index)
        if len(set(group)) < 2:
            problems.append(StudioProblem(here, _("겸직 금지 묶음에는 서로 다른 역할이 둘 이상 "
                                                "있어야 합니다.")))
        seen: set[str] = set()
        for position, role_id in enumerate(group):
            if role_id in seen:
                problems.append(StudioProblem(f"{here}/{position}", _(
                    "역할 '%(role)s'을(를) 같은 겸직 금지 묶음에 두 번 넣었습니다.",
                    role=role_id)))
            seen.add(role_id)
            if role_id not in role_ids:
                problems.append(StudioProblem(f"{here}/{position}", _(
                    "역할 '%(role)s'이(가) 없습니다. 이 프로필의 역할: %(known)s",
                    role=role_id, known=", ".join(role_ids) or _("없음"))))


def _lane_problems(model: ProfileModel, registry: Registry, role_ids: list[str],
                   problems: list[StudioProblem]) -> None:
    """A lane of a menu unit's process must be a role, or its tasks reach no one."""
    for g, group in enumerate(model.menu or ()):
        for i, item in enumerate(group.items):
            unit = registry.unit_functions.get(item.unit) if isinstance(item.unit, str) else None
            for process_id in unit.processes if unit else ():
                process = registry.processes.get(process_id)
                missing = [lane for lane in (process.lanes if process else ())
                           if lane not in role_ids]
                if missing:
                    problems.append(StudioProblem(
                        pointer("menu", g, "items", i, "unit"),
                        _("단위기능 '%(unit)s'의 절차 '%(process)s'에 역할 %(roles)s의 업무가 "
                          "있는데, 이 프로필에 그 역할이 없습니다.", unit=unit.title,
                          process=process.name or process_id,
                          roles=", ".join(repr(lane) for lane in missing))))


# --- the reuse figure --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileReuse:
    """How much a profile shares its unit functions with the other profiles.

    ``units``: the profile's menu units; ``shared``: those another profile also uses;
    ``reuse_ratio``: the reuse ratio of ``ieum reuse`` (``1 - unit functions / slots`` over
    every profile) with this profile as written; ``profiles``: how many profiles that counts."""

    units: int
    shared: int
    own_only: tuple[str, ...]
    reuse_ratio: float
    profiles: int
    slots: int
    unit_functions: int

    def as_json(self) -> dict[str, Any]:
        return {"units": self.units, "shared": self.shared, "own_only": list(self.own_only),
                "reuse_ratio": round(self.reuse_ratio, 4), "profiles": self.profiles,
                "slots": self.slots, "unit_functions": self.unit_functions}


def reuse(body: Mapping[str, Any], registry: Registry) -> ProfileReuse:
    """The reuse figure of ``body`` among the registry's profiles (the registry's profile of
    the same code is replaced by ``body``; an abstract profile has no units)."""
    model = to_model(body)
    mine = [] if model.abstract else [unit for unit in model.unit_ids if isinstance(unit, str)]
    others = {code: set(profile.unit_ids) for code, profile in registry.profiles.items()
              if code != model.code}
    elsewhere = set().union(*others.values())
    shared = [unit for unit in mine if unit in elsewhere]
    used_by = list(others.values()) + ([set(mine)] if not model.abstract else [])
    slots = sum(len(units) for units in used_by)
    columns = set().union(*used_by) if used_by else set()
    ratio = 1 - len(columns) / slots if slots else 0.0
    return ProfileReuse(units=len(mine), shared=len(shared),
                        own_only=tuple(unit for unit in mine if unit not in elsewhere),
                        reuse_ratio=ratio, profiles=len(used_by), slots=slots,
                        unit_functions=len(columns))


def copy_body(source: Mapping[str, Any], code: str, title: str, *, as_extends: bool
              ) -> dict[str, Any]:
    """A new profile starting from ``source``: a full copy under a new code and title, or
    (``as_extends``) a profile that ``extends:`` it with the same menu (an abstract source
    gives an empty menu to fill) and no roles of its own."""
    if as_extends:
        body: dict[str, Any] = {"code": code, "extends": source.get("code"), "title": title}
        if not source.get("abstract") and isinstance(source.get("menu"), list):
            body["menu"] = to_body(to_model(source)).get("menu")
        else:
            body["menu"] = []
        return body
    body = to_body(to_model(source))
    body.update(code=code, title=title)
    body.pop("abstract", None) if not source.get("abstract") else None
    return body

