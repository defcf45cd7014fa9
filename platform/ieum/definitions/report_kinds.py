"""Report kinds as data: the ``reports:`` section of a unit manifest, parsed and checked.

A unit that prepares reports for an outside recipient (시군구보고) names the processes the
reports engine runs (``review``: started by a submission; ``reminder``: started by the tick
before a due date) and its report kinds. A kind says its period, due rule and recipient, the
unit functions it reads, and what the report holds, written over saved records in the
expression language:

- ``figures``: counts and sums over a selection of records (``{count: {form, where}}``,
  ``{sum: {form, field, where}}``, over the rows of an array field with ``rows:``), values
  computed from ``measures`` and earlier figures (``value:``), and breakdowns by a choice field
  (``by:``), one figure per choice;
- ``tables``: the rows behind the figures, with columns from fields (their choices' titles with
  ``label: true``) or expressions;
- ``checks``: errors (which block submission) and warnings, when records match or a condition
  on the figures holds; ``drafts``: a warning about drafts left out.

What the data cannot say is a Python generator in a package (entry-point group
``ieum.report_generators``) that the kind names; it may add figures, tables and problems.

Everything a kind names is checked when content loads (:func:`report_kind_problems`): forms
of the units it reads, fields of those forms, choice fields for breakdowns and labels, every
expression with the names it may read, message placeholders, processes, the generator.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ieum.definitions import extensions
from ieum.definitions.frozen import EMPTY
from ieum.definitions.problems import Problem, pointer
from ieum.expressions import check_expression
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l

#: Names a record-level expression reads besides the record's fields.
RECORD_NAMES = ("record_id", "subject_name", "period_start", "period_end")
#: Names a row-level expression reads besides the row's fields.
ROW_NAMES = ("period_start", "period_end")
#: Placeholders every title and message may name.
PERIOD_PLACEHOLDERS = ("period_start", "period_end", "period")
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:,)?\}")


@dataclass(frozen=True)
class DueRule:
    """The due date of a period: ``months`` after the month of its first (``anchor``
    ``"start"``) or last (``"end"``) day, on ``day`` (0: that month's last day); or, with
    ``days``, that many days after that day."""

    anchor: str  # "start" or "end"
    months: int = 0
    day: int = 0
    days: int | None = None

    def due(self, start: dt.date, end: dt.date) -> dt.date:
        base = start if self.anchor == "start" else end
        if self.days is not None:
            return base + dt.timedelta(days=self.days)
        month_index = base.year * 12 + base.month - 1 + self.months
        year, month = divmod(month_index, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, last if self.day == 0 else min(self.day, last))

    def describe(self) -> str:
        """The rule for the screens, in the request's language (e.g. ``다음 달 10일까지``)."""
        start = self.anchor == "start"
        if self.days is not None:
            if self.days < 0:
                return (_("기간 시작 %(days)s일 전까지", days=-self.days) if start
                        else _("기간 끝 %(days)s일 전까지", days=-self.days))
            if self.days:
                return (_("기간 시작 %(days)s일 뒤까지", days=self.days) if start
                        else _("기간 끝 %(days)s일 뒤까지", days=self.days))
            return _("기간 시작 날까지") if start else _("기간 끝 날까지")
        when = {(-1, "start"): _l("시작 전달"), (0, "end"): _l("그달"), (1, "end"): _l("다음 달"),
                (3, "end"): _l("다음 해 3월")}.get((self.months, self.anchor))
        when_text = str(when) if when is not None else _("%(months)s개월 뒤", months=self.months)
        if self.day == 0:
            return _("%(when)s 말일까지", when=when_text)
        return _("%(when)s %(day)s일까지", when=when_text, day=self.day)


@dataclass(frozen=True)
class Selection:
    """Saved records of ``form`` where ``where`` holds; with ``rows``, the rows (objects) of
    that array field where ``row_where`` holds."""

    form: str
    where: str | None = None
    rows: str | None = None
    row_where: str | None = None


@dataclass(frozen=True)
class Measure:
    """A count (of the selection, or of the distinct values of ``field``) or a sum of
    ``field`` over a selection."""

    op: str  # "count" or "sum"
    selection: Selection
    field: str | None = None


@dataclass(frozen=True)
class Figure:
    """One figure: ``measure`` over records, or ``value`` from measures and earlier figures."""

    key: str
    title: str
    unit: str = ""
    measure: Measure | None = None
    value: str | None = None


@dataclass(frozen=True)
class FigureGroup:
    """Figures in report order; with ``by``, each is broken down by that choice field."""

    figures: tuple[Figure, ...]
    by: str | None = None
    show: str = "all"  # "all", "nonzero", "present"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    field: str | None = None
    label: bool = False
    value: str | None = None


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    selection: Selection
    sort: tuple[str, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Check:
    level: str  # "error" or "warning"
    message: str
    condition: str | None = None  # ``if:`` over the unit parameters
    when: str | None = None  # over figures and measures
    records: tuple[Selection, ...] = ()
    list: str | None = None


@dataclass(frozen=True)
class Drafts:
    title: str
    forms: Mapping[str, str]  # form id -> the date field placing a draft in the period


@dataclass(frozen=True, eq=False)
class ReportKind:
    """One kind of report, declared in the ``reports:`` section of the manifest of ``unit``."""

    id: str
    title: str
    unit: str
    period: str  # "month", "quarter", "year"
    due_rule: DueRule
    recipient: str
    reads: tuple[str, ...]
    description: str = ""
    personal: bool = False
    basis: str = "same"  # "same" or "previous"
    unfinished: str = "error"
    measures: Mapping[str, Measure] = field(default_factory=lambda: EMPTY)
    figures: tuple[FigureGroup, ...] = ()
    tables: tuple[Table, ...] = ()
    checks: tuple[Check, ...] = ()
    drafts: Drafts | None = None
    generator: str | None = None
    path: Path | None = field(default=None, compare=False)
    index: int = 0  # its place in the manifest's list (for problems)


@dataclass(frozen=True)
class Reporting:
    """The ``reports:`` section of a unit manifest."""

    review: str
    reminder: str | None
    kinds: tuple[ReportKind, ...]


# --- parsing (the data already passed the meta-schema) ------------------------------------

def _selection(data: Mapping[str, Any]) -> Selection:
    return Selection(data["form"], data.get("where"), data.get("rows"), data.get("row_where"))


def _measure(data: Mapping[str, Any]) -> Measure | None:
    if "count" in data:
        return Measure("count", _selection(data["count"]), data["count"].get("distinct"))
    if "sum" in data:
        return Measure("sum", _selection(data["sum"]), data["sum"]["field"])
    return None


def _figure(data: Mapping[str, Any]) -> Figure:
    return Figure(data["key"], data["title"], data.get("unit", ""), _measure(data),
                  data.get("value"))


def _group(data: Mapping[str, Any]) -> FigureGroup:
    if "by" in data:
        return FigureGroup(tuple(_figure(f) for f in data["figures"]), data["by"],
                           data.get("show", "all"))
    return FigureGroup((_figure(data),))


def _table(data: Mapping[str, Any]) -> Table:
    return Table(data["key"], data["title"], Selection(data["form"], data.get("where")),
                 tuple(data.get("sort", ())),
                 tuple(Column(c["key"], c["title"], c.get("field"), bool(c.get("label")),
                              c.get("value")) for c in data["columns"]))


def _check(data: Mapping[str, Any]) -> Check:
    return Check(data["level"], data["message"], data.get("if"), data.get("when"),
                 tuple(_selection(s) for s in data.get("records", ())), data.get("list"))


def _due(data: Mapping[str, Any]) -> DueRule:
    return DueRule(data["from"], data.get("months", 0), data.get("day", 0), data.get("days"))


def parse_reporting(data: Mapping[str, Any], unit_id: str, path: Path) -> Reporting:
    """The ``reports:`` section of the manifest of ``unit_id`` (valid against the
    meta-schema) as immutable definitions."""
    kinds = []
    for index, kind in enumerate(data["kinds"]):
        drafts = kind.get("drafts")
        kinds.append(ReportKind(
            id=kind["id"], title=kind["title"], unit=unit_id, period=kind["period"],
            due_rule=_due(kind["due"]), recipient=kind["recipient"],
            reads=tuple(kind["reads"]), description=kind.get("description", ""),
            personal=bool(kind.get("personal", False)), basis=kind.get("basis", "same"),
            unfinished=kind.get("unfinished", "error"),
            measures=MappingProxyType({name: _measure(spec) for name, spec in
                                       (kind.get("measures") or {}).items()}),
            figures=tuple(_group(item) for item in kind.get("figures", ())),
            tables=tuple(_table(item) for item in kind.get("tables", ())),
            checks=tuple(_check(item) for item in kind.get("checks", ())),
            drafts=Drafts(drafts["title"], MappingProxyType(dict(drafts["forms"])))
            if drafts else None,
            generator=kind.get("generator"), path=path, index=index))
    return Reporting(data["review"], data.get("reminder"), tuple(kinds))


# --- checking against the forms, units and installed generators ---------------------------

def row_properties(form: Any, rows: str) -> Mapping[str, Any] | None:
    """The properties of the rows of the array field ``rows`` of ``form`` (``None``: not an
    array of objects)."""
    spec = form.properties.get(rows)
    items = spec.get("items") if isinstance(spec, Mapping) else None
    properties = items.get("properties") if isinstance(items, Mapping) else None
    return properties if isinstance(properties, Mapping) else None


def choices(properties: Mapping[str, Any], name: str) -> dict[str, str]:
    """The Korean titles of the choices (``oneOf`` consts) of the field ``name``."""
    spec = properties.get(name)
    options = spec.get("oneOf", ()) if isinstance(spec, Mapping) else ()
    return {str(o["const"]): str(o.get("title", o["const"])) for o in options
            if isinstance(o, Mapping) and "const" in o}


class _Checker:
    """Collects the problems of one kind, each at its JSON pointer in the manifest."""

    def __init__(self, kind: ReportKind, units: Mapping[str, Any], forms: Mapping[str, Any],
                 generators: Collection[str], broken: Collection[str]) -> None:
        self.kind = kind
        self.units = units
        self.forms = forms
        self.generators = generators
        self.broken = broken  # ids of forms and units whose files have problems of their own
        self.problems: list[Problem] = []
        self.base = ("reports", "kinds", kind.index)
        self.own_forms = {form_id for unit_id in kind.reads if unit_id in units
                          for form_id in units[unit_id].forms}

    def add(self, message: str, *where: str | int) -> None:
        self.problems.append(Problem(self.kind.path, pointer(*self.base, *where), message))

    def expression(self, source: str | None, names: Iterable[str], *where: str | int) -> None:
        if source is not None:
            for message in check_expression(source, names=set(names)):
                self.add(f"expression {source!r}: {message}", *where)

    def placeholders(self, text: str, names: Iterable[str], *where: str | int) -> None:
        known = set(names)
        for match in PLACEHOLDER.finditer(text):
            if match.group(1) not in known:
                self.add(f"{{{match.group(1)}}} names nothing the report knows; known here: "
                         + ", ".join(sorted(known)), *where)

    def form(self, form_id: str, *where: str | int) -> Any:
        """The form, if it exists and belongs to a unit the kind reads (else a problem)."""
        form = self.forms.get(form_id)
        if form is None:
            if form_id not in self.broken:
                self.add(f"form {form_id!r} not found", *where)
            return None
        if form_id not in self.own_forms:
            self.add(f"form {form_id!r} is not a form of the units this kind reads "
                     f"({', '.join(self.kind.reads)}); add its unit to reads", *where)
            return None
        clash = sorted(set(form.properties) & set(RECORD_NAMES))
        if clash:
            self.add(f"form {form_id!r} has a field named {', '.join(clash)}, a name the "
                     "report expressions reserve", *where)
        return form

    def selection(self, selection: Selection, *where: str | int,
                  ) -> Mapping[str, Any] | None:
        """Check a selection; the properties its units (records or rows) have."""
        form = self.form(selection.form, *where, "form")
        if form is None:
            return None
        self.expression(selection.where, [*form.properties, *RECORD_NAMES], *where, "where")
        if selection.rows is None:
            if selection.row_where is not None:
                self.add("row_where needs rows", *where, "row_where")
            return form.properties
        rows = row_properties(form, selection.rows)
        if rows is None:
            self.add(f"field {selection.rows!r} of form {form.id!r} is not a list of rows",
                     *where, "rows")
            return None
        self.expression(selection.row_where, [*rows, *ROW_NAMES], *where, "row_where")
        return rows

    def measure(self, measure: Measure, *where: str | int) -> Mapping[str, Any] | None:
        properties = self.selection(measure.selection, *where, measure.op)
        name = "distinct" if measure.op == "count" else "field"
        if properties is not None and measure.field is not None \
                and measure.field not in properties:
            self.add(f"field {measure.field!r} is not in form {measure.selection.form!r}"
                     + (f" (rows {measure.selection.rows!r})" if measure.selection.rows else ""),
                     *where, measure.op, name)
        return properties

    def run(self) -> list[Problem]:
        kind = self.kind
        for i, unit_id in enumerate(kind.reads):
            if unit_id not in self.units and unit_id not in self.broken:
                self.add(f"unit function {unit_id!r} not found", "reads", i)
        if any(unit_id in self.broken for unit_id in kind.reads):
            return self.problems  # what it reads is reported where it is broken
        if kind.generator is not None and kind.generator not in self.generators:
            self.add(f"report generator {kind.generator!r} is provided by no installed package "
                     f"(entry-point group {extensions.REPORT_GENERATORS}); installed: "
                     f"{', '.join(sorted(self.generators)) or 'none'}", "generator")
        for name, measure in kind.measures.items():
            self.measure(measure, "measures", name)
        values = set(kind.measures)
        keys: set[str] = set()
        for i, group in enumerate(kind.figures):
            self.group(group, i, values, keys)
        for i, table in enumerate(kind.tables):
            self.table(table, i, keys)
        parameters = {name for unit_id in (*kind.reads, kind.unit) if unit_id in self.units
                      for name in self.units[unit_id].parameters}
        for i, check in enumerate(kind.checks):
            self.check(check, i, values, parameters)
        if kind.drafts is not None:
            for form_id, date_field in kind.drafts.forms.items():
                form = self.form(form_id, "drafts", "forms", form_id)
                if form is not None and date_field not in form.properties:
                    self.add(f"field {date_field!r} is not in form {form_id!r}",
                             "drafts", "forms", form_id)
        return self.problems

    def group(self, group: FigureGroup, i: int, values: set[str], keys: set[str]) -> None:
        where: tuple[str | int, ...] = ("figures", i)
        for j, figure in enumerate(group.figures):
            at = (*where, "figures", j) if group.by is not None else where
            if figure.key in keys:
                self.add(f"duplicate figure key {figure.key!r}", *at, "key")
            keys.add(figure.key)
            self.placeholders(figure.title, PERIOD_PLACEHOLDERS, *at, "title")
            if figure.value is not None:
                self.expression(figure.value, values, *at, "value")
            elif figure.measure is not None:
                properties = self.measure(figure.measure, *at)
                if group.by is not None and properties is not None:
                    if group.by not in properties:
                        self.add(f"field {group.by!r} is not in form "
                                 f"{figure.measure.selection.form!r}", *where, "by")
                    elif group.show != "present" and not choices(properties, group.by):
                        self.add(f"field {group.by!r} has no choices (oneOf) to show "
                                 f"'{group.show}'; use show: present", *where, "show")
            if group.by is None:
                values.add(figure.key)

    def table(self, table: Table, i: int, keys: set[str]) -> None:
        where = ("tables", i)
        form = self.form(table.selection.form, *where, "form")
        if form is None:
            return
        self.expression(table.selection.where, [*form.properties, *RECORD_NAMES], *where,
                        "where")
        for j, name in enumerate(table.sort):
            if name not in form.properties:
                self.add(f"field {name!r} is not in form {form.id!r}", *where, "sort", j)
        for j, column in enumerate(table.columns):
            if column.field is not None:
                if column.field not in form.properties:
                    self.add(f"field {column.field!r} is not in form {form.id!r}",
                             *where, "columns", j, "field")
                elif column.label and not choices(form.properties, column.field):
                    self.add(f"field {column.field!r} has no choices (oneOf) to label",
                             *where, "columns", j, "label")
            self.expression(column.value, [*form.properties, *RECORD_NAMES],
                            *where, "columns", j, "value")

    def check(self, check: Check, i: int, values: set[str], parameters: set[str]) -> None:
        where = ("checks", i)
        self.expression(check.condition, parameters, *where, "if")
        self.expression(check.when, values, *where, "when")
        fields: set[str] = set()
        for j, selection in enumerate(check.records):
            form = self.forms.get(selection.form)
            self.selection(selection, *where, "records", j)
            fields |= set(form.properties) if form is not None else set()
        if all(selection.form in self.forms for selection in check.records):
            self.expression(check.list, [*fields, *RECORD_NAMES], *where, "list")
        extra = ("list", "count") if check.records else ()
        self.placeholders(check.message, [*PERIOD_PLACEHOLDERS, *values, *extra],
                          *where, "message")


def report_kind_problems(units: Mapping[str, Any], forms: Mapping[str, Any],
                         broken: Collection[str] = ()) -> list[Problem]:
    """Everything the report kinds of ``units`` name that is missing or wrong (``broken``:
    ids of forms and units that exist but did not load; they are reported on their own)."""
    generators = frozenset(extensions.objects(extensions.REPORT_GENERATORS))
    problems: list[Problem] = []
    seen: dict[str, ReportKind] = {}
    for unit in units.values():
        reporting: Reporting | None = getattr(unit, "reports", None)
        if reporting is None:
            continue
        for name in ("review", "reminder"):
            process_id = getattr(reporting, name)
            if process_id is not None and process_id not in unit.processes:
                problems.append(Problem(unit.path, pointer("reports", name),
                                        f"process {process_id!r} is not one of this unit's "
                                        "processes; list it under processes"))
        for kind in reporting.kinds:
            first = seen.setdefault(kind.id, kind)
            if first is not kind:
                problems.append(Problem(kind.path, pointer("reports", "kinds", kind.index, "id"),
                                        f"duplicate report kind {kind.id!r}: also declared by "
                                        f"unit function {first.unit!r}"))
            problems += _Checker(kind, units, forms, generators, broken).run()
    return problems


def report_kinds(units: Mapping[str, Any]) -> Mapping[str, ReportKind]:
    """Every report kind of ``units`` by id, in unit and manifest order."""
    found: dict[str, ReportKind] = {}
    for unit in units.values():
        reporting: Reporting | None = getattr(unit, "reports", None)
        for kind in reporting.kinds if reporting is not None else ():
            found.setdefault(kind.id, kind)
    return MappingProxyType(found)
