"""Two people saving the same thing at once: the second gets a clear 409, never a 500."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ieum.i18n import gettext as _
from ieum.services import ServiceError

F = TypeVar("F", bound=Callable[..., Any])

#: SQLite reports a write that lost the race as a lock error rather than a stale row.
_LOST_RACE = ("database is locked", "database is busy")


def is_lost_race(error: BaseException) -> bool:
    if isinstance(error, StaleDataError):
        return True
    return isinstance(error, OperationalError) and any(
        text in str(error.orig).lower() for text in _LOST_RACE)


def refuse_conflicts(message: object) -> Callable[[F], F]:
    """Turn a lost race inside the decorated service call into ``ServiceError(409)``; the
    session (the first argument) is rolled back, so nothing of the call is kept.
    ``message``: a lazy text (``_l``), or a Korean text looked up in the catalogues when the
    refusal is made."""
    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
            try:
                return function(session, *args, **kwargs)
            except (StaleDataError, OperationalError) as error:
                if not is_lost_race(error):
                    raise
                session.rollback()
                raise ServiceError(_(message) if isinstance(message, str) else str(message),
                                   status=409) from None
        return wrapper  # type: ignore[return-value]
    return decorate
