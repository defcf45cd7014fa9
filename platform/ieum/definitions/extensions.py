"""The kernel's extension points: entry-point groups a package (the shipped library or a
vendor's) registers its Python in. The kernel discovers them here and nowhere else.

- ``ieum.content``: a content root (a path, a list of paths, or a callable giving them);
  read by the registry.
- ``ieum.functions``: a service-task function; the name is the BPMN operator id.
- ``ieum.feeds``: a feed, an object with ``before_save``/``after_save``/``after_delete``
  (``ieum.services.records.feeds``); a unit's manifest lists the names its records go to.
- ``ieum.task_hooks``: ``hook(event)``, run when a task of the process named like the entry
  point completes (``ieum.services.workflows.TaskEvent``).
- ``ieum.task_panels``: ``panel(view)``, a part of a task page (the subject's page, a
  task, a process instance) or ``None`` (``ieum.web.tasks.PanelView``, ``ieum.web.panels``).
- ``ieum.dashboard_cards``: ``card(view)``, a part of the facility dashboard or ``None``
  (``ieum.web.workspace.DashboardView``, ``ieum.web.panels``).
- ``ieum.screens``: a Flask ``Blueprint`` (or a callable returning one); a manifest places
  one in the menu with ``page:``. A blueprint may add links to the 기관 관리 menu (shown to a
  facility's administrators) with an attribute ``admin_menu``: (title, endpoint) pairs, the
  endpoint taking ``facility_code``; and to the 시·군·구 officials' menu with ``region_menu``
  (endpoints without arguments).
- ``ieum.record_actions``: ``actions(unit, form, record, workspace)``, the actions a package
  offers on a record's detail page (``ieum.web.record_actions.RecordAction``; an empty list
  when it has none for that record).
- ``ieum.process_data``: ``data(session, registry, facility, unit_id)``, values put into the
  data of a process a user starts from a unit function's menu (e.g. the facility's approval
  line); an empty mapping when it has none for that unit.
- ``ieum.progress_steps``: ``steps(view)``, named like a process: when a process calls the
  process of that name, the steps it gives (``ieum.services.workflows.ProgressView`` ->
  ``Step``) follow the caller's own user tasks on the step bar.
- ``ieum.demo``: ``load(context)``, the package's demo data for ``ieum demo``.
- ``ieum.report_generators``: ``generator(build)``, what a report kind (``reports:`` in a
  manifest) computes in Python beyond its data; ``build`` is an
  ``ieum.services.reports.content.ReportBuild`` (records, labels, figures, tables, problems).
- ``ieum.tickers``: periodic work run by ``ieum tick`` after the timers fire:
  ``ticker(session, registry, functions, today) -> int`` (how many things it started).
- ``ieum.notification_kinds``: a ``ieum.services.notifications.NotificationKind``, a kind of
  notice a package gives with ``ieum.services.notifications.notify`` (the entry point's name
  is the kind); people choose per kind whether it comes in the app, also by e-mail, or not.
- ``ieum.jobs``: a kind of long work run by a worker off the request
  (``ieum.services.jobs``): ``run(context) -> dict | None``, named like the kind; the
  ``context`` (``ieum.services.jobs.JobContext``) gives the parameters, the database and
  ``context.progress(percent, message)``, which raises ``JobCancelled`` when the owner
  cancelled. Submit one with ``ieum.services.jobs.submit``.

Entry points load lazily and once per process; a broken one is reported (``problems()``,
shown by ``ieum check``), never fatal at import time. Names are unique per group: the first
distribution by name wins and a clash is a problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from types import MappingProxyType
from typing import Any

from ieum.definitions.problems import Problem

CONTENT = "ieum.content"
FUNCTIONS = "ieum.functions"
FEEDS = "ieum.feeds"
TASK_HOOKS = "ieum.task_hooks"
TASK_PANELS = "ieum.task_panels"
DASHBOARD_CARDS = "ieum.dashboard_cards"
SCREENS = "ieum.screens"
DEMO = "ieum.demo"
REPORT_GENERATORS = "ieum.report_generators"
TICKERS = "ieum.tickers"
RECORD_ACTIONS = "ieum.record_actions"
PROCESS_DATA = "ieum.process_data"
PROGRESS_STEPS = "ieum.progress_steps"
NOTIFICATION_KINDS = "ieum.notification_kinds"
JOBS = "ieum.jobs"
GROUPS = (CONTENT, FUNCTIONS, FEEDS, TASK_HOOKS, TASK_PANELS, DASHBOARD_CARDS, SCREENS, DEMO,
          REPORT_GENERATORS, TICKERS, RECORD_ACTIONS, PROCESS_DATA, PROGRESS_STEPS,
          NOTIFICATION_KINDS, JOBS)


@dataclass(frozen=True)
class Loaded:
    """The objects of one group by entry-point name, and what failed to load."""

    objects: Mapping[str, Any]
    sources: Mapping[str, str]  # name -> distribution (or the entry point's value)
    problems: tuple[Problem, ...]


@cache
def load(group: str) -> Loaded:
    """Every entry point of ``group``, loaded, in name order."""
    objects: dict[str, Any] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    found = sorted(entry_points(group=group),
                   key=lambda ep: (ep.name, ep.dist.name if ep.dist else "", ep.value))
    for entry in found:
        label = f"<{group} {entry.name}>"
        origin = entry.dist.name if entry.dist else entry.value
        if entry.name in objects:
            if sources[entry.name] != origin:
                problems.append(Problem(label, "", f"{origin} and {sources[entry.name]} both "
                                        f"register {entry.name!r} in {group}"))
            continue
        try:
            objects[entry.name] = entry.load()
        except Exception as error:  # a broken plug-in is reported, never fatal
            problems.append(Problem(label, "", f"entry point {entry.value!r} failed to load: "
                                    f"{type(error).__name__}: {error}"))
            continue
        sources[entry.name] = origin
    return Loaded(MappingProxyType(objects), MappingProxyType(sources), tuple(problems))


#: Feeds of the kernel itself (``ieum.services.records.feeds``), applied by the manifest's data.
KERNEL_FEEDS = ("subject_registry", "cases")


def feed_names() -> frozenset[str]:
    """Every feed name a manifest may list."""
    return frozenset(objects(FEEDS)) | frozenset(KERNEL_FEEDS)


def objects(group: str) -> Mapping[str, Any]:
    return load(group).objects


def problems(groups: tuple[str, ...] = GROUPS) -> list[Problem]:
    """What failed to load in ``groups`` (content roots report their own problems)."""
    return [problem for group in groups if group != CONTENT for problem in load(group).problems]


def reset() -> None:
    """Forget what was loaded (after installing a package in a running process, in tests)."""
    load.cache_clear()
