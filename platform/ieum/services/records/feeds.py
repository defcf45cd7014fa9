"""Record feeds: what runs in the save transaction after a record of a unit is written.

A unit manifest lists its feeds by name (``feeds: [my_feed]``); a package provides each name
through the entry-point group ``ieum.feeds``. A feed that reads settings is listed with them
(``feeds: [{my_feed: {...}}]``, in ``unit.feed_settings``) and checks them for ``ieum check``
with ``check_settings(unit, settings, forms)``, returning messages (none when right).
The kernel's own feeds (the subject registry, case rules) apply to every unit whose manifest
declares the data they read (``subject_registry``, ``case_list``/``locks``) and run first.

A feed is any object (a module, a class, an instance) with some of these functions, each
taking one :class:`RecordEvent`:

- ``before_save(event)``: before the row is written (create and update); may set
  ``event.record.subject_id`` or ``assignee_id``, or refuse with ``ServiceError``;
- ``after_save(event)``: after the row is flushed (it has an id), same transaction;
- ``after_delete(event)``: after a record is removed from the lists.

A feed that raises ``ServiceError`` refuses the whole save: nothing of it is kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.definitions import extensions
from ieum.definitions.model import FormDef, UnitFunction
from ieum.services.records.scope import FormScope
from ieum.store.models import Facility, Record

KINDS = ("create", "update", "delete")


@dataclass(frozen=True)
class RecordEvent:
    """One write of a record, as a feed sees it."""

    kind: str  # "create", "update" or "delete"
    session: Session
    scope: FormScope
    form: FormDef
    record: Record
    previous: Mapping[str, Any] | None = None  # the data before an update

    @property
    def unit(self) -> UnitFunction:
        return self.scope.unit

    @property
    def facility(self) -> Facility:
        return self.scope.facility

    @property
    def parameters(self) -> Mapping[str, Any]:
        return self.scope.parameters

    @property
    def actor(self) -> Actor:
        return self.scope.actor

    @property
    def today(self) -> dt.date:
        return self.scope.today


def _builtin() -> dict[str, Any]:
    from ieum.services import subjects
    from ieum.services.subjects import cases

    return dict(zip(extensions.KERNEL_FEEDS, (subjects.RegistryFeed, cases.CaseFeed),
                    strict=True))


def provided() -> dict[str, Any]:
    """Every feed name a unit may list: the kernel's and the installed packages'."""
    return {**extensions.objects(extensions.FEEDS), **_builtin()}


def of_unit(unit: UnitFunction) -> list[Any]:
    """The feeds a record of ``unit`` goes to, kernel feeds first, then in manifest order.
    A name no package provides is skipped here (``ieum check`` refuses such a manifest)."""
    found = provided()
    names = []
    if unit.subject_registry:
        names.append(extensions.KERNEL_FEEDS[0])
    if unit.case_list or unit.locks:
        names.append(extensions.KERNEL_FEEDS[1])
    names += [name for name in unit.feeds if name not in names]
    return [found[name] for name in names if name in found]


def run(stage: str, event: RecordEvent) -> None:
    """Call ``stage`` (``before_save``, ``after_save``, ``after_delete``) on every feed of
    the event's unit that has it."""
    for feed in of_unit(event.unit):
        handler = getattr(feed, stage, None)
        if handler is not None:
            handler(event)
