"""Records: create, read, update, delete, temp-save and list the saved forms of a unit function.

Every operation is scoped: the facility of the workspace, a unit function on its menu, a form
of that unit, the user's grant and record scope. A record outside any of these is "not found".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.util import ClauseAdapter

from ieum.access import privacy
from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.definitions.model import FormDef
from ieum.forms.engine import Outcome, process
from ieum.forms.fields import Field, FieldTree, field_tree, file_ids, subject_refs
from ieum.forms.validation import Errors
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.i18n import lazy_pgettext
from ieum.services import ServiceError, is_id
from ieum.services.conflicts import refuse_conflicts
from ieum.services.records import attachments as files
from ieum.services.records import feeds, sensitive
from ieum.services.records.form_versions import form_version, remember
from ieum.services.records.scope import FormScope
from ieum.services.transactions import transaction
from ieum.services.workspace import Workspace
from ieum.store.indexes import sorted_in_index
from ieum.store.json_fields import json_field
from ieum.store.models import Closing, Record, Subject, utcnow
from ieum.store.rows import autoflush, insert_now, persistent
from ieum.store.search import search_condition

PER_PAGE = 20
MAX_PER_PAGE = 100
STATUS_TITLES = {
    "draft": lazy_pgettext("record status", "임시저장"),
    "final": lazy_pgettext("record status", "저장"),
    "locked": lazy_pgettext("record status", "확정"),
}
CONFLICT = _l("다른 사용자가 먼저 이 기록을 수정했습니다. 화면을 새로 고쳐 최신 내용을 확인한 뒤 "
              "다시 저장하세요.")


class FormInvalid(ServiceError):
    """The submitted values do not pass the form; ``errors`` maps field paths to messages."""

    def __init__(self, errors: Errors, data: Mapping[str, Any]) -> None:
        super().__init__(_("입력값을 확인하세요."), status=400)
        self.errors = errors
        self.data = dict(data)


def open_form(registry: Registry, workspace: Workspace, unit_id: str, form_id: str,
              today: dt.date, actor: Actor) -> FormScope:
    """The form scope, or 404 (unit not on this facility's menu, form not in the unit) /
    403 (no ``view`` grant)."""
    if workspace.facility is None:
        raise ServiceError(_("기관을 찾을 수 없습니다."), status=404)
    profile = registry.profiles.get(workspace.facility.profile_code)
    if profile is None or unit_id not in profile.unit_ids:
        raise ServiceError(_("메뉴를 찾을 수 없습니다."), status=404)
    unit = registry.unit_functions[unit_id]
    if form_id not in unit.forms:
        raise ServiceError(_("양식을 찾을 수 없습니다."), status=404)
    scope = FormScope(workspace, unit, registry.forms[form_id], profile.parameters_for(unit_id),
                      today, actor)
    scope.require("view")
    return scope


# --- reading -------------------------------------------------------------------------------

def scoped_query(scope: FormScope) -> Select:
    query = select(Record).where(
        Record.facility_id == scope.facility.id,
        Record.unit_function == scope.unit.id,
        Record.form_id == scope.form.id,
        Record.deleted_at.is_(None),
    )
    user_id = scope.user.id
    public = sensitive.public_record_condition(scope.form)  # 공개: everyone with the grant
    if scope.scope == "own":
        mine = Record.author_id == user_id
        query = query.where(mine if public is None else or_(mine, public))
    elif scope.scope == "assigned":
        mine = or_(Record.author_id == user_id, Record.assignee_id == user_id)
        query = query.where(mine if public is None else or_(mine, public))
    if not scope.can("view_private"):
        private = sensitive.private_record_filter(scope.form, user_id)
        if private is not None:
            query = query.where(private)
    return query


def sees_private(scope: FormScope, record: Record) -> bool:
    return sensitive.may_see_private(scope.user.id, record, scope.can("view_private"))


def shown_data(scope: FormScope, form: FormDef,
               record: Record) -> tuple[dict[str, Any], frozenset[str]]:
    """The record's data as this person may see it, and the private fields left out."""
    return sensitive.shown(form, record.data, sees_private=sees_private(scope, record))


def audit_view(session: Session, scope: FormScope, record: Record, form: FormDef) -> None:
    """Opening a record that holds personal data is logged (who, whose, which record)."""
    if sensitive.holds_personal_data(form):
        record_event(session, "record.view", scope.actor, facility_id=scope.facility.id,
                     target_type="record", target_id=record.id, subject_id=record.subject_id,
                     detail={"unit": scope.unit.id, "form": record.form_id})
        session.commit()


def reveal_rrn(session: Session, registry: Registry, scope: FormScope, record_id: int,
               field: str, reason: str | None) -> str:
    """The full resident number of one field; needs ``reveal_rrn``, audited with a reason."""
    scope.require("reveal_rrn")
    record = get_record(session, scope, record_id)
    form = form_of(session, registry, record)
    value = record.data.get(field)
    if field not in sensitive.rrn_fields(form) or not privacy.is_sealed(value):
        raise ServiceError(_("주민등록번호가 저장되어 있지 않습니다."), status=404)
    text = stated_reason(reason)
    record_event(session, "rrn.reveal", scope.actor, facility_id=scope.facility.id,
                 target_type="record", target_id=record.id, subject_id=record.subject_id,
                 detail={"field": field, "reason": text})
    session.commit()
    return privacy.reveal(value)


def get_record(session: Session, scope: FormScope, record_id: int) -> Record:
    record = session.scalar(scoped_query(scope).where(Record.id == record_id))
    if record is None:
        raise ServiceError(_("기록을 찾을 수 없습니다."), status=404)
    return record


def form_of(session: Session, registry: Registry, record: Record) -> FormDef:
    """The form version ``record`` was saved with."""
    return form_version(session, registry, record.form_id, record.form_version)


@dataclass(frozen=True)
class ListQuery:
    """What a list screen asks for; built from request arguments by ``parse_list_query``."""

    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: str = "updated_at"
    descending: bool = True
    page: int = 1
    per_page: int = PER_PAGE
    status: str | None = None
    subject_id: int | None = None


#: The list screen counts matching records only this far for its pager ("1,000건 이상"): an
#: exact count reads every matching row (tens of milliseconds for 100,000 of them), a capped
#: one stops after the cap. The API still counts exactly.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    items: list[Any]  # Record objects, or rows of LIST_COLUMNS (``list_records(rows=True)``)
    total: int
    page: int
    per_page: int
    #: The count stopped at a cap: at least ``total`` records match, and a next page exists.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) + (1 if self.more else 0)


_META_SORTS = {"updated_at": Record.updated_at, "created_at": Record.created_at,
               "id": Record.id, "status": Record.status}


def _int_arg(value: Any, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return min(max(number, low), high)


def parse_list_query(tree: FieldTree, args: Mapping[str, Any]) -> ListQuery:
    """Read filters (only the form's filter fields), sort and paging from request arguments;
    anything unknown or malformed falls back to the default instead of failing."""
    filters: dict[str, Any] = {}
    for item in tree.filters:
        if item.kind in ("date", "datetime"):
            for suffix in ("from", "to"):
                value = str(args.get(f"{item.name}__{suffix}") or "").strip()
                if value:
                    try:
                        filters[f"{item.name}__{suffix}"] = dt.date.fromisoformat(value[:10])
                    except ValueError:
                        continue
            continue
        value = str(args.get(item.name) or "").strip()
        if value:
            filters[item.name] = value[:200]
    sortable = {f.name for f in tree.list_columns} | set(_META_SORTS)
    sort = str(args.get("sort") or "updated_at")
    if sort not in sortable:
        sort = "updated_at"
    status = args.get("record_status")
    subject = args.get("subject")
    return ListQuery(
        filters=filters, sort=sort, descending=str(args.get("dir", "desc")) != "asc",
        page=_int_arg(args.get("page"), 1, 1, 1_000_000),
        per_page=_int_arg(args.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE),
        status=status if status in STATUS_TITLES else None,
        subject_id=_int_arg(subject, 0, 0, 2**31 - 1) or None if subject else None,
    )


def json_column(item: Field, data=Record.data):  # noqa: ANN001, ANN202 - a SQL expression
    """The field as the list filters and sorts it (also the expression of its index, see
    ``ieum.store.indexes``, built on another copy of the ``data`` column)."""
    return json_field(item.name, item.kind, data)


@dataclass(frozen=True)
class _Filters:
    """A list query's conditions: ``statement`` (the scope and the exact filters), the text
    searches (``ILIKE``: they decide) and the conditions an index serves beside them."""

    statement: Select
    searched: tuple[Any, ...] = ()
    served: tuple[Any, ...] = ()

    def all(self) -> Select:
        return self.statement.where(*self.searched, *self.served)


def _filters(scope: FormScope, query: ListQuery, session: Session | None = None) -> _Filters:
    statement = scoped_query(scope)
    searched, served = [], []
    fields = {f.name: f for f in scope.tree.fields}
    for key, value in query.filters.items():
        name, _, bound = key.partition("__")
        item = fields.get(name)
        if item is None:
            continue
        column = Record.data[name].as_string()
        if bound == "from":
            statement = statement.where(column >= value.isoformat())
        elif bound == "to":
            statement = statement.where(column < (value + dt.timedelta(days=1)).isoformat())
        elif item.kind in ("select", "radio"):
            statement = statement.where(column == str(value))
        elif item.kind == "boolean":
            wanted = value in ("1", "true", "예")
            statement = statement.where(Record.data[name].as_boolean().is_(wanted))
        elif item.kind in ("integer", "number"):
            try:
                statement = statement.where(json_column(item) == float(value))
            except ValueError:
                continue
        else:
            escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            searched.append(column.ilike(f"%{escaped}%", escape="\\"))
            if session is not None:
                condition = search_condition(session, scope.form.id, name, column, value,
                                             record=Record, facility_id=scope.facility.id)
                if condition is not None:
                    served.append(condition)
    if query.status:
        statement = statement.where(Record.status == query.status)
    if query.subject_id:
        statement = statement.where(Record.subject_id == query.subject_id)
    return _Filters(statement, tuple(searched), tuple(served))


def _filtered(scope: FormScope, query: ListQuery, session: Session | None = None) -> Select:
    """The scoped statement with the query's filters. With ``session`` a text search also
    names the characters and pairs it needs (``ieum.store.search``: PostgreSQL's gram
    index, SQLite's gram table); the ``ILIKE`` decides, so the rows are the plain scan's."""
    return _filters(scope, query, session).all()


def _count_statement(statement: Select, limit: int | None) -> Select:
    """``SELECT count(*)`` of ``statement``'s rows, or of at most ``limit + 1`` of them."""
    rows = statement.with_only_columns(Record.id)
    if limit is not None:
        rows = rows.limit(limit + 1)
    return select(func.count()).select_from(rows.subquery())


def _capped(counted: int, limit: int | None) -> tuple[int, bool]:
    if limit is not None and counted > limit:
        return limit, True
    return counted, False


def _count(session: Session, statement: Select, limit: int | None) -> tuple[int, bool]:
    """(rows, more): every row of ``statement``, or at most ``limit`` and whether more match."""
    return _capped(session.scalar(_count_statement(statement, limit)) or 0, limit)


#: What a list screen shows of each record (``list_records(rows=True)``): read as plain rows,
#: without building ORM objects for a page that only displays them.
LIST_COLUMNS = (Record.id, Record.subject_id, Record.data, Record.status, Record.updated_at)


def _order(scope: FormScope, query: ListQuery) -> tuple[Any, Any]:
    """The list's order: the sorted column, then ``id`` the same way. A field of ``data``
    sorts its missing values last (``NULLS LAST``, as its indexes hold it); the meta columns
    are never NULL, so theirs is the plain order, which one index serves both ways (read
    backwards for the descending one: ``ieum.store.indexes``)."""
    return _ordered_by(query, _sort_key(scope, query), Record.id)


def _sort_key(scope: FormScope, query: ListQuery) -> Any:
    if query.sort in _META_SORTS:
        return _META_SORTS[query.sort]
    return json_column(scope.tree.top(query.sort))


def _ordered_by(query: ListQuery, key: Any, tiebreak: Any) -> tuple[Any, Any]:
    order = key.desc() if query.descending else key.asc()
    if query.sort not in _META_SORTS:
        order = order.nulls_last()
    return order, tiebreak.desc() if query.descending else tiebreak.asc()


#: A text search matching more records than the list counts is read by walking the sort's
#: index in order and keeping the matches (``_walked``), at most this many rows per row up
#: to the asked page: a word in 1 record of 50 or more fills its page in that walk.
WALK_FACTOR = 50
#: The meta sorts an index serves in the list's order (``ieum.store.indexes``).
_INDEXED_META_SORTS = frozenset({"updated_at", "created_at", "status"})


def _walkable(session: Session, scope: FormScope, query: ListQuery) -> bool:
    """Whether PostgreSQL reads the list's order from an index (``ieum.store.indexes``)."""
    if session.get_bind().dialect.name != "postgresql":
        return False
    if query.sort in _META_SORTS:
        return query.sort in _INDEXED_META_SORTS
    return sorted_in_index(scope.tree.top(query.sort).kind)


def _walked(session: Session, filters: _Filters, key: Any, order: tuple[Any, Any],
            query: ListQuery) -> list[Any] | None:
    """The asked page of a text search read along the sort's index: the first
    ``WALK_FACTOR`` × (rows up to the page) records in the list's order (scope and exact
    filters), of which the ``ILIKE`` keeps the matches; ``None`` when they do not fill the
    page. When they do, the page is exactly the full query's (the walk is a prefix of the
    list's total order, so its first matches are the list's first matches).

    The planner cannot choose this itself: it multiplies the selectivities of the ``ILIKE``
    and of the gram condition (``ieum.store.search``), which say the same thing, so for a
    common word it expects few matches and sorts all of them (tens of milliseconds) instead
    of reading a few hundred records in order."""
    first = (query.page - 1) * query.per_page
    walk = (filters.statement.with_only_columns(*Record.__table__.c, key.label("ieum_sort"))
            .order_by(*order).limit(WALK_FACTOR * (first + query.per_page)).subquery("walk"))
    adapt = ClauseAdapter(walk).traverse
    # Ordered by the walk's own output columns, so the planner knows it comes sorted and
    # stops reading once the page is full (no sort of the whole walk).
    found = session.execute(
        select(*(walk.c[column.key] for column in LIST_COLUMNS))
        .where(*(adapt(condition) for condition in filters.searched))
        .order_by(*_ordered_by(query, walk.c.ieum_sort, walk.c.id))
        .offset(first).limit(query.per_page)).all()
    return found if len(found) == query.per_page else None


def list_records(session: Session, scope: FormScope, query: ListQuery,
                 *, count_cap: int | None = None, rows: bool = False) -> Page:
    """One page of the list. With ``count_cap`` the total is counted only up to the cap, or
    up to the asked page when that lies further (whole pages, so that ``more`` means a next
    page exists); without it, exactly. With ``rows`` the items are rows of
    ``LIST_COLUMNS`` (what the HTML list shows) instead of ``Record`` objects.

    The page and its count are one statement (the count a scalar subquery beside the
    rows): one round trip. Only a page that comes back empty needs the count alone, to
    tell "nothing matches" from "past the last page" (then the last page is read). A text
    search of the HTML list on PostgreSQL is counted first: when more records match than
    it counts, the page is read along the sort's index (``_walked``)."""
    filters = _filters(scope, query, session)
    statement = filters.all()
    limit = None if count_cap is None else \
        max(math.ceil(count_cap / query.per_page), query.page) * query.per_page
    key = _sort_key(scope, query)
    order = _ordered_by(query, key, Record.id)
    ordered = statement.order_by(*order)
    columns = LIST_COLUMNS if rows else (Record,)

    def read(page: int, *extra: Any) -> list[Any]:
        return session.execute(ordered.with_only_columns(*columns, *extra)
                               .offset((page - 1) * query.per_page)
                               .limit(query.per_page)).all()

    if rows and filters.served and limit is not None and _walkable(session, scope, query):
        total, more = _count(session, statement, limit)
        page = query.page if more else \
            min(query.page, max(1, math.ceil(total / query.per_page)))
        found = (_walked(session, filters, key, order, query) if more else None) or read(page)
        return Page(list(found), total, page, query.per_page, more)
    counted = _count_statement(statement, limit).scalar_subquery().label("ieum_total")
    found = read(query.page, counted)
    if found:
        total, more = _capped(found[0][-1], limit)
        page = query.page
    else:
        total, more = _count(session, statement, limit)
        page = min(query.page, max(1, math.ceil(total / query.per_page)))
        if page != query.page:
            found = read(page, counted)
    return Page(list(found) if rows else [row[0] for row in found], total, page,
                query.per_page, more)


def count_all(session: Session, scope: FormScope, query: ListQuery) -> int:
    """How many records the list would show on all its pages (to decide whether an Excel
    export runs as a job)."""
    return _count(session, _filtered(scope, query, session), None)[0]


def iter_all(session: Session, scope: FormScope, query: ListQuery,
             batch: int = 500) -> Iterator[Record]:
    """Every record the list would show (for Excel export), fetched in batches."""
    statement = _filtered(scope, query, session).order_by(Record.id)
    yield from session.scalars(statement.execution_options(yield_per=batch))


# --- writing -------------------------------------------------------------------------------

def _date_value(data: Mapping[str, Any], name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(data[name]) if isinstance(data.get(name), str) else None
    except ValueError:
        return None


def closing_dates_of(form: FormDef, data: Mapping[str, Any]) -> list[dt.date]:
    """The dates the unit's 마감 is judged on: the date fields marked ``x-ui.closing`` (e.g.
    대상등록일, not the years-earlier 입소일자; both 일자 and 회기일자 of a session report),
    else the entry date."""
    marked = [item.name for item in field_tree(form).fields
              if item.kind == "date" and item.ui.get("closing")]
    if not marked:
        day = entry_date_of(form, data)
        return [day] if day is not None else []
    return [day for name in marked if (day := _date_value(data, name)) is not None]


def entry_date_of(form: FormDef, data: Mapping[str, Any]) -> dt.date | None:
    """The date a record is "about": its first date field marked ``x-ui.closing``, else its
    first required date field, in screen order."""
    fields = field_tree(form).fields
    marked = [item for item in fields if item.kind == "date" and item.ui.get("closing")]
    for item in marked or [f for f in fields if f.kind == "date" and f.required]:
        if isinstance(data.get(item.name), str):
            return _date_value(data, item.name)
    return None


def closed_through(facility_id: Any, unit_function: Any) -> Any:
    """The unit's 마감 in the facility, as a scalar subquery (``None``: no closing)."""
    closings = Closing.__table__.c
    return select(closings.closed_through).where(
        closings.facility_id == facility_id,
        closings.unit_function == unit_function).scalar_subquery()


#: The unit's 마감 in the facility (built once: a save asks it every time).
_CLOSED_THROUGH = select(Closing.__table__.c.closed_through).where(
    Closing.__table__.c.facility_id == bindparam("facility_id"),
    Closing.__table__.c.unit_function == bindparam("unit_function"))


#: ``refuse_closed``'s ``closed`` when the caller has not read the closing.
UNREAD: Any = object()


def refuse_closed(session: Session, scope: FormScope, *days: dt.date | None,
                  closed: dt.date | None = UNREAD) -> None:
    """Refuse (409) when any of ``days`` lies in the unit's closed period; the closing is
    read once, and not at all when no day is given (``closed``: the closing date the caller
    read already, with the subject: see ``_subject_and_closing``)."""
    days = tuple(day for day in days if day is not None)
    if not days:
        return
    if closed is UNREAD:
        closed = session.execute(_CLOSED_THROUGH, {"facility_id": scope.facility.id,
                                                   "unit_function": scope.unit.id}).scalar()
    if closed is not None and min(days) <= closed:
        raise ServiceError(_("%(closed)s까지 마감된 기간입니다. 마감된 기간의 기록은 저장하거나 "
                             "지울 수 없습니다.",
                             closed=closed.strftime("%Y-%m-%d")), status=409)


def prefill(session: Session, scope: FormScope, subject_id: int | None) -> dict[str, Any]:
    """What a new record's entry screen starts with, beside the schema's defaults: today's date
    on date fields marked ``today``, and on fields marked ``from_subject`` the value of that
    name in the subject's registration (the record that registered it, e.g. its 입소일), when
    the screen was opened for a subject of this facility. Every value may be changed."""
    wanted = {item.name: item.ui["from_subject"] for item in scope.tree.fields
              if item.ui.get("from_subject")}
    known: dict[str, Any] = {}
    subject = session.get(Subject, subject_id) if wanted and subject_id and is_id(subject_id) \
        else None
    if subject is not None and subject.facility_id == scope.facility.id:
        registration = session.scalar(
            select(Record.data).where(Record.facility_id == scope.facility.id,
                                      Record.subject_id == subject.id,
                                      Record.deleted_at.is_(None), Record.status != "draft")
            .order_by(Record.id).limit(1))
        known = {**(registration or {}), "name": subject.name,
                 "birth_date": subject.birth_date.isoformat() if subject.birth_date else None}
    values: dict[str, Any] = {}
    for item in scope.tree.fields:
        source = wanted.get(item.name)
        if source and known.get(source) not in (None, ""):
            values[item.name] = known[source]
        elif item.kind == "date" and item.ui.get("today"):
            values[item.name] = scope.today.isoformat()
    return values


@lru_cache(maxsize=512)
def reads_record_counts(form: FormDef) -> bool:
    """Whether an expression of ``form`` may read ``record_counts``. Conservative: the name
    appearing anywhere in the schema counts (an expression can only read a name it spells)."""
    return "record_counts" in json.dumps(form.schema_dict(), ensure_ascii=False)


def subject_context(session: Session, scope: FormScope, subject_id: int | None,
                    form: FormDef | None = None) -> dict[str, Any]:
    """What a form's rules may know about the record's subject: ``subject`` (name, birth
    date, age today, status, ``case_closed``: whether its case in this unit is closed) and
    ``record_counts`` (saved records per form in this unit).
    The counts are a grouped query over the subject's records: it is skipped (an empty
    mapping) for a ``form`` (default: the scope's) none of whose expressions reads them."""
    if subject_id is None or not is_id(subject_id):
        return {}
    subject = session.get(Subject, subject_id)
    if subject is None or subject.facility_id != scope.facility.id:
        return {}
    counts = dict(session.execute(
        select(Record.form_id, func.count(Record.id)).where(
            Record.facility_id == scope.facility.id, Record.unit_function == scope.unit.id,
            Record.subject_id == subject_id, Record.deleted_at.is_(None),
            Record.status != "draft").group_by(Record.form_id)).all()) \
        if reads_record_counts(form or scope.form) else {}
    born = subject.birth_date
    age = None
    if born is not None:
        age = scope.today.year - born.year - (
            (scope.today.month, scope.today.day) < (born.month, born.day))
    closed = scope.unit.id in ((subject.data or {}).get("closed_units") or [])
    return {"record_counts": counts, "subject": {
        "name": subject.name, "birth_date": born, "age": age, "status": subject.status,
        "case_closed": closed}}


def validate(scope: FormScope, data: Mapping[str, Any], *, draft: bool = False,
             previous: Mapping[str, Any] | None = None, form: FormDef | None = None,
             context: Mapping[str, Any] | None = None) -> Outcome:
    return process(form or scope.form, data, today=scope.today, draft=draft, previous=previous,
                   parameters={**scope.parameters, **(context or {})})


def _claim_files(session: Session, scope: FormScope, record: Record, form: FormDef) -> None:
    problems = files.claim(session, scope.facility, scope.user, record.id,
                           file_ids(field_tree(form).fields, record.data))
    if problems:
        raise FormInvalid({"": problems}, record.data)


def _foreign_subjects(session: Session, scope: FormScope, form: FormDef,
                      data: Mapping[str, Any]) -> dict[str, list[str]]:
    """``subjects`` fields may only name this facility's subjects, wherever they are (inside
    groups and the rows of repeatable groups too)."""
    errors: dict[str, list[str]] = {}
    for path, ids in subject_refs(field_tree(form).fields, data).items():
        usable = [i for i in ids if is_id(i)]
        known = set(session.scalars(select(Subject.id).where(
            Subject.id.in_(usable), Subject.facility_id == scope.facility.id)))
        if len(usable) != len(ids) or set(usable) - known:
            errors[path] = [_("대상자를 찾을 수 없습니다. 다시 선택하세요")]
    return errors


#: A subject with its unit's 마감 in the facility: what a new record reads before it is
#: written, in one Core statement (built once: every save of a subject's record asks it);
#: the row becomes the session's subject by ``ieum.store.rows.persistent``.
_SUBJECT_AND_CLOSING = select(*Subject.__table__.columns, _CLOSED_THROUGH.scalar_subquery()
                              ).where(Subject.__table__.c.id == bindparam("subject_id"))
_SUBJECT_COLUMNS = tuple(column.key for column in Subject.__table__.columns)


def _subject_and_closing(session: Session, scope: FormScope, subject_id: int | None,
                         closed: dt.date | None = UNREAD
                         ) -> tuple[Subject | None, dt.date | None]:
    """The facility's subject ``subject_id`` (``None`` when absent, malformed or foreign) and
    the unit's closing date when it came with it (else ``closed``: what the caller read, by
    default ``UNREAD``). A subject the session holds already is not read again; the closing
    is then the caller's, or left to ``refuse_closed``."""
    if subject_id is None or not is_id(subject_id):
        return None, closed
    if identity_key(Subject, subject_id) in session.identity_map:
        subject = session.get(Subject, subject_id)
    else:
        autoflush(session)  # as an ORM query would
        row = session.connection().execute(_SUBJECT_AND_CLOSING, {
            "subject_id": subject_id, "facility_id": scope.facility.id,
            "unit_function": scope.unit.id}).first()
        subject = None
        if row is not None:
            subject = persistent(session, Subject,
                                 dict(zip(_SUBJECT_COLUMNS, row[:-1], strict=True)))
            closed = row[-1]
    if subject is None or subject.facility_id != scope.facility.id:
        return None, closed
    return subject, closed


def insert_record(session: Session, scope: FormScope, data: Mapping[str, Any], *, draft: bool,
                  subject_id: int | None, audit: str | None = None,
                  closed: dt.date | None = UNREAD) -> Record:
    """The record pipeline for a new record, without committing: validate, check closings
    and locks, persist, run the unit's feeds, audit (``audit``: the event name, if any).
    ``closed``: the unit's closing date in the facility when the caller has read it in this
    transaction (e.g. with the task whose form this is), so that it is not read again."""
    # Loaded once and held for the whole call: the session's identity map holds objects only
    # weakly, so without this reference the rules' context, the check below and the case rules
    # (``session.get`` each) would read the same row three more times.
    subject, closed = _subject_and_closing(session, scope, subject_id, closed)
    outcome = validate(scope, data, draft=draft,
                       context=subject_context(session, scope, subject_id))
    registers = bool(scope.unit.subject_registry) and \
        scope.unit.subject_registry["form"] == scope.form.id
    names_subjects = any(item.kind == "subjects" for item in scope.tree.fields)
    if scope.unit.record_subject == "required" and subject_id is None and not registers \
            and not names_subjects:
        outcome = Outcome(outcome.data,
                          {**outcome.errors, "subject_id": [_("대상자를 선택하세요")]})
    foreign = _foreign_subjects(session, scope, scope.form, outcome.data)
    if foreign:
        outcome = Outcome(outcome.data, {**outcome.errors, **foreign})
    if not outcome.ok:
        raise FormInvalid(outcome.errors, outcome.data)
    entry_date = entry_date_of(scope.form, outcome.data)
    refuse_closed(session, scope, *closing_dates_of(scope.form, outcome.data), closed=closed)
    remember(session, scope.form)
    if subject_id is not None and subject is None:
        raise ServiceError(_("대상자를 찾을 수 없습니다."), field="subject_id", status=404)
    subject_id = None if subject is None else subject.id
    record = Record(
        facility_id=scope.facility.id, unit_function=scope.unit.id, form_id=scope.form.id,
        form_version=scope.form.version, subject_id=subject_id,
        data=sensitive.sealed(scope.form, outcome.data), status="draft" if draft else "final",
        entry_date=entry_date, author_id=scope.user.id)
    event = feeds.RecordEvent("create", session, scope, scope.form, record)
    feeds.run("before_save", event)
    insert_now(session, record)  # one INSERT, no flush of the session (ieum.store.rows)
    _claim_files(session, scope, record, scope.form)
    feeds.run("after_save", event)
    if audit:
        _audit(session, scope, audit, record, {"status": record.status})
    return record


def _audit(session: Session, scope: FormScope, action: str, record: Record,
           detail: Mapping[str, Any]) -> None:
    record_event(session, action, scope.actor, facility_id=scope.facility.id,
                 target_type="record", target_id=record.id, subject_id=record.subject_id,
                 detail={"unit": scope.unit.id, "form": record.form_id, **detail})


@refuse_conflicts(CONFLICT)
@transaction
def create_record(session: Session, scope: FormScope, data: Mapping[str, Any], *,
                  draft: bool = False, subject_id: int | None = None,
                  unread: Errors | None = None) -> Record:
    """Validate and save a new record (``draft`` = 임시저장); commits, or rolls back when
    refused. ``unread``: values the screen could not read (a refused file, a malformed
    number), which refuse the record as they are."""
    scope.require("create")
    if unread:
        raise FormInvalid(unread, data)
    return insert_record(session, scope, data, draft=draft, subject_id=subject_id,
                         audit="record.create")


def _check_version(record: Record, expected_version: int | None) -> None:
    if expected_version is None:
        raise ServiceError(_("수정할 기록의 버전(version)이 필요합니다."), field="version")
    if record.version != expected_version:
        raise ServiceError(str(CONFLICT), status=409)


@refuse_conflicts(CONFLICT)
@transaction
def update_record(session: Session, registry: Registry, scope: FormScope, record_id: int,
                  data: Mapping[str, Any], *, expected_version: int | None,
                  draft: bool = False, unread: Errors | None = None) -> Record:
    """Save changes to a record with the form version it was saved with; a stale
    ``expected_version`` is refused (409) and nothing is written; commits, or rolls back
    when refused. ``unread``: as for ``create_record``."""
    scope.require("update")
    if unread:
        raise FormInvalid(unread, data)
    record = get_record(session, scope, record_id)
    _check_version(record, expected_version)
    if record.status == "locked":
        raise ServiceError(_("확정된 기록은 수정할 수 없습니다."), status=409)
    if draft and record.status != "draft":
        raise ServiceError(_("저장을 마친 기록은 임시저장으로 되돌릴 수 없습니다."), status=409)
    form = form_of(session, registry, record)
    data = sensitive.for_update(form, data, record.data, sees_private=sees_private(scope, record))
    outcome = validate(scope, data, draft=draft, previous=record.data, form=form,
                       context=subject_context(session, scope, record.subject_id, form))
    foreign = _foreign_subjects(session, scope, form, outcome.data)
    if foreign:
        outcome = Outcome(outcome.data, {**outcome.errors, **foreign})
    if not outcome.ok:
        raise FormInvalid(outcome.errors, {k: v for k, v in outcome.data.items()
                                           if k not in sensitive.rrn_fields(form)})
    stored = sensitive.sealed(form, outcome.data)
    for name in sensitive.rrn_fields(form):  # the same number keeps its stored seal
        if privacy.is_sealed(record.data.get(name)) and isinstance(stored.get(name), dict) \
                and stored[name]["hmac"] == record.data[name]["hmac"]:
            stored[name] = record.data[name]
    entry_date = entry_date_of(form, outcome.data)
    refuse_closed(session, scope, record.entry_date, *closing_dates_of(form, outcome.data))
    changed = sorted(k for k in set(record.data) | set(stored)
                     if record.data.get(k) != stored.get(k))
    dropped = set(file_ids(field_tree(form).fields, record.data)) - set(
        file_ids(field_tree(form).fields, stored))
    files.detach(session, record.id, dropped)
    event = feeds.RecordEvent("update", session, scope, form, record, previous=record.data)
    record.data = stored
    record.entry_date = entry_date
    record.status = "draft" if draft else "final"
    feeds.run("before_save", event)
    session.flush()  # UPDATE ... WHERE version = :seen
    _claim_files(session, scope, record, form)
    feeds.run("after_save", event)
    _audit(session, scope, "record.update", record, {"fields": changed, "status": record.status})
    return record


@refuse_conflicts(CONFLICT)
def delete_record(session: Session, scope: FormScope, record_id: int, *,
                  expected_version: int | None) -> None:
    """Remove a record from every list; the row is kept (nothing is lost) and audited."""
    scope.require("delete")
    record = get_record(session, scope, record_id)
    _check_version(record, expected_version)
    if record.status == "locked":
        raise ServiceError(_("확정된 기록은 지울 수 없습니다."), status=409)
    refuse_closed(session, scope, record.entry_date)
    record.deleted_at = utcnow()
    record.deleted_by_id = scope.user.id
    session.flush()  # UPDATE ... WHERE version = :seen
    feeds.run("after_delete", feeds.RecordEvent("delete", session, scope, scope.form, record))
    _audit(session, scope, "record.delete", record, {})
    session.commit()


def stated_reason(reason: str | None) -> str:
    """Every download of personal data carries a reason (privacy rule); 2-200 characters."""
    text = (reason or "").strip()
    if len(text) < 2:
        raise ServiceError(_("내려받는 사유를 입력하세요."), field="reason")
    if len(text) > 200:
        raise ServiceError(_("사유는 200자 이하로 입력하세요."), field="reason")
    return text
