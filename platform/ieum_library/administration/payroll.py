"""급여대장 확정 → 인건비 지출결의서 (seed 000 §4).

Confirming a month's payroll register (unit ``payroll``, form ``payroll_register``) marks it
확정 and writes a draft expense resolution (unit ``resolution``) whose budget items are the
인건비 items of the chart of accounts, summed from the register: 급여 (basic pay), 제수당
(allowances), 퇴직금 및 퇴직적립금 (severance reserve) and 사회보험부담금 (the employer's share
of social insurance). Deductions are withheld from the pay, not an expense of their own. The
accountant then chooses the 재원 and sends the draft through the approval line.

Confirming is idempotent: a confirmed register keeps the id of its resolution and confirming
it again returns that resolution. Two confirmations at the same moment: one wins, the other
gets 409 and nothing of it is kept (the register's version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError
from ieum.services.conflicts import refuse_conflicts
from ieum.services.records import get_record, insert_record, open_form
from ieum.services.workspace import Workspace
from ieum.store.models import Record, utcnow

PAYROLL_UNIT, PAYROLL_FORM = "payroll", "payroll_register"
RESOLUTION_UNIT, RESOLUTION_FORM = "resolution", "resolution"
#: (budget item, what it is, the register's column summed into it)
PERSONNEL_ITEMS = (
    ("expense.office.salary", "급여(기본급)", "base"),
    ("expense.office.allowances", "제수당", "allowance"),
    ("expense.office.severance", "퇴직적립금", "severance_reserve"),
    ("expense.office.social_insurance", "사회보험부담금(기관부담분)", "employer_insurance"),
)
CONFLICT = _l("다른 사용자가 먼저 이 급여대장을 확정하거나 고쳤습니다. 화면을 새로 고치세요.")


def personnel_items(register: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The resolution's budget items for a register: one per 인건비 item with a sum > 0."""
    month = str(register.get("pay_month") or "")
    label = f"{month[:4]}년 {int(month[5:7])}월" if len(month) == 7 else month
    rows = [row for row in register.get("employees") or [] if isinstance(row, Mapping)]
    items = []
    for account, what, column in PERSONNEL_ITEMS:
        amount = sum(int(row.get(column) or 0) for row in rows)
        if amount > 0:
            items.append({"account": account, "description": f"{label} {what} ({len(rows)}명)",
                          "amount": amount})
    return items


@dataclass(frozen=True)
class Confirmation:
    payroll: Record
    resolution: Record
    created: bool  # False: the register was confirmed before; this is its resolution


def _existing_resolution(session: Session, register: Record) -> Record | None:
    resolution_id = register.data.get("resolution_id")
    if not isinstance(resolution_id, int):
        return None
    return session.scalar(select(Record).where(
        Record.id == resolution_id, Record.facility_id == register.facility_id,
        Record.unit_function == RESOLUTION_UNIT, Record.deleted_at.is_(None)))


@refuse_conflicts(CONFLICT)
def confirm_payroll(session: Session, registry: Registry, workspace: Workspace,
                    record_id: int, *, today: dt.date, actor: Actor) -> Confirmation:
    """확정: mark the register confirmed and write its personnel-expense resolution (draft).

    Refused: no ``approve`` grant on 급여대장 or no ``create`` on 결의서 (403); a register of
    another facility (404); a register saved as 임시저장 or without pay (409); a facility
    whose menu has no 결의서 (409); the resolution date in a closed period (409).
    """
    scope = open_form(registry, workspace, PAYROLL_UNIT, PAYROLL_FORM, today, actor)
    scope.require("approve")
    register = get_record(session, scope, record_id)
    if register.data.get("confirmed"):
        existing = _existing_resolution(session, register)
        if existing is not None:
            return Confirmation(register, existing, created=False)
    if register.status != "final":
        raise ServiceError(_("임시저장된 급여대장은 확정할 수 없습니다. 먼저 저장하세요."),
                           status=409)
    items = personnel_items(register.data)
    if not items:
        raise ServiceError(_("지급액이 없는 급여대장은 확정할 수 없습니다."), status=409)
    try:
        target = open_form(registry, workspace, RESOLUTION_UNIT, RESOLUTION_FORM, today, actor)
    except ServiceError as missing:
        if missing.status != 404:
            raise
        raise ServiceError(_("이 기관의 메뉴에 수입·지출 결의서가 없어 인건비 결의서를 만들 수 "
                             "없습니다."), status=409) from None
    target.require("create")
    month = str(register.data.get("pay_month") or "")
    resolution = insert_record(session, target, {
        "kind": "expense",
        "resolved_on": register.data.get("paid_on") or today.isoformat(),
        "project": f"{month} 인건비",
        "summary": f"{month} 급여대장(#{register.id}) 확정분 인건비",
        "items": items,
    }, draft=True, subject_id=None)
    register.data = {**register.data, "confirmed": True, "resolution_id": resolution.id}
    register.updated_at = utcnow()  # bumps the version: a concurrent confirmation loses
    session.flush()
    record_event(session, "payroll.confirm", actor, facility_id=register.facility_id,
                 target_type="record", target_id=register.id,
                 detail={"pay_month": month, "resolution": resolution.id,
                         "total": sum(item["amount"] for item in items)})
    session.commit()
    return Confirmation(register, resolution, created=True)
