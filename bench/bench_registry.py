"""Seconds to load and check a generated library of 600 unit functions and 56 profiles.

The library has the shape of the target system (seed 002): 600 distinct unit functions, each
with its own form, composed into 56 facility types of 65 functions each (3,640 slots, 83 %
reuse). Timed: ``check_content`` — read every file, meta-schema checks, expression checks,
cross-references, the immutable registry — exactly what ``ieum check`` and app start do.
Target: <= 2 s.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from bench.timing import summary
from ieum.definitions import check_content

UNITS = 600
PROFILES = 56
PER_PROFILE = 65


def form_document(n: int) -> dict[str, Any]:
    """A small but typical form: text, date, choice, numbers, a computed total, a rule."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"생성 양식 {n}", "version": 1, "type": "object",
        "properties": {
            "entry_date": {"type": "string", "format": "date", "title": "일자"},
            "kind": {"type": "string", "title": "구분", "oneOf": [
                {"const": "a", "title": "가"}, {"const": "b", "title": "나"},
                {"const": "c", "title": "다"}]},
            "amount": {"type": "integer", "title": "금액", "minimum": 0},
            "extra": {"type": "integer", "title": "추가금액", "minimum": 0},
            "total": {"type": "integer", "title": "합계", "readOnly": True},
            "note": {"type": "string", "title": "내용", "maxLength": 2000},
            "other": {"type": "string", "title": "기타 내용", "maxLength": 200},
        },
        "required": ["entry_date", "kind"],
        "x-ui": {"entry_date": {"list": True, "filter": True}, "kind": {"list": True,
                                                                       "filter": True},
                 "note": {"widget": "textarea"}},
        "x-computed": {"total": "(amount or 0) + (extra or 0)"},
        "x-visible": {"other": 'kind == "c"'},
        "x-rules": [{"rule": "entry_date <= today()", "message": "오늘 이후일 수 없습니다.",
                     "fields": ["entry_date"]}],
    }


def unit_document(n: int) -> dict[str, Any]:
    form = f"gen_form_{n:03d}"
    return {"id": f"gen_unit_{n:03d}", "title": f"생성 단위기능 {n}", "layer": 1 + n % 4,
            "forms": [form], "screens": [{"kind": "list", "form": form, "title": "목록"}],
            "actions": ["view", "create", "update", "delete", "export"],
            "parameters": {"limit": {"type": "integer", "default": 10, "title": "한도"}}}


def profile_document(n: int, rng: random.Random) -> dict[str, Any]:
    chosen = sorted(rng.sample(range(UNITS), PER_PROFILE))
    groups = [chosen[i:i + 13] for i in range(0, PER_PROFILE, 13)]
    return {
        "code": f"gen_profile_{n:02d}", "title": f"생성 시설유형 {n}", "target_group": "child",
        "statute": "사회복지사업법 제34조",
        "menu": [{"group": f"메뉴 {g + 1}", "items": [{"unit": f"gen_unit_{u:03d}"}
                                                       for u in items]}
                 for g, items in enumerate(groups)],
        "roles": [
            {"id": "facility_admin", "title": "기관관리자", "administers": True,
             "grants": {"*": {"actions": ["*"], "scope": "facility"}}},
            {"id": "team_leader", "title": "팀장",
             "grants": {"*": {"actions": ["view", "create", "update"], "scope": "facility"}}},
            {"id": "worker", "title": "종사자",
             "grants": {"*": {"actions": ["view", "create"], "scope": "own"}}},
        ],
    }


def generate(root: Path, seed: int = 10) -> None:
    rng = random.Random(seed)
    (root / "forms").mkdir(parents=True)
    (root / "facility_profiles").mkdir()
    for n in range(UNITS):
        (root / "forms" / f"gen_form_{n:03d}.json").write_text(
            json.dumps(form_document(n), ensure_ascii=False), encoding="utf-8")
        folder = root / "unit_functions" / f"gen_unit_{n:03d}"
        folder.mkdir(parents=True)
        (folder / "unit.yaml").write_text(yaml.safe_dump(unit_document(n), allow_unicode=True),
                                          encoding="utf-8")
    for n in range(PROFILES):
        (root / "facility_profiles" / f"gen_profile_{n:02d}.yaml").write_text(
            yaml.safe_dump(profile_document(n, rng), allow_unicode=True, sort_keys=False),
            encoding="utf-8")


def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    times = []
    with tempfile.TemporaryDirectory(prefix="ieum-bench-registry-") as folder:
        root = Path(folder)
        generate(root)
        for _ in range(repeats):
            start = time.perf_counter()
            registry, problems = check_content([root], plugins=False)
            times.append(time.perf_counter() - start)
            if registry is None:
                raise RuntimeError(f"generated library does not check: {problems[:3]}")
        counts = {"unit_functions": len(registry.unit_functions), "forms": len(registry.forms),
                  "profiles": len(registry.profiles),
                  "slots": sum(len(p.unit_ids) for p in registry.profiles.values())}
    seconds = summary(times, 3)
    return {"library": counts, "load_and_check_seconds": seconds,
            "seconds": seconds["median"], "seconds_runs": seconds, "target": "<= 2",
            "pass": seconds["median"] <= 2.0}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
