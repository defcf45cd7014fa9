"""Generating a report's content from the facility's own records, and checking it.

A report kind (``ieum.definitions.report_kinds``) says in data what its report holds; this
module computes it. Every figure is a count or a sum over saved records (final or locked, not
deleted) of the facility, or a value computed from such counts; drafts (임시저장) are never
counted, only mentioned as a warning. The content is a snapshot: figures, tables of the rows
behind them, and the ids of the source records, stored in the report so that what was
submitted stays as it was.

A kind may name a Python generator (entry-point group ``ieum.report_generators``), called
with the :class:`ReportBuild` after the figures and tables of the data, before its checks.

A problem is ``{"level": "error" | "warning", "message": ...}``: errors (a field the report
needs is missing, the period has not ended) block the submission; warnings (not yet closed,
drafts left out) do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.definitions import Registry, extensions
from ieum.definitions.report_kinds import (
    PLACEHOLDER,
    Check,
    Figure,
    FigureGroup,
    Measure,
    ReportKind,
    Selection,
    Table,
    choices,
    row_properties,
)
from ieum.expressions import EvalError, compile_expression
from ieum.korean import josa
from ieum.services.reports.periods import Period, basis_of, due_date
from ieum.store.models import Closing, Facility, Record, Subject

SAVED = ("final", "locked")


@dataclass(frozen=True)
class Source:
    """A saved record as a report reads it."""

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


def within(value: Any, start: dt.date, end: dt.date) -> bool:
    """An ISO date (or date-time) string between ``start`` and ``end``, both included."""
    return isinstance(value, str) and start.isoformat() <= value[:10] <= end.isoformat()


def on_or_before(value: Any, day: dt.date) -> bool:
    return isinstance(value, str) and value[:10] <= day.isoformat()


def amount(value: Any) -> int | float:
    """A number to add up (a missing or non-numeric value adds nothing)."""
    return value if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _truthy(value: Any) -> bool:
    return not isinstance(value, EvalError) and bool(value)


def _fill(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with each ``{name}`` (``{name:,}``: thousands separators) replaced."""
    def replace(match: Any) -> str:
        name, comma = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        value = values[name]
        return f"{value:,}" if comma and isinstance(value, int | float) else str(value)

    return PLACEHOLDER.sub(replace, text)


@dataclass
class ReportBuild:
    """One report being generated: what a generator reads and what it adds.

    ``period`` is the period reported; ``basis`` the one the figures read (the same, or the
    one before it for a kind with ``basis: previous``). ``params`` are the parameters of the
    units the kind reads and of its reporting unit, as the facility's profile sets them.
    """

    session: Session
    registry: Registry
    facility: Facility
    kind: ReportKind
    period: Period
    basis: Period
    params: Mapping[str, Any]
    today: dt.date
    figures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    sources: set[int] = field(default_factory=set)
    values: dict[str, Any] = field(default_factory=dict)
    _records: dict[str, list[Source]] = field(default_factory=dict, repr=False)
    _names: dict[int, str] | None = field(default=None, repr=False)

    # --- what generators use ---------------------------------------------------------------

    def records(self, form_id: str) -> list[Source]:
        """The facility's saved records of ``form_id``, by id (read once per report)."""
        if form_id not in self._records:
            self._records[form_id] = saved_records(self.session, self.facility.id, form_id)
        return self._records[form_id]

    def subject_names(self) -> dict[int, str]:
        if self._names is None:
            self._names = dict(self.session.execute(select(Subject.id, Subject.name).where(
                Subject.facility_id == self.facility.id)).all())
        return self._names

    def figure(self, key: str, title: str, value: int | float, unit: str = "") -> None:
        self.figures.append({"key": key, "title": title, "value": value, "unit": unit})

    def table(self, key: str, title: str, columns: list[tuple[str, str]],
              rows: list[dict[str, Any]]) -> None:
        self.tables.append({"key": key, "title": title,
                            "columns": [list(c) for c in columns], "rows": rows})

    def error(self, message: str) -> None:
        self.problems.append({"level": "error", "message": message})

    def warning(self, message: str) -> None:
        self.problems.append({"level": "warning", "message": message})

    def labels(self, form_id: str, name: str, *, rows: str | None = None) -> dict[str, str]:
        """The Korean titles of a choice field's values (``rows``: a field of that list's
        rows)."""
        form = self.registry.forms[form_id]
        properties = row_properties(form, rows) if rows else form.properties
        return choices(properties or {}, name)

    # --- the data of the kind --------------------------------------------------------------

    def env(self, source: Source) -> dict[str, Any]:
        return {**source.data, "record_id": source.id,
                "subject_name": self.subject_names().get(source.subject_id)
                if source.subject_id is not None else None,
                "period_start": self.basis.start.isoformat(),
                "period_end": self.basis.end.isoformat()}

    def holds(self, source: str | None, env: Mapping[str, Any]) -> bool:
        return source is None or _truthy(compile_expression(source).evaluate(
            env, today=self.today))

    def matching(self, selection: Selection) -> list[Source]:
        """The records of ``selection`` (with ``rows``: those with a matching row)."""
        found = []
        for source in self.records(selection.form):
            if not self.holds(selection.where, self.env(source)):
                continue
            if selection.rows is not None and not any(True for _ in self.rows(selection,
                                                                             source)):
                continue
            found.append(source)
        return found

    def rows(self, selection: Selection, source: Source) -> Iterator[Mapping[str, Any]]:
        period = {"period_start": self.basis.start.isoformat(),
                  "period_end": self.basis.end.isoformat()}
        for row in source.data.get(selection.rows) or ():
            if isinstance(row, Mapping) and self.holds(selection.row_where, {**row, **period}):
                yield row

    def units(self, selection: Selection) -> list[tuple[Source, Mapping[str, Any]]]:
        """What a measure counts: each matching record (its data), or each matching row."""
        found = []
        for source in self.matching(selection):
            if selection.rows is None:
                found.append((source, source.data))
            else:
                found += [(source, row) for row in self.rows(selection, source)]
        return found

    def title(self, text: str) -> str:
        return _fill(text, {"period_start": self.basis.start.isoformat(),
                            "period_end": self.basis.end.isoformat(),
                            "period": self.basis.title})


def _measure(units: Iterable[tuple[Source, Mapping[str, Any]]], measure: Measure) -> Any:
    items = [data for _source, data in units]
    if measure.op == "count":
        if measure.field is None:
            return len(items)
        return len({str(data.get(measure.field)) for data in items
                    if data.get(measure.field) is not None})
    return sum(amount(data.get(measure.field)) for data in items)


def _grouped(units: list[tuple[Source, Mapping[str, Any]]], measure: Measure,
             by: str) -> dict[str, Any]:
    groups: dict[str, list[tuple[Source, Mapping[str, Any]]]] = {}
    for unit in units:
        value = unit[1].get(by)
        if value is not None and value != "":
            groups.setdefault(str(value), []).append(unit)
    return {value: _measure(members, measure) for value, members in groups.items()}


def _figures(build: ReportBuild, group: FigureGroup) -> None:
    if group.by is None:
        for figure in group.figures:
            value = _value(build, figure)
            build.figure(figure.key, build.title(figure.title), value, figure.unit)
            build.values[figure.key] = value
        return
    results = []
    for figure in group.figures:
        assert figure.measure is not None  # a breakdown holds measures (meta-schema)
        units = build.units(figure.measure.selection)
        build.sources |= {source.id for source, _data in units}
        results.append(_grouped(units, figure.measure, group.by))
    first = group.figures[0].measure
    labels = build.labels(first.selection.form, group.by, rows=first.selection.rows)
    if group.show == "present":
        values = sorted(set().union(*results))
    elif group.show == "nonzero":
        values = [value for value in labels if any(result.get(value) for result in results)]
    else:
        values = list(labels)
    for value in values:
        for figure, result in zip(group.figures, results, strict=True):
            build.figure(f"{figure.key}:{value}",
                         f"{build.title(figure.title)} · {labels.get(value, value)}",
                         result.get(value, 0), figure.unit)


def _value(build: ReportBuild, figure: Figure) -> Any:
    if figure.measure is not None:
        units = build.units(figure.measure.selection)
        build.sources |= {source.id for source, _data in units}
        return _measure(units, figure.measure)
    result = compile_expression(figure.value or "0").evaluate(build.values, today=build.today)
    if isinstance(result, EvalError) or not isinstance(result, int | float) \
            or isinstance(result, bool):
        quoted = f"‘{build.title(figure.title)}’"
        build.error(f"수치 {josa(quoted, '을')} 계산할 수 없습니다: {result}")
        return 0
    return result


def _table(build: ReportBuild, table: Table) -> None:
    labels = {column.field: build.labels(table.selection.form, column.field)
              for column in table.columns if column.label and column.field}

    def order(source: Source) -> tuple[Any, ...]:
        keys = [source.data.get(name) for name in table.sort]
        return (*((value is None, "" if value is None else value) for value in keys),
                source.id)

    rows = []
    for source in sorted(build.matching(table.selection), key=order):
        row: dict[str, Any] = {"record_id": source.id}
        env = build.env(source) if any(c.value for c in table.columns) else None
        for column in table.columns:
            if column.field is not None:
                value = source.data.get(column.field)
                if column.label:  # a value no longer among the choices shows as it is
                    value = "" if value is None else labels[column.field].get(str(value), value)
            else:
                value = compile_expression(column.value or "None").evaluate(env or {},
                                                                            today=build.today)
                value = None if isinstance(value, EvalError) else value
            row[column.key] = value
        rows.append(row)
    build.sources |= {row["record_id"] for row in rows}
    build.table(table.key, build.title(table.title),
                [(column.key, column.title) for column in table.columns], rows)


def _check(build: ReportBuild, check: Check) -> None:
    if check.condition is not None and not _truthy(
            compile_expression(check.condition).evaluate(build.params, today=build.today)):
        return
    extra: dict[str, Any] = {}
    if check.when is not None:
        if not _truthy(compile_expression(check.when).evaluate(build.values,
                                                               today=build.today)):
            return
    else:
        matched = [source for selection in check.records for source in build.matching(selection)]
        if not matched:
            return
        extra["count"] = len(matched)
        if check.list is not None:
            listed = [compile_expression(check.list).evaluate(build.env(source),
                                                              today=build.today)
                      for source in matched]
            extra["list"] = ", ".join("" if isinstance(item, EvalError) else str(item)
                                      for item in listed)
    message = _fill(check.message, {"period_start": build.basis.start.isoformat(),
                                    "period_end": build.basis.end.isoformat(),
                                    "period": build.basis.title, **build.values, **extra})
    build.error(message) if check.level == "error" else build.warning(message)


def _drafts_in(session: Session, facility_id: int, form_id: str, date_field: str,
               period: Period) -> int:
    rows = session.scalars(select(Record.data).where(
        Record.facility_id == facility_id, Record.form_id == form_id,
        Record.status == "draft", Record.deleted_at.is_(None)))
    return sum(1 for data in rows if within(data.get(date_field), period.start, period.end)
               or not data.get(date_field))


def _period_checks(build: ReportBuild) -> None:
    period = build.basis
    if build.today <= period.end:
        message = (f"보고 기간({period.start:%Y-%m-%d}~{period.end:%Y-%m-%d})이 아직 끝나지 "
                   "않았습니다. 이후에 입력되는 기록은 보고에 들어가지 않습니다.")
        build.error(message) if build.kind.unfinished == "error" else build.warning(message)
    closings = dict(build.session.execute(
        select(Closing.unit_function, Closing.closed_through)
        .where(Closing.facility_id == build.facility.id)).all())
    for unit_id in build.kind.reads:
        closed = closings.get(unit_id)
        if closed is None or closed < period.end:
            title = build.registry.unit_functions[unit_id].title
            state = f"{closed:%Y-%m-%d}까지만 마감했습니다" if closed \
                else "아직 마감하지 않았습니다"
            build.warning(f"{josa(f'‘{title}’', '은')} {state}. "
                          f"보고 기간 끝({period.end:%Y-%m-%d})까지 "
                          "마감한 뒤 제출하면 보고한 수치가 바뀌지 않습니다.")


Generator = Callable[[ReportBuild], None]


def generator(name: str) -> Generator:
    found = extensions.objects(extensions.REPORT_GENERATORS).get(name)
    if found is None:  # ``ieum check`` refuses a kind naming a generator nobody provides
        raise LookupError(f"report generator {name!r} is not installed")
    return found


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
    basis = basis_of(kind, period)
    build = ReportBuild(session, registry, facility, kind, period, basis, params, today)
    _period_checks(build)
    for name, measure in kind.measures.items():
        build.values[name] = _measure(build.units(measure.selection), measure)
    for group in kind.figures:
        _figures(build, group)
    for table in kind.tables:
        _table(build, table)
    if kind.generator is not None:
        generator(kind.generator)(build)
    for check in kind.checks:
        _check(build, check)
    if kind.drafts is not None:
        count = sum(_drafts_in(session, facility.id, form_id, date_field, basis)
                    for form_id, date_field in kind.drafts.forms.items())
        if count:
            build.warning(f"임시저장 상태인 {kind.drafts.title} {count}건은 보고에 들어가지 "
                          "않았습니다.")
    content = {
        "kind": kind.id, "title": kind.title, "period": period.key,
        "period_title": period.title, "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(), "due_date": due_date(kind, period).isoformat(),
        "generated_on": today.isoformat(),
        "facility": {"code": facility.code, "name": facility.name,
                     "region_code": facility.region_code, "capacity": facility.capacity},
        "figures": build.figures, "tables": build.tables,
        "source_records": sorted(build.sources),
    }
    if basis is not period:
        content["basis"] = basis.title
    return Generated(content, build.problems)


def figure_values(content: Mapping[str, Any]) -> dict[str, Any]:
    """A report's figures as ``{key: value}`` (what tests compare with direct counts)."""
    return {item["key"]: item["value"] for item in content.get("figures", ())}
