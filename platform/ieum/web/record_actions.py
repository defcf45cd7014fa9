"""Actions packages offer on a record's detail page (entry-point group ``ieum.record_actions``).

A package registers ``actions(unit, form, record, workspace)``; it runs while the detail page
is rendered (``url_for`` works) and returns the ``RecordAction`` items to show for that record,
an empty list when it has none (another unit, form or state, or a grant the user lacks). The
kernel renders them generically (``records/_actions.html``) between the record's head and its
fields, in the order of the entry points' names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ieum.definitions import extensions
from ieum.definitions.model import FormDef, UnitFunction
from ieum.services.records import Record
from ieum.services.workspace import Workspace


@dataclass(frozen=True)
class RecordAction:
    """One action on a record: a link (``method="get"``) or a button posting a form with the
    CSRF token (``"post"``). With a ``note``, it is shown in a box after that sentence; with
    ``confirm``, the person is asked before the post is sent."""

    label: str
    url: str
    method: str = "get"
    note: str | None = None
    testid: str | None = None  # data-testid of the box, or of the link when there is none
    #: For a post that cannot be undone: what will happen, asked in a confirmation dialog
    #: before the form is sent (``static/ieum-confirm.js``).
    confirm: str | None = None

    def __post_init__(self) -> None:
        if self.method not in ("get", "post"):
            raise ValueError(f"a record action's method is 'get' or 'post', not {self.method!r}")


def record_actions(unit: UnitFunction, form: FormDef, record: Record,
                   workspace: Workspace) -> list[RecordAction]:
    """Every action the installed packages offer on ``record``."""
    found: list[RecordAction] = []
    for offer in extensions.objects(extensions.RECORD_ACTIONS).values():
        actions: Sequence[RecordAction] = offer(unit, form, record, workspace) or ()
        found.extend(actions)
    return found
