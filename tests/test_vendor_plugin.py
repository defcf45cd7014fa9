"""Plug-ins: the example vendor package, installed for real, and entry-point edge cases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ieum.definitions import check_content, load_registry
from ieum.definitions import sources as sources_module
from tests.content_tree import profile, unit, valid_tree, write
from tests.vendor_fixture import VENDOR_PLUGIN, VENDOR_UNIT

IEUM = Path(sys.executable).parent / "ieum"


def test_ieum_check_loads_the_installed_plugin(vendor_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(vendor_site)}
    env.pop("IEUM_CONTENT_ROOT", None)
    result = subprocess.run([str(IEUM), "check"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK: ")
    assert f"1 plug-in ({VENDOR_PLUGIN})" in result.stdout
    listing = subprocess.run([str(IEUM), "list"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    line = next(row for row in listing.stdout.splitlines() if VENDOR_UNIT in row)
    assert line.split() == [VENDOR_UNIT, "2", "방문기록", "plug-in", VENDOR_PLUGIN]


def test_a_profile_can_use_the_plugin_unit(vendor_site: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(vendor_site))
    write(tmp_path, "facility_profiles/visits.yaml", profile("visits", [VENDOR_UNIT]))
    registry = load_registry([tmp_path], plugins=True)
    visit_log = registry.unit_functions[VENDOR_UNIT]
    assert visit_log.plugin == VENDOR_PLUGIN
    assert visit_log.title == "방문기록"
    assert registry.forms[VENDOR_UNIT].plugin == VENDOR_PLUGIN
    assert registry.profiles["visits"].unit_ids == (VENDOR_UNIT,)
    assert registry.plugins == (VENDOR_PLUGIN,)
    (plugin_source,) = [s for s in registry.sources if s.plugin]
    assert plugin_source.distribution == "ieum-vendor-example"
    assert [s.plugin for s in registry.sources] == [None, VENDOR_PLUGIN]
    # Without plug-ins the profile names a unit function that does not exist.
    _, problems = check_content([tmp_path], plugins=False)
    assert [(p.path, p.pointer) for p in problems] == [
        (str(tmp_path / "facility_profiles" / "visits.yaml"), "/menu/0/items/0/unit")]


class FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name, self.value, self.dist = name, f"fake:{name}", None
        self._target = target

    def load(self) -> Any:
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


def use_entry_points(monkeypatch: pytest.MonkeyPatch, *points: FakeEntryPoint) -> None:
    monkeypatch.setattr(sources_module, "entry_points", lambda group: list(points))


def test_entry_point_shapes_and_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "first"
    write(first, "unit_functions/alpha/unit.yaml", unit("alpha"))
    second = tmp_path / "second"
    write(second, "unit_functions/beta/unit.yaml", unit("beta"))
    third = tmp_path / "third"
    write(third, "unit_functions/gamma/unit.yaml", unit("gamma"))
    use_entry_points(monkeypatch, FakeEntryPoint("zeta", lambda: [str(second), third]),
                     FakeEntryPoint("alpha", str(first)))
    registry = load_registry([], plugins=True)
    assert [(s.root, s.plugin) for s in registry.sources] == [
        (first, "alpha"), (second, "zeta"), (third, "zeta")]
    assert {u.id: u.plugin for u in registry.unit_functions.values()} == {
        "alpha": "alpha", "beta": "zeta", "gamma": "zeta"}


def test_broken_plugins_are_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_entry_points(monkeypatch,
                     FakeEntryPoint("crash", ImportError("no module named vendor")),
                     FakeEntryPoint("number", 42),
                     FakeEntryPoint("nowhere", str(tmp_path / "missing")))
    registry, problems = check_content([], plugins=True)
    assert registry is None
    assert [(p.path, p.message.split(":")[0]) for p in problems] == [
        ("<plug-in crash>", "entry point 'fake"),
        ("<plug-in nowhere>", "content root not found (no such directory)"),
        ("<plug-in number>", "entry point 'fake"),
    ]
    assert "ImportError: no module named vendor" in problems[0].message
    assert "expected a path or a list of paths" in problems[2].message


def test_plugin_ids_clashing_with_the_repository(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = valid_tree(tmp_path / "c")
    vendor = tmp_path / "vendor"
    write(vendor, "unit_functions/people/unit.yaml", unit("people"))
    use_entry_points(monkeypatch, FakeEntryPoint("copycat", lambda: vendor))
    _, problems = check_content([root], plugins=True)
    assert [str(p) for p in problems] == [
        "vendor/unit_functions/people/unit.yaml:/id: duplicate unit function id 'people': "
        "also defined in c/unit_functions/people/unit.yaml"]


def test_a_plugins_content_english_is_read_by_the_web_app(
        make_app, migrated_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed plug-in's content root carries its English in ``locale/en`` like every
    content root; the web app reads it (only when plug-ins are loaded)."""
    from ieum import i18n

    content = Path(__file__).parent / "vendor_example" / "ieum_vendor_example" / "content"
    use_entry_points(monkeypatch, FakeEntryPoint("vendor_example", content))
    with_plugins = make_app(migrated_url, IEUM_PLUGINS=True)
    dirs = with_plugins.extensions["ieum.locale_dirs"]
    assert content / "locale" in dirs
    assert i18n.table("en", dirs)["방문기록"] == "Visit record"
    without = make_app(migrated_url, IEUM_PLUGINS=False)
    assert content / "locale" not in without.extensions["ieum.locale_dirs"]
