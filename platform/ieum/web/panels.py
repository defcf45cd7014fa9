"""Parts of the kernel's pages that packages contribute: task-page panels
(``ieum.task_panels``, contract in ``ieum.web.tasks``) and dashboard cards
(``ieum.dashboard_cards``, contract in ``ieum.web.workspace``).

A contributor is a callable taking the page's view and returning a :class:`Panel`, or ``None``
when it has nothing to show there (the facility lacks its unit, the user its grant). The page
includes ``panel.template`` where the panel's ``slot`` is; the template reads its data from
``panel.context`` and may use the page's own variables (``ws``, and those the view names).
Contributors run in entry-point name order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ieum.definitions import extensions


@dataclass(frozen=True)
class Panel:
    """What a contributor shows: a template (found in the package's blueprint template
    folder, like any template) with its data, in one slot of the page."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)
    slot: str = "main"


def collect(group: str, view: Any) -> list[Panel]:
    """The panels the contributors of ``group`` give for ``view``."""
    found = []
    for name, contributor in extensions.objects(group).items():
        panel = contributor(view)
        if panel is None:
            continue
        if not isinstance(panel, Panel):
            raise TypeError(f"{group} {name!r} gave {type(panel).__name__}, not a Panel")
        found.append(panel)
    return found
