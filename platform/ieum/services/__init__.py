"""Use cases that combine definitions, storage and access; the web and the CLI call only these."""

from typing import Any

#: The largest id the database's integer columns hold (PostgreSQL ``integer``). Ids typed in
#: by a person (a URL, a query, a JSON body) beyond it can name nothing, and SQLite/PostgreSQL
#: would fail on them, so services treat them as "not found".
MAX_ID = 2**31 - 1


def is_id(value: Any) -> bool:
    """An int (not a bool) that a row id can be."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


class ServiceError(Exception):
    """A request the service refuses, with a message meant for the user (Korean)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
