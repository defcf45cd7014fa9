"""The immutable definitions the registry holds: forms, processes, unit functions, profiles.

Everything here is a frozen dataclass; mappings are read-only (``MappingProxyType``) and
sequences are tuples, so a loaded registry can be shared by every request and thread.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ieum.definitions.frozen import EMPTY, thaw

if TYPE_CHECKING:
    from ieum.definitions.report_kinds import Reporting, ReportKind

SCOPES = ("own", "assigned", "facility")


@dataclass(frozen=True)
class ContentSource:
    """A content root: the repository's own (``plugin is None``) or one from a plug-in.

    An ``overlay`` root (one holding ``ieum-studio.json``: a package the content studio
    published, or the studio's scratch root of a check) is read after every other root, and
    each of its definitions replaces the one of the same key read before it (a form id, a
    unit function's folder, a profile code, a BPMN file defining the same process id).
    """

    root: Path
    plugin: str | None = None
    distribution: str | None = None
    overlay: bool = False

    @property
    def label(self) -> str:
        return f"plug-in {self.plugin}" if self.plugin else str(self.root)


@dataclass(frozen=True, eq=False)
class FormDef:
    """A form: a JSON Schema 2020-12 object schema (deep-frozen) and its ``x-`` keywords."""

    id: str
    title: str
    version: int
    schema: Mapping[str, Any] = field(repr=False)
    path: Path
    plugin: str | None = None
    #: The shared parts (and other forms) the form's ``$ref``s read, already inlined.
    parts: tuple[Path, ...] = ()

    @property
    def filename(self) -> str:
        """The name user tasks use for this form (``formJsonSchemaFilename``)."""
        return f"{self.id}.json"

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.schema.get("properties", EMPTY)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.schema.get("required", ()))

    @property
    def ui(self) -> Mapping[str, Mapping[str, Any]]:
        return self.schema.get("x-ui", EMPTY)

    @property
    def rules(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.schema.get("x-rules", ()))

    @property
    def computed(self) -> Mapping[str, str]:
        return self.schema.get("x-computed", EMPTY)

    @property
    def visible(self) -> Mapping[str, str]:
        return self.schema.get("x-visible", EMPTY)

    @property
    def sensitive(self) -> Mapping[str, str]:
        return self.schema.get("x-sensitive", EMPTY)

    @property
    def constants(self) -> Mapping[str, Any]:
        """``x-constants``: named values (already written into the form's expressions)."""
        return self.schema.get("x-constants", EMPTY)

    def schema_dict(self) -> dict[str, Any]:
        """A fresh, mutable deep copy of the schema (safe to hand to jsonschema or WTForms)."""
        return thaw(self.schema)


@dataclass(frozen=True)
class UserTaskDef:
    """A user task of a process: the form it shows and the lane (role) that works it.
    ``approval_step``: the task is a decision on a document (its BPMN property
    ``approvalStep`` is ``true``); its waiting tasks are counted as 결재 대기."""

    id: str
    name: str
    form: str | None
    form_filename: str | None
    lane: str | None
    approval_step: bool = False


@dataclass(frozen=True, eq=False)
class ProcessDef:
    """A BPMN process parsed by SpiffWorkflow, with what the platform needs to know of it.

    ``spec`` and ``subprocess_specs`` are what ``BpmnWorkflow(spec, subprocess_specs, ...)``
    takes; they are SpiffWorkflow objects and must not be modified.
    """

    id: str
    name: str
    path: Path
    spec_hash: str
    user_tasks: tuple[UserTaskDef, ...]
    lanes: tuple[str, ...]
    spec: Any = field(repr=False)
    subprocess_specs: Mapping[str, Any] = field(repr=False)
    plugin: str | None = None

    @property
    def forms(self) -> tuple[str, ...]:
        """The ids of the forms the user tasks show, in task order, without repeats."""
        return tuple(dict.fromkeys(task.form for task in self.user_tasks if task.form))


@dataclass(frozen=True)
class Screen:
    """A screen a unit function contributes: ``kind`` is ``list``, ``new`` or ``detail``."""

    kind: str
    form: str
    title: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A declared unit-function parameter with its type and default."""

    name: str
    type: str
    default: Any
    title: str
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    enum: tuple[Any, ...] | None = None
    #: ``"roles"``: role ids separated by commas, shown by the roles' names
    format: str | None = None


@dataclass(frozen=True, eq=False)
class UnitFunction:
    """A standardised unit function (단위기능) as declared by its ``unit.yaml``."""

    id: str
    title: str
    layer: int
    description: str
    target_groups: tuple[str, ...]
    forms: tuple[str, ...]
    processes: tuple[str, ...]
    screens: tuple[Screen, ...]
    actions: tuple[str, ...]
    parameters: Mapping[str, Parameter]
    feeds: tuple[str, ...]
    path: Path
    plugin: str | None = None
    subject_registry: Mapping[str, str] | None = None
    record_subject: str = "optional"
    case_list: Mapping[str, Any] | None = None
    locks: tuple[Mapping[str, Any], ...] = ()
    #: The endpoint of a contributed screen the menu entry opens (``page:`` in the manifest).
    page: str | None = None
    #: Settings of the feeds listed with some (``feeds: [{name: {...}}]``), by feed name.
    feed_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: EMPTY)
    #: The reports the unit prepares (``reports:``: its processes and report kinds).
    reports: Reporting | None = None

    @property
    def defaults(self) -> dict[str, Any]:
        """The declared parameters' default values."""
        return {name: parameter.default for name, parameter in self.parameters.items()}


@dataclass(frozen=True)
class Grant:
    """What a role may do in one unit function, and on which records."""

    actions: frozenset[str]
    scope: str


@dataclass(frozen=True, eq=False)
class Role:
    """A role of a facility profile, with its grants resolved per unit function."""

    id: str
    title: str
    grants: Mapping[str, Grant]
    description: str = ""
    administers: bool = False


@dataclass(frozen=True, eq=False)
class MenuItem:
    """A unit function placed in a menu, with the profile's parameter overrides."""

    unit: str
    title: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=lambda: EMPTY)
    #: Which of the profile's roles works a role the unit's processes name (a lane, or a
    #: ``role`` property such as the approver's): e.g. ``worker: sr_worker``.
    lanes: Mapping[str, str] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True)
class MenuGroup:
    """A titled group of the menu tree."""

    title: str
    items: tuple[MenuItem, ...]


@dataclass(frozen=True, eq=False)
class FacilityProfile:
    """A facility type (시설유형): its menu of unit functions, parameters and roles."""

    code: str
    title: str
    target_group: str
    statute: str
    official_kind_code: str | None
    description: str
    menu: tuple[MenuGroup, ...]
    roles: Mapping[str, Role]
    exclusive_roles: tuple[frozenset[str], ...]
    path: Path
    plugin: str | None = None
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: EMPTY,
                                                        repr=False)
    #: The base profiles it extends, nearest first (``extends:``), already merged in.
    bases: tuple[str, ...] = ()

    @property
    def unit_ids(self) -> tuple[str, ...]:
        """The unit functions of the menu, in menu order."""
        return tuple(item.unit for group in self.menu for item in group.items)

    def parameters_for(self, unit_id: str) -> Mapping[str, Any]:
        """The unit's declared parameter defaults merged with this profile's overrides."""
        try:
            return self.parameters[unit_id]
        except KeyError:
            raise KeyError(f"unit function {unit_id!r} is not in profile {self.code!r}") from None

    def task_role(self, unit_id: str, role: str | None) -> str | None:
        """The role of this profile that works a task the unit's process gives to ``role``."""
        for group in self.menu:
            for item in group.items:
                if item.unit == unit_id:
                    return item.lanes.get(role, role) if role else role
        return role

    def exclusive_conflicts(self, role_ids: Iterable[str]) -> tuple[frozenset[str], ...]:
        """The mutually exclusive role sets of which ``role_ids`` holds more than one."""
        held = set(role_ids)
        return tuple(group for group in self.exclusive_roles if len(group & held) > 1)


@dataclass(frozen=True, eq=False)
class Registry:
    """All loaded and checked content. Build it with :func:`ieum.definitions.load_registry`."""

    forms: Mapping[str, FormDef]
    processes: Mapping[str, ProcessDef]
    unit_functions: Mapping[str, UnitFunction]
    profiles: Mapping[str, FacilityProfile]
    sources: tuple[ContentSource, ...]
    #: Every unit's report kinds by id (``reports:`` in the manifests).
    report_kinds: Mapping[str, ReportKind] = field(default_factory=lambda: EMPTY)
    #: What loads but is ignored or read leniently (printed by ``ieum check``), see
    #: :func:`ieum.definitions.bpmn.load_processes`.
    warnings: tuple[Any, ...] = ()

    def form_by_filename(self, name: str) -> FormDef:
        """The form a user task names with ``formJsonSchemaFilename`` (``"<id>.json"``)."""
        form_id = name[: -len(".json")] if name.endswith(".json") else None
        form = self.forms.get(form_id) if form_id else None
        if form is None:
            raise KeyError(f"no form file named {name!r}")
        return form

    @property
    def plugins(self) -> tuple[str, ...]:
        """The names of the plug-ins whose content was loaded, in load order."""
        return tuple(dict.fromkeys(s.plugin for s in self.sources if s.plugin is not None))


T = TypeVar("T")


def per_registry(function: Callable[[Registry], T]) -> Callable[[Registry], T]:
    """Remember what ``function`` derives from a registry alone, as long as that registry
    lives (a registry never changes: reloaded content is a new one). ``function`` must
    return something immutable: every caller shares it."""
    answers: weakref.WeakKeyDictionary[Registry, T] = weakref.WeakKeyDictionary()

    @functools.wraps(function)
    def remembered(registry: Registry) -> T:
        try:
            return answers[registry]
        except KeyError:
            answers[registry] = found = function(registry)
            return found

    return remembered
