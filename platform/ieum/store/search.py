"""Free-text search that an index serves: a text's single characters and character pairs.

The list screens search a text field with ``ILIKE '%…%'`` (``ieum.services.records``). No
B-tree serves that, and ``pg_trgm``'s trigrams cannot serve a two-syllable Korean search
(``'%진학%'`` yields no trigram: a sequential scan). Every substring of one or more
characters, though, contains the searched text's characters and pairs, so:

- ``ieum_grams(text)`` (PostgreSQL, migration ``0013_listspeed``) is the distinct single
  characters and pairs of ``lower(text)``, an ``IMMUTABLE`` SQL function;
- ``ieum.store.indexes`` builds ``USING gin (ieum_grams(<field>))`` per searched field;
- the records service keeps its ``ILIKE`` and adds ``ieum_grams(<field>) @>
  ieum_grams(<search>)`` (``grams_contain``). PostgreSQL's ``ILIKE`` compares ``lower()`` of
  text and pattern, so every row the ``ILIKE`` keeps holds all the search's grams: the
  condition only lets the index find the candidates, the ``ILIKE`` decides, and the rows
  are exactly those of the plain scan (``tests/test_search_grams.py``).

A one-character search is served too (its single character is its gram).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal

GRAMS_FUNCTION = "ieum_grams"

CREATE_GRAMS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {GRAMS_FUNCTION}(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(lowered, i, n)), '{{}}')
  FROM lower(value) AS lowered, generate_series(1, char_length(lowered)) AS i,
       (VALUES (1), (2)) AS size(n)
  WHERE i + n - 1 <= char_length(lowered)
$$
"""
DROP_GRAMS_FUNCTION = f"DROP FUNCTION IF EXISTS {GRAMS_FUNCTION}(text)"


def grams(expression: Any) -> Any:
    """``ieum_grams(expression)`` (PostgreSQL)."""
    return getattr(func, GRAMS_FUNCTION)(expression)


def grams_contain(column: Any, searched: str) -> Any:
    """The index-served condition a row matching ``column ILIKE '%searched%'`` meets."""
    return grams(column).op("@>")(grams(literal(searched)))
