"""Free-text search that an index serves: a text's single characters and character pairs.

The list screens search a text field with ``ILIKE '%…%'`` (``ieum.services.records``). No
B-tree serves that, and ``pg_trgm``'s trigrams cannot serve a two-syllable Korean search
(``'%진학%'`` yields no trigram: a sequential scan). Every substring of one or more
characters, though, contains the searched text's characters and pairs, so:

- ``ieum_grams(facility, text)`` (PostgreSQL, migration ``0013_listspeed``) is the distinct
  single characters and pairs of ``lower(text)``, each prefixed with the record's facility
  (``'7:진학'``): a search reads only its own facility's entries of the index, not those of
  every facility on a shared server; an ``IMMUTABLE`` SQL function;
- ``ieum.store.indexes`` builds ``USING gin (ieum_grams(facility_id, <field>))`` per searched
  field, and a statistics object on the same expression (the planner then knows how common
  a pair is, and keeps reading a sorted index when most records match anyway);
- the records service keeps its ``ILIKE`` and adds ``ieum_grams(facility_id, <field>) @>
  ieum_search_grams(<facility>, <search>)`` (``grams_contain``): the search's pairs, or its
  one character. PostgreSQL's ``ILIKE`` compares ``lower()`` of text and pattern, so every
  row the ``ILIKE`` keeps holds all the search's pairs: the condition only lets the index
  find the candidates, the ``ILIKE`` decides, and the rows are exactly those of the plain
  scan (``tests/test_search_grams.py``). (Exact with the usual libc collations, whose
  ``lower()`` maps character by character; an ICU collation's context-dependent lowering,
  such as a Greek final sigma, could make a pair differ.)

A one-character search is served too (its single character is its gram).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterable
from typing import Any

from sqlalchemy import column as column_clause
from sqlalchemy import func, literal, select, text
from sqlalchemy import table as table_clause

GRAMS_FUNCTION = "ieum_grams"
SEARCH_GRAMS_FUNCTION = "ieum_search_grams"

CREATE_GRAMS_FUNCTIONS = (f"""
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(scope integer, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT scope || ':' || substr(lowered, i, n)), '{{}}')
  FROM lower(value) AS lowered, generate_series(1, char_length(lowered)) AS i,
       (VALUES (1), (2)) AS size(n)
  WHERE i + n - 1 <= char_length(lowered)
$$""", f"""
CREATE OR REPLACE FUNCTION {SEARCH_GRAMS_FUNCTION}(scope integer, value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT scope || ':' || substr(lowered, i,
                                                            least(2, char_length(lowered)))),
                  '{{}}')
  FROM lower(value) AS lowered,
       generate_series(1, greatest(1, char_length(lowered) - 1)) AS i
  WHERE char_length(lowered) > 0
$$""")
DROP_GRAMS_FUNCTIONS = (f"DROP FUNCTION IF EXISTS {SEARCH_GRAMS_FUNCTION}(integer, text)",
                        f"DROP FUNCTION IF EXISTS {GRAMS_FUNCTION}(integer, text)")


def grams(facility: Any, expression: Any) -> Any:
    """``ieum_grams(facility, expression)`` (PostgreSQL): what the gram index holds."""
    return getattr(func, GRAMS_FUNCTION)(facility, expression)


def grams_contain(facility_column: Any, column: Any, facility_id: int, searched: str) -> Any:
    """The index-served condition a row of ``facility_id`` matching ``column ILIKE
    '%searched%'`` meets."""
    wanted = getattr(func, SEARCH_GRAMS_FUNCTION)(literal(facility_id), literal(searched))
    return grams(facility_column, column).op("@>")(wanted)


# --- SQLite: a gram table kept by triggers --------------------------------------------------
#
# SQLite has no GIN index. ``ieum db index`` (``ieum.store.indexes.sync_indexes``) keeps a
# table of (field, gram, record) for the searched fields listed in ``ixf_search_field``,
# filled by triggers on ``record`` that call ``ieum_grams`` (registered on every connection
# by ``ieum.store.db``), and rebuilt for a field when it is added. SQLite's ``LIKE`` (what
# ``ILIKE`` compiles to: ``lower(x) LIKE lower(y)``) folds ASCII letters only, so the grams
# are of the text with ASCII letters lowered, nothing else. The service uses the table only
# while its triggers exist and it lists the field (``sqlite_indexed``): an index step that
# never ran, or a migration that rebuilt ``record`` without the triggers, means the plain scan.

SEARCH_FIELD_TABLE = "ixf_search_field"
GRAM_TABLE = "ixf_record_gram"
TRIGGERS = ("ixf_record_gram_insert", "ixf_record_gram_update", "ixf_record_gram_delete")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def text_grams(value: str) -> list[str]:
    """The distinct single characters and pairs of ``value`` with ASCII letters lowered."""
    lowered = value.translate(_ASCII_LOWER)
    found = set(lowered)
    found.update(lowered[i:i + 2] for i in range(len(lowered) - 1))
    return sorted(found)


def sqlite_grams(value: Any) -> str | None:
    """``ieum_grams`` on SQLite: the grams of a text as a JSON array (for ``json_each``)."""
    if value is None:
        return None
    return json.dumps(text_grams(str(value)), ensure_ascii=False)


def _fill(where: str, record: str, source: str = "") -> str:
    """``INSERT`` of the grams of ``record``'s searched fields (``where`` picks the
    ``ixf_search_field`` rows, ``source`` names the table of ``record`` when it is one)."""
    return (f"INSERT OR IGNORE INTO {GRAM_TABLE} (field, gram, record_id) "
            f"SELECT f.field, g.value, {record}.id FROM {source}{SEARCH_FIELD_TABLE} AS f, "
            f"json_each({GRAMS_FUNCTION}(CAST(json_extract({record}.data, "
            f"'$.\"' || f.field || '\"') AS TEXT))) AS g WHERE {where}")


SQLITE_DDL = (
    f"CREATE TABLE IF NOT EXISTS {SEARCH_FIELD_TABLE} (form_id VARCHAR NOT NULL, "
    "field VARCHAR NOT NULL, PRIMARY KEY (form_id, field))",
    f"CREATE TABLE IF NOT EXISTS {GRAM_TABLE} (field VARCHAR NOT NULL, gram VARCHAR NOT NULL, "
    "record_id INTEGER NOT NULL, PRIMARY KEY (field, gram, record_id)) WITHOUT ROWID",
    f"CREATE INDEX IF NOT EXISTS {GRAM_TABLE}_record ON {GRAM_TABLE} (record_id)",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON record BEGIN "
    f"{_fill('f.form_id = NEW.form_id', 'NEW')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER UPDATE OF data, form_id ON record "
    f"BEGIN DELETE FROM {GRAM_TABLE} WHERE record_id = OLD.id; "
    f"{_fill('f.form_id = NEW.form_id', 'NEW')}; END",
    f"CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER DELETE ON record BEGIN "
    f"DELETE FROM {GRAM_TABLE} WHERE record_id = OLD.id; END",
)


def sync_sqlite(connection: Any, fields: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """Keep the gram table of SQLite in step with the searched ``(form, field)`` pairs: the
    tables and triggers (re)made, a field no longer searched forgotten, a new one filled
    from the records already saved. Everything is rebuilt when a trigger was missing (its
    records' grams may be stale). Returns (fields added, fields dropped), as ``form.field``."""
    triggers = set(connection.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
    rebuild = not set(TRIGGERS) <= triggers
    for statement in SQLITE_DDL:
        connection.execute(text(statement))
    have = {tuple(row) for row in connection.execute(text(
        f"SELECT form_id, field FROM {SEARCH_FIELD_TABLE}"))}
    want = set(fields)
    if rebuild:
        connection.execute(text(f"DELETE FROM {GRAM_TABLE}"))
        connection.execute(text(f"DELETE FROM {SEARCH_FIELD_TABLE}"))
        have = set()
    added, dropped = sorted(want - have), sorted(have - want)
    for form_id, field in dropped:
        connection.execute(text(f"DELETE FROM {GRAM_TABLE} WHERE field = :field AND record_id "
                                "IN (SELECT id FROM record WHERE form_id = :form)"),
                           {"form": form_id, "field": field})
        connection.execute(text(f"DELETE FROM {SEARCH_FIELD_TABLE} WHERE form_id = :form AND "
                                "field = :field"), {"form": form_id, "field": field})
    for form_id, field in added:
        connection.execute(text(f"INSERT INTO {SEARCH_FIELD_TABLE} (form_id, field) "
                                "VALUES (:form, :field)"), {"form": form_id, "field": field})
        connection.execute(text(
            _fill("f.form_id = :form AND f.field = :field AND record.form_id = :form",
                  "record", "record, ")),
            {"form": form_id, "field": field})
    return [f"{f}.{n}" for f, n in added], [f"{f}.{n}" for f, n in dropped]


def sqlite_indexed(session: Any, form_id: str, field: str) -> bool:
    """Whether SQLite's gram table holds ``field`` of ``form_id``'s records (its triggers
    exist and the index step listed it)."""
    return session.execute(text(
        "SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
        f"{TRIGGERS!r}) = {len(TRIGGERS)} AND EXISTS (SELECT 1 FROM sqlite_master WHERE "
        f"type = 'table' AND name = '{SEARCH_FIELD_TABLE}')")).scalar() and bool(
        session.execute(text(f"SELECT 1 FROM {SEARCH_FIELD_TABLE} WHERE form_id = :form AND "
                             "field = :field"), {"form": form_id, "field": field}).first())


def search_condition(session: Any, form_id: str, field: str, column: Any, searched: str, *,
                     record: Any, facility_id: int) -> Any:
    """The index-served condition to add beside ``column ILIKE '%searched%'`` on the records
    of ``facility_id``, or ``None`` (the plain scan): PostgreSQL's gram index, SQLite's gram
    table. ``record`` is the record table (its ``id`` and ``facility_id``)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return grams_contain(record.facility_id, column, facility_id, searched)
    if dialect != "sqlite" or not sqlite_indexed(session, form_id, field):
        return None
    wanted = text_grams(searched)
    table = table_clause(GRAM_TABLE, column_clause("field"), column_clause("gram"),
                         column_clause("record_id"))
    ids = select(table.c.record_id).where(table.c.field == field, table.c.gram.in_(wanted))
    if len(wanted) > 1:
        ids = ids.group_by(table.c.record_id).having(func.count() == len(wanted))
    return record.id.in_(ids)
