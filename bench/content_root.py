"""A content root for the benchmarks: the shipped self-reliance forms plus ``bench/content``.

The shipped form files are copied as they are, so the benchmarks run the real forms while
other work in progress elsewhere in the repository cannot break a benchmark run.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from ieum.config import REPOSITORY_ROOT

BENCH_CONTENT = Path(__file__).resolve().parent / "content"
SR_FORMS = ("sr_assessment", "sr_plan", "sr_case_log")


def build(folder: Path, forms: Iterable[str] = SR_FORMS) -> Path:
    """Copy ``bench/content`` and the named shipped forms into ``folder``; return it."""
    shutil.copytree(BENCH_CONTENT, folder, dirs_exist_ok=True)
    (folder / "forms").mkdir(exist_ok=True)
    for form_id in forms:
        shutil.copy(REPOSITORY_ROOT / "forms" / f"{form_id}.json", folder / "forms")
    return folder
