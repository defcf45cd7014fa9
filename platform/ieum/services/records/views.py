"""Views over many records: statistics per form, and all of one subject's records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.definitions import Registry
from ieum.forms.fields import Field
from ieum.i18n import content_text
from ieum.i18n import gettext as _
from ieum.services.records import (
    MAX_PER_PAGE,
    FormScope,
    ListQuery,
    Page,
    list_records,
    open_form,
    scoped_query,
)
from ieum.services.workspace import Workspace
from ieum.store.models import Record


@dataclass(frozen=True)
class SubjectRecords:
    scope: FormScope
    title: str
    page: Page


def subject_records(session: Session, registry: Registry, workspace: Workspace,
                    subject_id: int, today: dt.date, actor: Actor) -> list[SubjectRecords]:
    """Every record of one subject the user may see, per unit function and form, newest
    first (원스크린: the whole case on one screen)."""
    groups = []
    for group in workspace.menu:
        for item in group.items:
            unit = registry.unit_functions[item.unit_id]
            for form_id in unit.forms:
                scope = open_form(registry, workspace, unit.id, form_id, today, actor)
                page = list_records(session, scope, ListQuery(subject_id=subject_id,
                                                              per_page=MAX_PER_PAGE))
                if page.total:
                    groups.append(SubjectRecords(scope, f"{item.title} · {scope.form.title}",
                                                 page))
    return groups


@dataclass(frozen=True)
class Statistics:
    """Counts of saved records per year of their date, and per value of each stat field."""

    years: list[int]
    total: dict[int, int]
    by_field: list[tuple[Field, list[tuple[str, dict[int, int]]]]]

    @property
    def latest_year(self) -> int | None:
        return self.years[-1] if self.years else None

    def in_year(self, year: int) -> list[tuple[Field, list[tuple[str, int]]]]:
        """(field, [(label, count)]) of one year, for a chart per statistic field."""
        return [(item, [(label, counts.get(year, 0)) for label, counts in values])
                for item, values in self.by_field]


def statistics(session: Session, scope: FormScope) -> Statistics:
    """자립지원 통계현황 and the like: by year of the entry date, status and choice fields."""
    rows = session.execute(scoped_query(scope).with_only_columns(
        Record.entry_date, Record.created_at, Record.data).where(Record.status != "draft"))
    total: dict[int, int] = {}
    counts: dict[str, dict[str, dict[int, int]]] = {}
    fields = scope.tree.stat_fields
    for entry_date, created_at, data in rows:
        year = (entry_date or created_at).year
        total[year] = total.get(year, 0) + 1
        for item in fields:
            label = content_text(item.label_of(data.get(item.name))) \
                if data.get(item.name) is not None else _("(없음)")
            if item.kind == "boolean":
                label = _("예") if data.get(item.name) else _("아니오")
            bucket = counts.setdefault(item.name, {}).setdefault(label, {})
            bucket[year] = bucket.get(year, 0) + 1
    years = sorted(total)
    return Statistics(years, total, [(item, sorted(counts.get(item.name, {}).items()))
                                     for item in fields])


@dataclass(frozen=True)
class Ledger:
    """The sum of a rows field's amounts per key (e.g. per budget item), by month."""

    field: Field
    key: Field
    months: list[str]
    lines: list[tuple[str, dict[str, int | float], int | float]]

    @property
    def monthly_totals(self) -> list[tuple[str, int | float]]:
        """(month, the sum over every key) in month order, for a column chart."""
        return [(month, sum(by_month.get(month, 0) for _, by_month, _ in self.lines))
                for month in self.months]


def ledgers(session: Session, scope: FormScope) -> list[Ledger]:
    """A ledger for each rows field whose ``x-ui.ledger`` names its key and amount columns
    (예산과목별 원장); draft records are left out."""
    found = []
    for item in scope.tree.fields:
        spec = item.ui.get("ledger") if item.kind == "rows" else None
        if not spec:
            continue
        key = next((c for c in item.children if c.name == spec["key"]), None)
        if key is None:
            continue
        sums: dict[str, dict[str, int | float]] = {}
        months: set[str] = set()
        rows = session.execute(scoped_query(scope).with_only_columns(
            Record.entry_date, Record.created_at, Record.data).where(Record.status != "draft"))
        for entry_date, created_at, data in rows:
            month = (entry_date or created_at).strftime("%Y-%m")
            for row in data.get(item.name) or []:
                amount = row.get(spec["amount"]) if isinstance(row, dict) else None
                if not isinstance(amount, int | float) or isinstance(amount, bool):
                    continue
                label = content_text(key.label_of(row.get(spec["key"])))
                months.add(month)
                line = sums.setdefault(label, {})
                line[month] = line.get(month, 0) + amount
        found.append(Ledger(item, key, sorted(months),
                            [(label, by_month, sum(by_month.values()))
                             for label, by_month in sorted(sums.items())]))
    return found
