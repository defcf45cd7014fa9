"""The service call owns the transaction: the web and the CLI never commit or roll back.

A use case the web calls is one transaction of the session it is given (the request's
session): ``transaction`` commits it when the call returns and rolls it back when the call
raises, so a refused request leaves nothing of itself behind, not even in the session the
page shown next reads from (a file uploaded with a refused form, a half-created account).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

F = TypeVar("F", bound=Callable[..., Any])


def transaction(function: F) -> F:
    """Commit the session (the decorated function's first argument) when ``function``
    returns; roll it back and re-raise when it raises."""
    @functools.wraps(function)
    def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
        try:
            result = function(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result
    return wrapper  # type: ignore[return-value]
