"""The facility-type x unit-function reuse matrix."""

from __future__ import annotations

from pathlib import Path

from ieum.definitions import load_registry, reuse_matrix
from tests.content_tree import profile, unit, write


def small_library(root: Path) -> Path:
    for unit_id in ("u1", "u2", "u3", "u4"):
        write(root, f"unit_functions/{unit_id}/unit.yaml", unit(unit_id))
    write(root, "facility_profiles/a.yaml", profile("a", ["u1", "u2"]))
    write(root, "facility_profiles/b.yaml", profile("b", ["u2", "u1", "u3"]))
    write(root, "facility_profiles/c.yaml", profile("c", ["u1"]))
    return root


def test_reuse_ratio_counts_distinct_units_over_slots(tmp_path: Path) -> None:
    registry = load_registry([small_library(tmp_path)], plugins=False)
    reuse = reuse_matrix(registry)
    assert reuse.profiles == ("a", "b", "c")
    assert reuse.unit_functions == ("u1", "u2", "u3")
    assert reuse.matrix == ((True, True, False), (True, True, True), (True, False, False))
    assert reuse.slots == 6
    assert reuse.reuse_ratio == 0.5  # 1 - 3 distinct / 6 slots
    assert reuse.unused == ("u4",)
    assert reuse.as_summary() == {"profiles": 3, "unit_functions": 3, "slots": 6,
                                  "reuse_ratio": 0.5}


def test_reuse_ratio_rounds_in_the_summary(tmp_path: Path) -> None:
    small_library(tmp_path)
    write(tmp_path, "facility_profiles/d.yaml", profile("d", ["u1", "u2", "u3", "u4"]))
    reuse = reuse_matrix(load_registry([tmp_path], plugins=False))
    assert reuse.slots == 10
    assert reuse.reuse_ratio == 1 - 4 / 10
    assert reuse.as_summary()["reuse_ratio"] == 0.6


def test_no_profiles_means_no_slots(tmp_path: Path) -> None:
    write(tmp_path, "unit_functions/u1/unit.yaml", unit("u1"))
    reuse = reuse_matrix(load_registry([tmp_path], plugins=False))
    assert (reuse.slots, reuse.reuse_ratio, reuse.profiles, reuse.unused) == (0, 0.0, (), ("u1",))
