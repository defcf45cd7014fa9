"""The kinds of report to the 시·군·구 (시군구보고), their periods and their due rules.

The kinds are a Python registry in this one module rather than YAML files: each kind is
inseparable from the code that generates it from records (``reports_generate``), so a data
file would only name a function defined here anyway; what *is* data — titles, the period
length, the due rule, the unit functions a kind reads — sits in plain ``ReportKind`` values
below, one place to change.

Due rules (seed 000 §6 asks for a calendar; seed 001 names the kinds):
- 입퇴소보고: monthly, by the 10th of the following month (the brief's rule).
- 종사자입퇴사보고: monthly, by the last day of the same month (seed 001: staff who joined or
  left in September are reported by 9.30).
- 보조금 교부신청: quarterly, by the last day before the quarter (seed 001: the 4th quarter's
  subsidy is requested by 9.30); it rests on the quarter before (seed 000: 종사자 현황 and
  예산 집행 내역).
- 보조금 정산보고 and 후원금 수입·사용결과 보고: yearly (fiscal year January-December,
  domain/accounting.md), by 31 March of the following year — a default: the seeds give no
  date, and the settlement goes with the year's 결산.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from ieum.services import ServiceError


@dataclass(frozen=True)
class DueRule:
    """The due date: the month ``months`` after the month of the period's ``anchor`` date
    (its first or last day), on ``day`` (0 = that month's last day)."""

    anchor: str  # "start" or "end"
    months: int
    day: int

    def due(self, start: dt.date, end: dt.date) -> dt.date:
        base = start if self.anchor == "start" else end
        month_index = base.year * 12 + base.month - 1 + self.months
        year, month = divmod(month_index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, last if self.day == 0 else min(self.day, last))

    def describe(self) -> str:
        when = {(-1, "start"): "시작 전달", (0, "end"): "그달", (1, "end"): "다음 달",
                (3, "end"): "다음 해 3월"}.get((self.months, self.anchor),
                                              f"{self.months}개월 뒤")
        return f"{when} {'말일' if self.day == 0 else f'{self.day}일'}까지"


@dataclass(frozen=True)
class ReportKind:
    id: str
    title: str
    period: str  # "month", "quarter", "year"
    due_rule: DueRule
    units: tuple[str, ...]  # unit functions whose records the kind reads
    personal: bool  # the snapshot names people: every view is audited
    description: str


KINDS: dict[str, ReportKind] = {kind.id: kind for kind in (
    ReportKind("admissions", "입퇴소보고", "month", DueRule("end", 1, 10),
               ("admission_discharge",), True,
               "기간 중 입소·퇴소한 대상자와 월말 현원을 보고합니다."),
    ReportKind("staff_changes", "종사자입퇴사보고", "month", DueRule("end", 0, 0),
               ("hr_card",), True,
               "인사카드의 입사일·퇴사일로 기간 중 입사·퇴사한 종사자를 보고합니다."),
    ReportKind("subsidy_request", "보조금 교부신청", "quarter", DueRule("start", -1, 0),
               ("hr_card", "payroll", "resolution"), False,
               "직전 분기의 종사자 현황, 급여 지급총액과 보조금 집행 내역을 바탕으로 "
               "분기 보조금을 신청합니다."),
    ReportKind("subsidy_settlement", "보조금 정산보고", "year", DueRule("end", 3, 0),
               ("resolution",), False,
               "회계연도의 보조금 수입과 보조금을 재원으로 한 지출을 예산과목별로 정산합니다."),
    ReportKind("donations", "후원금 수입·사용결과 보고", "year", DueRule("end", 3, 0),
               ("donations", "resolution"), True,
               "회계연도의 후원금·후원품 접수와 후원금을 재원으로 한 지출을 보고합니다."),
)}

PERIOD_TITLES = {"month": "월", "quarter": "분기", "year": "연"}
STATUS_TITLES = {"draft": "작성 중", "submitted": "제출(검토 대기)", "accepted": "접수 완료",
                 "returned": "반려"}


def get_kind(kind_id: str) -> ReportKind:
    kind = KINDS.get(kind_id)
    if kind is None:
        raise ServiceError("보고 종류를 찾을 수 없습니다.", field="kind", status=404)
    return kind


@dataclass(frozen=True)
class Period:
    key: str  # "2026-10", "2026-Q4", "2026"
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        if "-Q" in self.key:
            year, quarter = self.key.split("-Q")
            return f"{year}년 {quarter}분기"
        if "-" in self.key:
            year, month = self.key.split("-")
            return f"{year}년 {int(month)}월"
        return f"{self.key}년"

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return period_containing(self.key_kind, self.start - dt.timedelta(days=1))

    @property
    def key_kind(self) -> str:
        return "quarter" if "-Q" in self.key else "month" if "-" in self.key else "year"


_PATTERNS = {"month": re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
             "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
             "year": re.compile(r"^(\d{4})$")}
_EXAMPLES = {"month": "2026-10", "quarter": "2026-Q4", "year": "2026"}


def parse_period(kind: ReportKind, key: str | None) -> Period:
    """The period named by ``key`` in the form the kind uses, or a 400 with a Korean
    message saying what form is expected."""
    text = (key or "").strip().upper()
    match = _PATTERNS[kind.period].match(text)
    if match is None or not 2000 <= int(match.group(1)) <= 2100:
        raise ServiceError(f"보고 기간을 '{_EXAMPLES[kind.period]}' 형식으로 입력하세요.",
                           field="period")
    year = int(match.group(1))
    if kind.period == "month":
        month = int(match.group(2))
        start = dt.date(year, month, 1)
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
    elif kind.period == "quarter":
        quarter = int(match.group(2))
        start = dt.date(year, quarter * 3 - 2, 1)
        end_month = quarter * 3
        end = dt.date(year, end_month, calendar.monthrange(year, end_month)[1])
    else:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return Period(text, start, end)


def period_containing(period: str, day: dt.date) -> Period:
    if period == "month":
        key = f"{day.year}-{day.month:02d}"
    elif period == "quarter":
        key = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    else:
        key = str(day.year)
    return parse_period(ReportKind("_", "_", period, DueRule("end", 0, 0), (), False, ""), key)


def due_date(kind: ReportKind, period: Period) -> dt.date:
    return kind.due_rule.due(period.start, period.end)


def kinds_for(unit_ids: frozenset[str] | set[str]) -> list[ReportKind]:
    """The kinds a facility can report: those whose source unit functions it uses."""
    return [kind for kind in KINDS.values() if set(kind.units) <= set(unit_ids)]
