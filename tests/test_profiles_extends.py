"""Facility profiles ``extends:`` a base profile: the common roles and grants written once.

The shipped profiles extend a base per field (``child_base``, ``elderly_base``, ...), each of
which extends ``facility_profiles/base.yaml`` (all ``abstract: true``). The snapshot
``tests/snapshots/resolved_profiles.json`` was taken from the profiles as they were before
they extended the base, when each repeated the common roles: the resolved profiles (menu,
roles, grants, exclusive roles) must stay exactly what they were. When a profile or a unit
function's actions change on purpose, regenerate it with
``IEUM_UPDATE_SNAPSHOTS=1 pytest tests/test_profiles_extends.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import FacilityProfile, Grant, check_content, load_registry
from ieum.definitions.frozen import thaw
from ieum.definitions.profiles import _role_order
from tests.content_tree import profile, valid_tree, write

SNAPSHOT = Path(__file__).parent / "snapshots" / "resolved_profiles.json"
HOME = "c/facility_profiles/home.yaml"
BASE = "c/facility_profiles/base.yaml"


def resolved(profile: FacilityProfile) -> dict[str, Any]:
    """What a profile resolves to, in a form that compares and diffs well."""
    return {
        "title": profile.title, "target_group": profile.target_group,
        "statute": profile.statute, "official_kind_code": profile.official_kind_code,
        "description": profile.description,
        "menu": [{"group": group.title,
                  "items": [{"unit": item.unit, "title": item.title,
                             "parameters": thaw(item.parameters)} for item in group.items]}
                 for group in profile.menu],
        "roles": [{"id": role.id, "title": role.title, "description": role.description,
                   "administers": role.administers,
                   "grants": {unit: f"{grant.scope}: {' '.join(sorted(grant.actions))}"
                              for unit, grant in role.grants.items()}}
                  for role in profile.roles.values()],
        "exclusive_roles": [sorted(group) for group in profile.exclusive_roles],
    }


def test_the_shipped_profiles_resolve_as_before_they_extended_the_base() -> None:
    registry = load_registry([REPOSITORY_ROOT], plugins=False)
    now = {code: resolved(profile) for code, profile in registry.profiles.items()}
    if os.environ.get("IEUM_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(now, ensure_ascii=False, indent=1) + "\n", "utf-8")
    expected = json.loads(SNAPSHOT.read_text("utf-8"))
    assert list(now) == list(expected)
    for code in expected:
        assert now[code] == expected[code], code


def test_the_shipped_profiles_write_the_common_roles_once() -> None:
    registry = load_registry([REPOSITORY_ROOT], plugins=False)
    assert "base" not in registry.profiles  # abstract: not a facility type
    files = {path.stem for path in (REPOSITORY_ROOT / "facility_profiles").glob("*.yaml")}
    field_bases = {code for code in files if code.endswith("_base")}
    # 아동, 보육, 노인, 장애인, 사회복지관, 자활, 정신건강, 한부모, 노숙인
    assert len(field_bases) == 9
    assert set(registry.profiles) == files - field_bases - {"base"}
    assert len(registry.profiles) >= 56
    for code, facility in registry.profiles.items():
        # every type takes the common roles through its field's base
        assert len(facility.bases) == 2 and facility.bases[1] == "base", code
        assert facility.bases[0] in field_bases, code
        text = (REPOSITORY_ROOT / "facility_profiles" / f"{code}.yaml").read_text("utf-8")
        assert "view_shared_history" not in text, code  # the team leader's common grant
        assert {"facility_admin", "team_leader", "worker"} <= set(facility.roles), code


# ---------------------------------------------------------------- the merge rules

@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    tree = valid_tree(tmp_path / "c")
    write(tree, "facility_profiles/base.yaml", {
        "code": "base", "abstract": True, "title": "공통",
        "roles": [
            {"id": "admin", "title": "관리자", "description": "운영 책임", "administers": True,
             "grants": {"*": {"actions": ["*"], "scope": "facility"}}},
            {"id": "leader", "title": "팀장",
             "grants": {"*": {"actions": ["view", "approve"], "scope": "facility"},
                        "people": {"actions": ["view", "update"], "scope": "assigned"}}},
            {"id": "worker", "title": "복지사",
             "grants": {"notes": {"actions": ["view", "create"], "scope": "own"},
                        "people": {"actions": ["view"], "scope": "facility"}}},
        ],
        "exclusive_roles": [["leader", "worker"]],
    })
    return tree


def home(**changes: Any) -> dict[str, Any]:
    data = profile("home", [], menu=[
        {"group": "대상자", "items": [{"unit": "people", "parameters": {"min_age": 15}}]},
        {"group": "상담", "items": [{"unit": "notes", "title": "상담"}]}])
    data.pop("roles")
    data["extends"] = "base"
    data.update(changes)
    return data


def problems_of(root: Path) -> list[str]:
    registry, problems = check_content([root], plugins=False)
    assert (registry is None) == bool(problems)
    return [str(problem) for problem in problems]


def test_a_profile_without_roles_takes_the_bases(root: Path) -> None:
    before = load_registry([root], plugins=False).profiles["home"]
    write(root, "facility_profiles/home.yaml", home())
    after = load_registry([root], plugins=False).profiles["home"]
    assert after.bases == ("base",)
    assert list(after.roles) == ["admin", "leader", "worker"]
    for role_id in ("admin", "leader"):
        assert dict(after.roles[role_id].grants) == dict(before.roles[role_id].grants)
    assert dict(after.roles["worker"].grants) == {
        "people": Grant(frozenset({"view"}), "facility"),
        "notes": Grant(frozenset({"view", "create"}), "own")}
    assert after.roles["admin"].administers and after.roles["admin"].description == "운영 책임"
    assert after.exclusive_roles == before.exclusive_roles


def test_a_role_overrides_keys_and_grants_per_unit(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(roles=[
        {"id": "admin", "title": "원장", "description": ""},
        {"id": "worker", "grants": {"people": {"actions": ["view", "update"],
                                               "scope": "assigned"}}},
        {"id": "nurse", "title": "간호사",
         "grants": {"people": {"actions": ["view"], "scope": "facility"}}},
    ]))
    roles = load_registry([root], plugins=False).profiles["home"].roles
    assert list(roles) == ["admin", "leader", "worker", "nurse"]
    assert (roles["admin"].title, roles["admin"].description) == ("원장", "")
    assert roles["admin"].administers
    assert dict(roles["worker"].grants) == {
        "people": Grant(frozenset({"view", "update"}), "assigned"),
        "notes": Grant(frozenset({"view", "create"}), "own")}
    assert roles["worker"].title == "복지사"


def test_null_removes_an_inherited_grant_and_the_wildcard_then_applies(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(roles=[
        {"id": "leader", "grants": {"people": None}},
        {"id": "worker", "grants": {"notes": None}},
    ]))
    roles = load_registry([root], plugins=False).profiles["home"].roles
    assert dict(roles["leader"].grants) == {
        "people": Grant(frozenset({"view"}), "facility"),
        "notes": Grant(frozenset({"view", "approve"}), "facility")}
    assert dict(roles["worker"].grants) == {"people": Grant(frozenset({"view"}), "facility")}
    write(root, "facility_profiles/home.yaml", home(roles=[{"id": "leader",
                                                            "grants": {"*": None}}]))
    roles = load_registry([root], plugins=False).profiles["home"].roles
    assert dict(roles["leader"].grants) == {
        "people": Grant(frozenset({"view", "update"}), "assigned")}


def test_base_grants_for_units_outside_the_menu_are_left_out(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(menu=[
        {"group": "대상자", "items": [{"unit": "people"}]}]))
    roles = load_registry([root], plugins=False).profiles["home"].roles
    assert list(roles["worker"].grants) == ["people"]


def test_the_profile_keeps_its_own_identity_and_menu_and_may_override_keys(root: Path) -> None:
    write(root, "facility_profiles/mid.yaml", home(
        code="mid", title="중간", statute="중간법 제2조", target_group="elderly",
        exclusive_roles=[]))
    data = home(extends="mid")
    data.pop("statute")
    data.pop("target_group")
    write(root, "facility_profiles/home.yaml", data)
    registry = load_registry([root], plugins=False)
    home_profile = registry.profiles["home"]
    assert home_profile.bases == ("mid", "base")
    assert (home_profile.title, home_profile.statute, home_profile.target_group) == (
        "home 시설", "중간법 제2조", "elderly")
    assert home_profile.exclusive_roles == ()
    assert "mid" in registry.profiles  # a concrete base is a facility type itself


def test_role_order() -> None:
    assert _role_order(["a", "b", "c"], ["a", "x", "c"]) == ["a", "b", "x", "c"]
    assert _role_order(["a", "b", "c"], ["c", "x"]) == ["a", "b", "c", "x"]
    assert _role_order(["a", "b", "c"], ["a", "x"]) == ["a", "b", "c", "x"]
    assert _role_order(["a", "b", "c"], []) == ["a", "b", "c"]


# ---------------------------------------------------------------- problems

def test_an_unknown_base(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(extends="bsae"))
    [problem] = problems_of(root)
    assert problem.startswith(f"{HOME}:/extends: unknown base profile 'bsae'; expected "
                              "facility_profiles/bsae.yaml in a content root")


def test_a_cycle_of_bases(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(extends="center"))
    write(root, "facility_profiles/center.yaml", {**home(code="center"), "extends": "home"})
    problems = problems_of(root)
    assert len(problems) == 1
    assert "/extends: profiles extend each other in a cycle: " in problems[0]
    assert "home → center → home" in problems[0] or "center → home → center" in problems[0]
    write(root, "facility_profiles/center.yaml", {**home(code="center"), "extends": "center"})
    assert problems_of(root) == ["c/facility_profiles/center.yaml:/extends: profiles extend "
                                 "each other in a cycle: center → center"]


def test_a_broken_base_is_reported_once(root: Path) -> None:
    base = yaml.safe_load((root / "facility_profiles/base.yaml").read_text("utf-8"))
    write(root, "facility_profiles/base.yaml", {**base, "menu": [
        {"group": "업무", "items": [{"unit": "people"}]}]})
    write(root, "facility_profiles/home.yaml", home())
    assert problems_of(root) == [f"{BASE}:/menu: an abstract profile is a base for other "
                                 "profiles, not a facility type: it has no menu (each profile "
                                 "extending it has its own)"]


def test_a_base_is_checked_against_the_unit_functions(root: Path) -> None:
    base = yaml.safe_load((root / "facility_profiles/base.yaml").read_text("utf-8"))
    base["roles"][2]["grants"]["ghost"] = {"actions": ["view"], "scope": "own"}
    base["roles"][2]["grants"]["notes"]["actions"].append("fly")
    base["roles"][1]["grants"]["*"]["actions"].append("swim")
    write(root, "facility_profiles/base.yaml", base)
    assert problems_of(root) == [
        f"{BASE}:/roles/1/grants/*/actions/2: no unit function declares action 'swim'",
        f"{BASE}:/roles/2/grants/ghost: unit function 'ghost' not found: expected "
        "unit_functions/ghost/unit.yaml in a content root",
        f"{BASE}:/roles/2/grants/notes/actions/2: unit function 'notes' declares no action "
        "'fly'; it declares view, create, update, approve",
    ]


def test_a_new_role_needs_a_title_and_required_keys_may_come_from_the_base(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(roles=[{"id": "nurse"}]))
    assert problems_of(root) == [f"{HOME}:/roles/0: role 'nurse' needs a title: it is not a "
                                 "role of the base profile 'base'"]
    data = home()
    data.pop("statute")
    write(root, "facility_profiles/home.yaml", data)
    assert problems_of(root) == [f"{HOME}:: 'statute' is a required property (neither this "
                                 "profile nor its base 'base' gives it)"]


def test_without_extends_a_role_needs_a_title(root: Path) -> None:
    write(root, "facility_profiles/center.yaml", profile("center", ["people"], roles=[
        {"id": "admin", "grants": {"*": {"actions": ["*"], "scope": "facility"}}}]))
    assert problems_of(root) == ["c/facility_profiles/center.yaml:/roles/0: 'title' is a "
                                 "required property"]


def test_an_own_grant_is_checked_as_before(root: Path) -> None:
    write(root, "facility_profiles/home.yaml", home(menu=[
        {"group": "대상자", "items": [{"unit": "people"}]}],
        roles=[{"id": "worker", "grants": {"notes": {"actions": ["view"], "scope": "own"}}}]))
    [problem] = problems_of(root)
    assert problem.startswith(f"{HOME}:/roles/0/grants/notes: unit function 'notes' is not "
                              "in this profile's menu")
