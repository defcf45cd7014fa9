"""Record the SQL an engine sends while a block runs (for tests that pin statements)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[str]]:
    """The statements ``engine`` sends inside the ``with`` block, whitespace folded, in order."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # noqa: ANN001, ANN002
        sent.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
