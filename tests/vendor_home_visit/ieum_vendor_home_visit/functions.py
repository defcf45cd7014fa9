"""The service task of the process ``vendor_home_visit_followup`` (entry-point group
``ieum.functions``; the entry point's name is the BPMN ``serviceTaskOperator`` id).

After a team leader reviews a home visit and decides on a follow-up, the process calls
:func:`plan_followup` with the id of the review record. Marked ``with_context``, it gets the
kernel's ``ServiceTaskContext``: it reads the review and writes a 후속조치 계획 record as the
leader who completed the review, through the record pipeline (their grants, the unit's
closing dates, the unit's feeds and the audit log all apply). What it returns is stored in
the process data under the task's ``resultVariable`` (``plan_record``).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ieum.workflow.functions import with_context
from ieum_vendor_home_visit import PLAN_FORM, REVIEW_FORM, UNIT

if TYPE_CHECKING:
    from ieum.services.workflows import ServiceTaskContext

#: Days to the plan's due date when the reviewer gave none.
DEFAULT_DUE_IN_DAYS = 7


@with_context
def plan_followup(review_id: int, context: ServiceTaskContext) -> int:
    """Write the 후속조치 계획 decided in review record ``review_id``; return the plan's id.

    (A BPMN parameter's id must differ from every element id in the diagram: SpiffWorkflow
    looks elements up by id, and ``review`` is the user task's.)"""
    subject_id = context.instance.subject_id
    reviews = context.read_records(UNIT, REVIEW_FORM, subject_id=subject_id)
    decided = next((record for record in reviews if record.id == review_id), None)
    if decided is None:  # stops the instance with this message for the administrator
        raise LookupError(f"방문상담 검토 기록 {review_id}번을 찾을 수 없습니다.")
    days = int(decided.data.get("due_in_days") or DEFAULT_DUE_IN_DAYS)
    plan = context.create_record(UNIT, PLAN_FORM, {
        "due_date": (context.rt.today + dt.timedelta(days=days)).isoformat(),
        "action": decided.data.get("action") or "후속조치",
        "status": "planned",
        "review_record": decided.id,
    }, subject_id=subject_id)
    return plan.id
