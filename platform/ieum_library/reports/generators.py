"""What the shipped report kinds (``unit_functions/region_reports/unit.yaml``) need beyond
their data: each function is a report generator (entry-point group
``ieum.report_generators``, named by a kind's ``generator:``), called after the kind's
figures and tables, before its checks, with the report being built.
"""

from __future__ import annotations

from ieum.services.reports.content import ReportBuild, within

#: Budget items donations may not pay for (ministry guide 2020, domain/accounting.md).
DONATION_FORBIDDEN = frozenset({
    "expense.office.institution_operation", "expense.office.position_allowance",
    "expense.office.meeting", "expense.transfer.corporation", "expense.repayment.principal",
    "expense.repayment.interest", "expense.misc", "expense.reserve"})


def staff_changes(build: ReportBuild) -> None:
    """종사자입퇴사보고: the table of hires and departures (a card may be both), and the
    changes no 입·퇴사 보고서 was filed for."""
    period = build.basis
    cards = build.records("staff_card")
    reports = [r for r in build.records("staff_change_report")
               if within(r.data.get("changed_on"), period.start, period.end)]
    jobs = build.labels("staff_card", "job_type")
    employment = build.labels("staff_card", "employment_type")
    hired = [r for r in cards if within(r.data.get("hired_on"), period.start, period.end)]
    left = [r for r in cards if within(r.data.get("left_on"), period.start, period.end)]
    rows = [("hire", r, r.data.get("hired_on")) for r in hired] + \
           [("leave", r, r.data.get("left_on")) for r in left]
    build.table("changes", "입·퇴사 종사자", [
        ("change", "구분"), ("name", "성명"), ("job", "직종"), ("position", "직위"),
        ("employment", "고용형태"), ("date", "입·퇴사일")], [
        {"record_id": r.id, "change": "입사" if change == "hire" else "퇴사",
         "name": r.data.get("name"), "job": jobs.get(r.data.get("job_type"), ""),
         "position": r.data.get("position") or "",
         "employment": employment.get(r.data.get("employment_type"), ""), "date": day}
        for change, r, day in sorted(rows, key=lambda x: (x[2], x[1].id))])
    build.sources |= {r.id for r in hired + left}
    filed = {(r.data.get("change_type"), r.data.get("name"), r.data.get("changed_on"))
             for r in reports}
    unreported = [f"{r.data.get('name')}({'입사' if change == 'hire' else '퇴사'})"
                  for change, r, day in rows if (change, r.data.get("name"), day) not in filed]
    if unreported:
        build.warning("종사자 입·퇴사 보고서가 작성되지 않은 변동이 있습니다: "
                      + ", ".join(unreported))


def subsidy_request(build: ReportBuild) -> None:
    """보조금 교부신청: the months of the basis quarter without a 급여대장, and the registers
    not confirmed."""
    basis = build.basis
    months = [f"{basis.start.year}-{m:02d}"
              for m in range(basis.start.month, basis.end.month + 1)]
    payrolls = [r for r in build.records("payroll_register")
                if r.data.get("pay_month") in months]
    paid = {r.data.get("pay_month") for r in payrolls}
    missing = [m for m in months if m not in paid]
    if missing:
        build.warning("급여대장이 없는 달이 있습니다: " + ", ".join(missing))
    unconfirmed = sorted(str(r.data.get("pay_month")) for r in payrolls
                         if not r.data.get("confirmed"))
    if unconfirmed:
        build.warning("확정되지 않은 급여대장이 있습니다: " + ", ".join(unconfirmed))


def donations(build: ReportBuild) -> None:
    """후원금 수입·사용결과 보고: donations spent on a budget item they may not pay for."""
    spent = {key.split(":", 1)[1] for key in (f["key"] for f in build.figures)
             if key.startswith("spent_by_account:")}
    forbidden = sorted(spent & DONATION_FORBIDDEN)
    if forbidden:
        accounts = build.labels("resolution", "account", rows="items")
        build.error("후원금을 쓸 수 없는 예산과목에 사용했습니다: "
                    + ", ".join(accounts.get(a, a) for a in forbidden))
