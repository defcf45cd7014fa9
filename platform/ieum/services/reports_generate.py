"""Generating a report's content from the facility's own records, and checking it.

Every figure is a count or a sum over saved records (final or locked, not deleted) of the
facility, read from the forms the kind names; drafts (임시저장) are never counted, only
mentioned as a warning. The content is a snapshot: figures, the rows behind them, and the
ids of the source records, stored in the report so that what was submitted stays as it was.

A problem is ``{"level": "error" | "warning", "message": ...}``: errors (a field the report
needs is missing, the period has not ended, donations spent on a forbidden item) block the
submission; warnings (not yet closed, drafts left out, no change report filed) do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry
from ieum.services.reports_kinds import Period, ReportKind, due_date, period_containing
from ieum.store.models import Closing, Facility, Record, Subject

#: Budget items donations may not pay for (ministry guide 2020, domain/accounting.md).
DONATION_FORBIDDEN = frozenset({
    "expense.office.institution_operation", "expense.office.position_allowance",
    "expense.office.meeting", "expense.transfer.corporation", "expense.repayment.principal",
    "expense.repayment.interest", "expense.misc", "expense.reserve"})
SAVED = ("final", "locked")


@dataclass
class Builder:
    """Collects a report's figures, tables and problems while a generator runs."""

    registry: Registry
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    sources: set[int] = field(default_factory=set)

    def figure(self, key: str, title: str, value: int, unit: str = "") -> None:
        self.figures.append({"key": key, "title": title, "value": value, "unit": unit})

    def table(self, key: str, title: str, columns: list[tuple[str, str]],
              rows: list[dict[str, Any]]) -> None:
        self.tables.append({"key": key, "title": title,
                            "columns": [list(c) for c in columns], "rows": rows})

    def error(self, message: str) -> None:
        self.problems.append({"level": "error", "message": message})

    def warning(self, message: str) -> None:
        self.problems.append({"level": "warning", "message": message})

    def labels(self, form_id: str, name: str, *, items: bool = False) -> dict[str, str]:
        """The Korean titles of a choice field's values (``items``: inside the rows field)."""
        properties = self.registry.forms[form_id].properties
        spec = properties["items"]["items"]["properties"][name] if items else properties[name]
        return {str(o["const"]): str(o.get("title", o["const"])) for o in spec.get("oneOf", ())}


@dataclass(frozen=True)
class Source:
    """A saved record as a generator reads it."""

    id: int
    subject_id: int | None
    data: Mapping[str, Any]


def saved_records(session: Session, facility_id: int, form_id: str) -> list[Source]:
    rows = session.execute(
        select(Record.id, Record.subject_id, Record.data)
        .where(Record.facility_id == facility_id, Record.form_id == form_id,
               Record.status.in_(SAVED), Record.deleted_at.is_(None))
        .order_by(Record.id))
    return [Source(row.id, row.subject_id, row.data or {}) for row in rows]


def _drafts_in(session: Session, facility_id: int, form_id: str, date_field: str,
               period: Period) -> int:
    rows = session.scalars(select(Record.data).where(
        Record.facility_id == facility_id, Record.form_id == form_id,
        Record.status == "draft", Record.deleted_at.is_(None)))
    return sum(1 for data in rows if _in(data.get(date_field), period.start, period.end)
               or not data.get(date_field))


def _in(value: Any, start: dt.date, end: dt.date) -> bool:
    return isinstance(value, str) and start.isoformat() <= value[:10] <= end.isoformat()


def _on_or_before(value: Any, day: dt.date) -> bool:
    return isinstance(value, str) and value[:10] <= day.isoformat()


def _amount(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _count_by(rows: Iterable[Mapping[str, Any]], name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        value = row.get(name)
        if value is not None:
            counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


def _period_checks(b: Builder, session: Session, facility: Facility, kind: ReportKind,
                   period: Period, today: dt.date, *, must_end: bool = True) -> None:
    if today <= period.end:
        message = (f"보고 기간({period.start:%Y-%m-%d}~{period.end:%Y-%m-%d})이 아직 끝나지 "
                   "않았습니다. 이후에 입력되는 기록은 보고에 들어가지 않습니다.")
        b.error(message) if must_end else b.warning(message)
    closings = dict(session.execute(select(Closing.unit_function, Closing.closed_through)
                                    .where(Closing.facility_id == facility.id)).all())
    for unit_id in kind.units:
        closed = closings.get(unit_id)
        if closed is None or closed < period.end:
            title = b.registry.unit_functions[unit_id].title
            state = f"{closed:%Y-%m-%d}까지만 마감했습니다" if closed \
                else "아직 마감하지 않았습니다"
            b.warning(f"‘{title}’은(는) {state}. 보고 기간 끝({period.end:%Y-%m-%d})까지 "
                      "마감한 뒤 제출하면 보고한 수치가 바뀌지 않습니다.")


def _draft_warning(b: Builder, count: int, what: str) -> None:
    if count:
        b.warning(f"임시저장 상태인 {what} {count}건은 보고에 들어가지 않았습니다.")


# --- 입퇴소보고 --------------------------------------------------------------------------------

def _admissions(b: Builder, session: Session, facility: Facility, period: Period,
                params: Mapping[str, Any]) -> None:
    admissions = saved_records(session, facility.id, "admission")
    discharges = saved_records(session, facility.id, "discharge")
    names = dict(session.execute(select(Subject.id, Subject.name).where(
        Subject.facility_id == facility.id)).all())
    admitted = [r for r in admissions if _in(r.data.get("admission_date"), period.start,
                                             period.end)]
    discharged = [r for r in discharges if _in(r.data.get("discharge_date"), period.start,
                                               period.end)]
    types = b.labels("admission", "admission_type")
    capacity = b.labels("admission", "capacity_type")
    routes = b.labels("admission", "admission_route")
    benefits = b.labels("admission", "benefit_status")
    reasons = b.labels("discharge", "discharge_reason")
    residences = b.labels("discharge", "residence_type")
    b.figure("admitted", "입소 인원", len(admitted), "명")
    b.figure("discharged", "퇴소 인원", len(discharged), "명")
    b.figure("admitted_within_capacity", "정원 내 입소", sum(
        1 for r in admitted if r.data.get("capacity_type") == "within"), "명")
    by_type = _count_by((r.data for r in admitted), "admission_type")
    for value, title in types.items():
        b.figure(f"admitted_by_type:{value}", f"입소구분 · {title}", by_type.get(value, 0), "명")
    by_reason = _count_by((r.data for r in discharged), "discharge_reason")
    for value, title in reasons.items():
        b.figure(f"discharged_by_reason:{value}", f"퇴소사유 · {title}",
                 by_reason.get(value, 0), "명")
    occupancy = sum(1 for r in admissions if _on_or_before(r.data.get("admission_date"),
                                                           period.end)) \
        - sum(1 for r in discharges if _on_or_before(r.data.get("discharge_date"), period.end))
    b.figure("occupancy_end", "기간 말 현원", occupancy, "명")
    b.table("admitted", "입소자 명단", [
        ("name", "성명"), ("date", "입소일"), ("type", "입소구분"), ("capacity", "정원 구분"),
        ("route", "입소경로"), ("benefit", "보장구분")], [
        {"record_id": r.id, "name": names.get(r.subject_id, "(대상자 없음)"),
         "date": r.data.get("admission_date"),
         "type": types.get(r.data.get("admission_type"), r.data.get("admission_type")),
         "capacity": capacity.get(r.data.get("capacity_type"), ""),
         "route": routes.get(r.data.get("admission_route"), ""),
         "benefit": benefits.get(r.data.get("benefit_status"), "")}
        for r in sorted(admitted, key=lambda r: (r.data.get("admission_date"), r.id))])
    b.table("discharged", "퇴소자 명단", [
        ("name", "성명"), ("date", "퇴소일"), ("reason", "퇴소사유"),
        ("residence", "퇴소 후 거주지")], [
        {"record_id": r.id, "name": names.get(r.subject_id, "(대상자 없음)"),
         "date": r.data.get("discharge_date"),
         "reason": reasons.get(r.data.get("discharge_reason"), r.data.get("discharge_reason")),
         "residence": residences.get(r.data.get("residence_type"), "")}
        for r in sorted(discharged, key=lambda r: (r.data.get("discharge_date"), r.id))])
    b.sources |= {r.id for r in admitted + discharged}
    if params.get("capacity_managed", True):
        missing = [names.get(r.subject_id, str(r.id)) for r in admitted
                   if not r.data.get("capacity_type")]
        if missing:
            b.error("정원 구분이 없는 입소 기록이 있습니다: " + ", ".join(missing)
                    + ". 입소 기록에 정원 내·정원 외를 입력하세요.")
    unknown = [names.get(r.subject_id, str(r.id)) for r in discharged
               if not r.data.get("residence_type")]
    if unknown:
        b.warning("퇴소 후 거주지가 없는 퇴소 기록이 있습니다: " + ", ".join(unknown))
    if any(r.subject_id not in names for r in admitted + discharged):
        b.error("대상자가 없는 입퇴소 기록이 있습니다. 기록에 대상자를 지정하세요.")
    _draft_warning(b, _drafts_in(session, facility.id, "admission", "admission_date", period)
                   + _drafts_in(session, facility.id, "discharge", "discharge_date", period),
                   "입퇴소 기록")


# --- 종사자입퇴사보고 -----------------------------------------------------------------------------

def _staff_changes(b: Builder, session: Session, facility: Facility, period: Period,
                   params: Mapping[str, Any]) -> None:
    cards = saved_records(session, facility.id, "staff_card")
    reports = [r for r in saved_records(session, facility.id, "staff_change_report")
               if _in(r.data.get("changed_on"), period.start, period.end)]
    jobs = b.labels("staff_card", "job_type")
    employment = b.labels("staff_card", "employment_type")
    hired = [r for r in cards if _in(r.data.get("hired_on"), period.start, period.end)]
    left = [r for r in cards if _in(r.data.get("left_on"), period.start, period.end)]
    active = [r for r in cards if _on_or_before(r.data.get("hired_on"), period.end)
              and not _on_or_before(r.data.get("left_on"), period.end)]
    b.figure("hired", "입사", len(hired), "명")
    b.figure("left", "퇴사", len(left), "명")
    b.figure("active_end", "기간 말 재직 종사자", len(active), "명")
    b.figure("change_reports", "입·퇴사 보고서", len(reports), "건")
    hired_by, left_by = _count_by((r.data for r in hired), "job_type"), \
        _count_by((r.data for r in left), "job_type")
    for value, title in jobs.items():
        if hired_by.get(value) or left_by.get(value):
            b.figure(f"hired_by_job:{value}", f"입사 · {title}", hired_by.get(value, 0), "명")
            b.figure(f"left_by_job:{value}", f"퇴사 · {title}", left_by.get(value, 0), "명")
    rows = [("hire", r, r.data.get("hired_on")) for r in hired] + \
           [("leave", r, r.data.get("left_on")) for r in left]
    b.table("changes", "입·퇴사 종사자", [
        ("change", "구분"), ("name", "성명"), ("job", "직종"), ("position", "직위"),
        ("employment", "고용형태"), ("date", "입·퇴사일")], [
        {"record_id": r.id, "change": "입사" if change == "hire" else "퇴사",
         "name": r.data.get("name"), "job": jobs.get(r.data.get("job_type"), ""),
         "position": r.data.get("position") or "",
         "employment": employment.get(r.data.get("employment_type"), ""), "date": day}
        for change, r, day in sorted(rows, key=lambda x: (x[2], x[1].id))])
    b.sources |= {r.id for r in hired + left}
    filed = {(r.data.get("change_type"), r.data.get("name"), r.data.get("changed_on"))
             for r in reports}
    unreported = [f"{r.data.get('name')}({'입사' if change == 'hire' else '퇴사'})"
                  for change, r, day in rows if (change, r.data.get("name"), day) not in filed]
    if unreported:
        b.warning("종사자 입·퇴사 보고서가 작성되지 않은 변동이 있습니다: "
                  + ", ".join(unreported))
    no_employment = [str(r.data.get("name")) for r in hired if not r.data.get("employment_type")]
    if no_employment:
        b.error("고용형태가 없는 인사카드가 있습니다: " + ", ".join(no_employment)
                + ". 인사카드에 고용형태를 입력하세요.")
    _draft_warning(b, _drafts_in(session, facility.id, "staff_card", "hired_on", period),
                   "인사카드")


# --- 보조금 ----------------------------------------------------------------------------------

def _resolutions(session: Session, facility_id: int, start: dt.date,
                 end: dt.date) -> list[Source]:
    return [r for r in saved_records(session, facility_id, "resolution")
            if _in(r.data.get("resolved_on"), start, end)]


def _by_account(rows: Iterable[Source]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for r in rows:
        for item in r.data.get("items") or []:
            if isinstance(item, dict) and item.get("account"):
                sums[item["account"]] = sums.get(item["account"], 0) + _amount(item.get("amount"))
    return sums


def _resolution_rows(b: Builder, rows: Iterable[Source]) -> list[dict[str, Any]]:
    kinds = b.labels("resolution", "kind")
    return [{"record_id": r.id, "date": r.data.get("resolved_on"),
             "kind": kinds.get(r.data.get("kind"), ""), "project": r.data.get("project"),
             "summary": r.data.get("summary"), "amount": _amount(r.data.get("total"))}
            for r in sorted(rows, key=lambda r: (r.data.get("resolved_on"), r.id))]


RESOLUTION_COLUMNS = [("date", "결의일"), ("kind", "구분"), ("project", "사업명"),
                      ("summary", "적요"), ("amount", "금액")]


def _account_figures(b: Builder, prefix: str, title: str, sums: Mapping[str, int]) -> None:
    accounts = b.labels("resolution", "account", items=True)
    for account in sorted(sums):
        b.figure(f"{prefix}:{account}", f"{title} · {accounts.get(account, account)}",
                 sums[account], "원")


def _subsidy_request(b: Builder, session: Session, facility: Facility, period: Period,
                     params: Mapping[str, Any]) -> None:
    basis = period.previous()
    cards = saved_records(session, facility.id, "staff_card")
    jobs = b.labels("staff_card", "job_type")
    active = [r for r in cards if _on_or_before(r.data.get("hired_on"), basis.end)
              and not _on_or_before(r.data.get("left_on"), basis.end)]
    months = [f"{basis.start.year}-{m:02d}"
              for m in range(basis.start.month, basis.end.month + 1)]
    payrolls = [r for r in saved_records(session, facility.id, "payroll_register")
                if r.data.get("pay_month") in months]
    resolutions = _resolutions(session, facility.id, basis.start, basis.end)
    spent = [r for r in resolutions if r.data.get("kind") == "expense"
             and r.data.get("funding") == "subsidy"]
    received = [r for r in resolutions if r.data.get("kind") == "income"
                and r.data.get("funding") == "subsidy"]
    spent_total = sum(_amount(r.data.get("total")) for r in spent)
    b.figure("staff_active", f"종사자 수({basis.end:%Y-%m-%d} 재직)", len(active), "명")
    by_job = _count_by((r.data for r in active), "job_type")
    for value, title in jobs.items():
        if by_job.get(value):
            b.figure(f"staff_by_job:{value}", f"종사자 · {title}", by_job[value], "명")
    b.figure("payroll_total", "급여 지급총액(기준 기간)",
             sum(_amount(r.data.get("total_pay")) for r in payrolls), "원")
    b.figure("subsidy_income", "보조금 수입(기준 기간)",
             sum(_amount(r.data.get("total")) for r in received), "원")
    b.figure("subsidy_spent", "보조금 집행액(기준 기간)", spent_total, "원")
    _account_figures(b, "spent_by_account", "집행", _by_account(spent))
    b.figure("requested", "신청액", spent_total, "원")
    b.table("staff", "종사자 현황", [("name", "성명"), ("job", "직종"), ("hired_on", "입사일")], [
        {"record_id": r.id, "name": r.data.get("name"),
         "job": jobs.get(r.data.get("job_type"), ""), "hired_on": r.data.get("hired_on")}
        for r in sorted(active, key=lambda r: (r.data.get("hired_on"), r.id))])
    b.table("spent", "보조금 집행 내역(기준 기간)", RESOLUTION_COLUMNS,
            _resolution_rows(b, spent))
    b.sources |= {r.id for r in active + payrolls + spent + received}
    paid = {r.data.get("pay_month") for r in payrolls}
    missing = [m for m in months if m not in paid]
    if missing:
        b.warning("급여대장이 없는 달이 있습니다: " + ", ".join(missing))
    unconfirmed = sorted(str(r.data.get("pay_month")) for r in payrolls
                         if not r.data.get("confirmed"))
    if unconfirmed:
        b.warning("확정되지 않은 급여대장이 있습니다: " + ", ".join(unconfirmed))
    if not active:
        b.error(f"{basis.end:%Y-%m-%d}에 재직 중인 종사자가 없습니다. 인사카드를 확인하세요.")


def _subsidy_settlement(b: Builder, session: Session, facility: Facility, period: Period,
                        params: Mapping[str, Any]) -> None:
    resolutions = _resolutions(session, facility.id, period.start, period.end)
    received = [r for r in resolutions if r.data.get("kind") == "income"
                and r.data.get("funding") == "subsidy"]
    spent = [r for r in resolutions if r.data.get("kind") == "expense"
             and r.data.get("funding") == "subsidy"]
    income = sum(_amount(r.data.get("total")) for r in received)
    expense = sum(_amount(r.data.get("total")) for r in spent)
    b.figure("subsidy_income", "보조금 수입", income, "원")
    b.figure("subsidy_spent", "보조금 집행액", expense, "원")
    b.figure("balance", "잔액(반납 대상)", income - expense, "원")
    _account_figures(b, "income_by_account", "수입", _by_account(received))
    _account_figures(b, "spent_by_account", "집행", _by_account(spent))
    b.table("received", "보조금 수입 결의", RESOLUTION_COLUMNS, _resolution_rows(b, received))
    b.table("spent", "보조금 지출 결의", RESOLUTION_COLUMNS, _resolution_rows(b, spent))
    b.sources |= {r.id for r in received + spent}
    if expense > income:
        b.warning(f"보조금 집행액({expense:,}원)이 보조금 수입({income:,}원)보다 많습니다. "
                  "수입결의 누락이 없는지 확인하세요.")
    wrong = [str(r.data.get("project")) for r in received
             if any(not str(i.get("account", "")).startswith("income.subsidy.")
                    for i in r.data.get("items") or [] if isinstance(i, dict))]
    if wrong:
        b.warning("재원이 보조금인 수입결의에 보조금 외 세입과목이 있습니다: " + ", ".join(wrong))
    _draft_warning(b, _drafts_in(session, facility.id, "resolution", "resolved_on", period),
                   "결의서")


# --- 후원금 ----------------------------------------------------------------------------------

def _donations(b: Builder, session: Session, facility: Facility, period: Period,
               params: Mapping[str, Any]) -> None:
    received = [r for r in saved_records(session, facility.id, "donation")
                if _in(r.data.get("received_on"), period.start, period.end)]
    cash = [r for r in received if r.data.get("kind") == "cash"]
    goods = [r for r in received if r.data.get("kind") == "in_kind"]
    spent = [r for r in _resolutions(session, facility.id, period.start, period.end)
             if r.data.get("kind") == "expense" and r.data.get("funding") == "donation"]
    cash_total = sum(_amount(r.data.get("amount")) for r in cash)
    spent_total = sum(_amount(r.data.get("total")) for r in spent)
    b.figure("donors", "후원자 수", len({r.data.get("donor_name") for r in received}), "명")
    b.figure("cash_count", "후원금 접수", len(cash), "건")
    b.figure("cash_total", "후원금 수입", cash_total, "원")
    b.figure("designated_total", "지정후원금",
             sum(_amount(r.data.get("amount")) for r in cash if r.data.get("designated")), "원")
    b.figure("undesignated_total", "비지정후원금",
             sum(_amount(r.data.get("amount")) for r in cash if not r.data.get("designated")),
             "원")
    b.figure("in_kind_count", "후원품 접수", len(goods), "건")
    b.figure("spent_total", "후원금 사용", spent_total, "원")
    b.figure("balance", "후원금 잔액", cash_total - spent_total, "원")
    spent_by = _by_account(spent)
    _account_figures(b, "spent_by_account", "사용", spent_by)
    kinds = b.labels("donation", "kind")
    b.table("received", "후원금·후원품 접수 내역", [
        ("date", "접수일"), ("donor", "후원자"), ("kind", "구분"), ("amount", "금액"),
        ("goods", "품목"), ("use", "지정 용도"), ("receipt", "영수증번호")], [
        {"record_id": r.id, "date": r.data.get("received_on"), "donor": r.data.get("donor_name"),
         "kind": kinds.get(r.data.get("kind"), ""), "amount": _amount(r.data.get("amount")),
         "goods": r.data.get("goods") or "",
         "use": (r.data.get("designated_use") or "지정") if r.data.get("designated") else "",
         "receipt": r.data.get("receipt_number") or ""}
        for r in sorted(received, key=lambda r: (r.data.get("received_on"), r.id))])
    b.table("spent", "후원금 사용 내역", RESOLUTION_COLUMNS, _resolution_rows(b, spent))
    b.sources |= {r.id for r in received + spent}
    forbidden = sorted(set(spent_by) & DONATION_FORBIDDEN)
    if forbidden:
        accounts = b.labels("resolution", "account", items=True)
        b.error("후원금을 쓸 수 없는 예산과목에 사용했습니다: "
                + ", ".join(accounts.get(a, a) for a in forbidden))
    no_amount = [str(r.data.get("donor_name")) for r in cash if not r.data.get("amount")]
    if no_amount:
        b.error("금액이 없는 후원금 접수가 있습니다: " + ", ".join(no_amount))
    no_receipt = [str(r.data.get("donor_name")) for r in cash
                  if not r.data.get("receipt_number")]
    if no_receipt:
        b.warning("영수증번호가 없는 후원금 접수가 있습니다: " + ", ".join(no_receipt))
    if spent_total > cash_total:
        b.warning("후원금 사용액이 해당 연도 후원금 수입보다 많습니다(이월금 사용 여부 확인).")
    _draft_warning(b, _drafts_in(session, facility.id, "donation", "received_on", period),
                   "후원금 접수")


Generator = Callable[[Builder, Session, Facility, Period, Mapping[str, Any]], None]
GENERATORS: dict[str, Generator] = {
    "admissions": _admissions,
    "staff_changes": _staff_changes,
    "subsidy_request": _subsidy_request,
    "subsidy_settlement": _subsidy_settlement,
    "donations": _donations,
}


@dataclass(frozen=True)
class Generated:
    content: dict[str, Any]
    problems: list[dict[str, str]]

    @property
    def errors(self) -> list[str]:
        return [p["message"] for p in self.problems if p["level"] == "error"]


def generate(session: Session, registry: Registry, facility: Facility, kind: ReportKind,
             period: Period, today: dt.date, params: Mapping[str, Any]) -> Generated:
    """The content of a report of ``kind`` for ``period`` from the facility's records."""
    builder = Builder(registry)
    # a subsidy request is made before its quarter and rests on the quarter before it
    checked = period.previous() if kind.id == "subsidy_request" else period
    _period_checks(builder, session, facility, kind, checked, today,
                   must_end=kind.id != "staff_changes")
    GENERATORS[kind.id](builder, session, facility, period, params)
    content = {
        "kind": kind.id, "title": kind.title, "period": period.key,
        "period_title": period.title, "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(), "due_date": due_date(kind, period).isoformat(),
        "generated_on": today.isoformat(),
        "facility": {"code": facility.code, "name": facility.name,
                     "region_code": facility.region_code, "capacity": facility.capacity},
        "figures": builder.figures, "tables": builder.tables,
        "source_records": sorted(builder.sources),
    }
    if kind.id == "subsidy_request":
        content["basis"] = period.previous().title
    return Generated(content, builder.problems)


def figure_values(content: Mapping[str, Any]) -> dict[str, int]:
    """A report's figures as ``{key: value}`` (what tests compare with direct counts)."""
    return {item["key"]: item["value"] for item in content.get("figures", ())}


__all__ = ["Generated", "figure_values", "generate", "period_containing", "saved_records"]
