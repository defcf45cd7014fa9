"""Example ieum vendor package: 방문상담 (home-visit counselling), a complete feature added
without changing the engine.

What it ships, and the extension point each part uses (``pyproject.toml`` of this package):

- ``content/``: the unit function ``vendor_home_visit``, its three forms and the process
  ``vendor_home_visit_followup``, laid out like the repository's content folders
  (entry-point group ``ieum.content``);
- :mod:`.functions`: the process's service task, which writes a 후속조치 계획 record through
  the kernel's record pipeline (``ieum.functions``);
- :mod:`.feeds`: a record feed that keeps each subject's count of visits (``ieum.feeds``);
- :mod:`.report_kind`: the monthly report kind 방문상담 실적보고 and its generator
  (``ieum.report_generators``);
- :mod:`.screens`: the 방문상담 현황 page the unit's menu entry opens (``ieum.screens``).
"""

from __future__ import annotations

from pathlib import Path

CONTENT = Path(__file__).resolve().parent / "content"

UNIT = "vendor_home_visit"
VISIT_FORM = "vendor_home_visit"
REVIEW_FORM = "vendor_home_visit_review"
PLAN_FORM = "vendor_home_visit_plan"
PROCESS = "vendor_home_visit_followup"
#: Statuses of saved records (a draft, 임시저장, is not counted anywhere).
SAVED = ("final", "locked")


def content_root() -> Path:
    """The content folder of this package (forms/, workflows/bpmn/, unit_functions/)."""
    return CONTENT
