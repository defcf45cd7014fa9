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


def shipped_form(form_id: str) -> Path:
    """The file of a shipped form, in ``forms/`` or one of its sub-folders."""
    found = sorted((REPOSITORY_ROOT / "forms").rglob(f"{form_id}.json"))
    if not found:
        raise FileNotFoundError(f"no shipped form {form_id!r}")
    return found[0]


def build(folder: Path, forms: Iterable[str] = SR_FORMS) -> Path:
    """Copy ``bench/content`` and the named shipped forms into ``folder``; return it."""
    shutil.copytree(BENCH_CONTENT, folder, dirs_exist_ok=True)
    (folder / "forms").mkdir(exist_ok=True)
    for form_id in forms:
        shutil.copy(shipped_form(form_id), folder / "forms")
    return folder
