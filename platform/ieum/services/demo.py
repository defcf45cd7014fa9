"""Demo data for trying ieum out (``ieum demo``, ``make run``). Safe to run again.

The kernel names no demo content: every installed package brings its own demo through the
entry-point group ``ieum.demo`` (``ieum.definitions.extensions.DEMO``), and this module runs
them. The contract of one demo:

- The entry point is an object with ``load(context)`` (a module, usually), or that callable
  itself. ``context`` is a ``DemoContext``: the session, the registry, today, the demo password
  and helpers to find or create facilities and users, to save records as a user through the
  kernel's record pipeline (``DemoContext.desk``) and to start and complete processes through
  the process runner.
- ``after`` (optional, on the same object): names of other demos that must run first, e.g. the
  one creating the facilities and users it writes for. Demos run in name order, each as soon as
  every demo named in its ``after`` has run. A name that is not installed, or a cycle, is
  refused before anything runs.
- ``load`` creates only what is missing (``ieum demo`` runs again without harm) and returns
  what ``ieum demo`` prints about it, or ``None``: a mapping whose lists are appended to those
  of the demos before it (``facilities``: ``{code, name, profile}``; ``users``:
  ``{login, password, facility, roles}``) and whose numbers are added up (a count, say).
- Each demo's work is committed when its ``load`` returns (the record services it calls may
  commit earlier, as they do for a user); one that fails is rolled back, and the error names it.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor
from ieum.definitions import Registry, extensions
from ieum.i18n import gettext as _
from ieum.i18n import josa
from ieum.services import ServiceError, records
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_official_role, grant_role
from ieum.services.workspace import Workspace, open_workspace
from ieum.store.models import Facility, ProcessInstance, Record, RoleAssignment, Task, User
from ieum.workflow.functions import available

DEMO_PASSWORD = "ieum-demo-2026"


class Desk:
    """Working as one user of one facility, the way that user would in the web app."""

    def __init__(self, context: DemoContext, login: str, facility_code: str,
                 ip: str | None = "demo") -> None:
        user = context.session.scalar(select(User).where(User.login == login))
        if user is None:
            raise ServiceError(_("데모 사용자 %(login)s 없습니다.", login=josa(login, '이')))
        self.context = context
        self.user = user
        self.workspace: Workspace = open_workspace(context.session, context.registry, user,
                                                   facility_code, context.today)
        self.actor = Actor(user.id, user.login, ip)

    @property
    def facility(self) -> Facility | None:
        return self.workspace.facility

    def runtime(self) -> flows.Runtime:
        return self.context.runtime(self.actor)

    def save(self, unit: str, form: str, data: Mapping[str, Any],
             subject_id: int | None = None) -> Record:
        """Save a new record through the record pipeline (grants, closings, feeds, audit);
        commits, as saving a form does."""
        scope = records.open_form(self.context.registry, self.workspace, unit, form,
                                  self.context.today, self.actor)
        return records.create_record(self.context.session, scope, data, subject_id=subject_id)

    def start(self, unit: str, process: str, *, subject_id: int | None = None
              ) -> ProcessInstance:
        """Start a process of a unit as this user would (``workflows.start_process``, which
        starts it with ``workflows.start_in``); commits."""
        return flows.start_process(self.context.session, self.runtime(), self.workspace, unit,
                                   process, subject_id=subject_id)

    def ready_tasks(self, instance: ProcessInstance) -> list[Task]:
        return [task for task in flows.instance_tasks(self.context.session, instance)
                if task.state == "ready"]

    def complete(self, task: Task, data: Mapping[str, Any]) -> Task:
        """Complete ``task`` with ``data`` as this user; commits."""
        return flows.complete_task(self.context.session, self.runtime(), self.workspace,
                                   task.id, dict(data))


@dataclass
class DemoContext:
    """What a package's demo works with (see the module's docstring)."""

    session: Session
    registry: Registry
    today: dt.date
    password: str = DEMO_PASSWORD
    _functions: Mapping[str, Any] | None = field(default=None, repr=False)

    def day(self, days_ago: int) -> str:
        """The ISO date ``days_ago`` days before today."""
        return (self.today - dt.timedelta(days=days_ago)).isoformat()

    def find_facility(self, code: str) -> Facility | None:
        return self.session.scalar(select(Facility).where(Facility.code == code))

    def find_user(self, login: str) -> User | None:
        return self.session.scalar(select(User).where(User.login == login))

    def facility(self, *, code: str, name: str, profile_code: str, region_code: str,
                 capacity: int | None = None) -> Facility:
        """The facility ``code``, created when missing (an existing one is left as it is)."""
        return self.find_facility(code) or create_facility(
            self.session, self.registry, code=code, name=name, profile_code=profile_code,
            region_code=region_code, capacity=capacity)

    def user(self, *, login: str, name: str, platform_admin: bool = False) -> User:
        """The user ``login``, created with the demo password when missing."""
        return self.find_user(login) or create_user(
            self.session, login=login, name=name, password=self.password,
            platform_admin=platform_admin)

    def staff(self, *, login: str, name: str, facility: Facility, roles: Iterable[str],
              valid_from: dt.date | None = None, platform_admin: bool = False) -> User:
        """A facility's staff member: the user, and each of ``roles`` in ``facility`` that
        they do not hold yet (from ``valid_from``, today by default)."""
        user = self.user(login=login, name=name, platform_admin=platform_admin)
        held = set(self.session.scalars(select(RoleAssignment.role).where(
            RoleAssignment.user_id == user.id, RoleAssignment.facility_id == facility.id)))
        for role in roles:
            if role not in held:
                grant_role(self.session, self.registry, user=user, facility=facility,
                           role=role, valid_from=valid_from or self.today)
        return user

    def official(self, *, login: str, name: str, role: str, region_code: str | None) -> User:
        """A public-sector user with ``role`` (of ``region_code``, or nationwide); the role is
        given when the user is created, an existing user is left as it is."""
        user = self.find_user(login)
        if user is None:
            user = create_user(self.session, login=login, name=name, password=self.password)
            grant_official_role(self.session, user=user, role=role, region_code=region_code,
                                valid_from=self.today)
        return user

    def account(self, login: str, facility: str, roles: Iterable[str]) -> dict[str, Any]:
        """One line of the logins ``ieum demo`` prints."""
        return {"login": login, "password": self.password, "facility": facility,
                "roles": list(roles)}

    def desk(self, login: str, facility_code: str, *, ip: str | None = "demo") -> Desk:
        """Work as ``login`` in the facility ``facility_code``."""
        return Desk(self, login, facility_code, ip)

    def runtime(self, actor: Actor) -> flows.Runtime:
        """What the process runner needs, acting as ``actor`` (every installed service
        function)."""
        if self._functions is None:
            self._functions = available()
        return flows.Runtime(self.registry, self._functions, self.today, actor)


def order(demos: Mapping[str, Any]) -> list[str]:
    """The names of ``demos`` in the order they run: name order, each after its ``after``."""
    needs: dict[str, set[str]] = {}
    for name, demo in demos.items():
        after = getattr(demo, "after", ()) or ()
        if isinstance(after, str):
            after = (after,)
        missing = sorted(set(after) - set(demos))
        if missing:
            raise ServiceError(_("데모 %(name)s 먼저 실행되어야 할 데모 %(missing)s 찾을 수 "
                                 "없습니다 (설치되지 않음).",
                                 name=josa(name, '이'), missing=josa(', '.join(missing), '을')))
        needs[name] = set(after) - {name}
    ready = [name for name, before in needs.items() if not before]
    heapq.heapify(ready)
    ordered: list[str] = []
    while ready:
        name = heapq.heappop(ready)
        ordered.append(name)
        for other, before in needs.items():
            if name in before:
                before.discard(name)
                if not before:
                    heapq.heappush(ready, other)
    if len(ordered) != len(needs):
        stuck = sorted(set(needs) - set(ordered))
        raise ServiceError(_("데모의 실행 순서(after)가 순환합니다: %(demos)s",
                             demos=', '.join(stuck)))
    return ordered


def _merge(result: dict[str, Any], contribution: Mapping[str, Any] | None) -> None:
    for key, value in (contribution or {}).items():
        if isinstance(value, list | tuple):
            result.setdefault(key, []).extend(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            result[key] = result.get(key, 0) + value
        else:
            result[key] = value


def load_demo(session: Session, registry: Registry, today: dt.date,
              demos: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run every installed package's demo (or ``demos``, by name) and return what to print:
    ``facilities``, ``users`` and whatever else the demos report, keys in name order."""
    if demos is None:
        broken = extensions.load(extensions.DEMO).problems
        if broken:
            raise ServiceError("데모 데이터를 불러오지 못했습니다: "
                               + "; ".join(problem.message for problem in broken))
        demos = extensions.objects(extensions.DEMO)
    context = DemoContext(session, registry, today)
    result: dict[str, Any] = {"facilities": [], "users": []}
    for name in order(demos):
        demo = demos[name]
        run = demo if callable(demo) else getattr(demo, "load", None)
        if run is None:
            raise ServiceError(_("데모 %(name)s에 load(context) 함수가 없습니다.", name=name))
        try:
            contribution = run(context)
            session.commit()
        except Exception as error:
            session.rollback()
            error.add_note(f"데모 {josa(name, '을')} 만드는 중이었습니다.")
            raise
        _merge(result, contribution)
    return {key: result[key] for key in sorted(result)}
