"""Loading unit-function manifests (``unit_functions/<id>/unit.yaml``) and checking them."""

from __future__ import annotations

from collections.abc import Container, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ieum.definitions import extensions
from ieum.definitions.files import read_yaml
from ieum.definitions.frozen import freeze
from ieum.definitions.metaschemas import content_problems
from ieum.definitions.model import Parameter, Screen, UnitFunction
from ieum.definitions.problems import Problem, pointer
from ieum.definitions.report_kinds import parse_reporting
from ieum.expressions import check_expression

MANIFEST = "unit.yaml"

_TYPE_CHECKS = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
}


def value_problem(parameter: Parameter, value: Any) -> str | None:
    """Why ``value`` is not acceptable for ``parameter``, or ``None`` when it is."""
    if not _TYPE_CHECKS[parameter.type](value):
        return f"expected {parameter.type} for parameter {parameter.name!r}, got {value!r}"
    if parameter.enum is not None and value not in parameter.enum:
        allowed = ", ".join(repr(choice) for choice in parameter.enum)
        return f"{value!r} is not one of {allowed} (parameter {parameter.name!r})"
    if parameter.minimum is not None and value < parameter.minimum:
        return f"{value!r} is less than the minimum {parameter.minimum} of {parameter.name!r}"
    if parameter.maximum is not None and value > parameter.maximum:
        return f"{value!r} is more than the maximum {parameter.maximum} of {parameter.name!r}"
    return None


def load_unit(path: Path, plugin: str | None, forms: Container[str],
              processes: Container[str]) -> tuple[UnitFunction | None, list[Problem]]:
    """The unit function declared in ``path`` (a ``unit.yaml``), and its problems.

    ``forms`` and ``processes`` hold every form and process id that exists; the references
    are checked even when the manifest has other problems, so that one run reports all.
    """
    data, problems = read_yaml(path)
    if problems:
        return None, problems
    problems = content_problems("unit", data, path)
    if not isinstance(data, dict):
        return None, problems
    folder = path.parent.name
    if isinstance(data.get("id"), str) and data["id"] != folder:
        problems.append(Problem(path, "/id", f"id {data['id']!r} does not match its folder "
                                f"{folder!r}; expected id: {folder}"))
    problems += reference_problems(data, path, forms, processes)
    if problems:
        return None, problems
    parameters = {
        name: Parameter(name=name, type=spec["type"], default=spec["default"],
                        title=spec["title"], description=spec.get("description", ""),
                        minimum=spec.get("minimum"), maximum=spec.get("maximum"),
                        enum=tuple(spec["enum"]) if "enum" in spec else None,
                        format=spec.get("format"))
        for name, spec in data.get("parameters", {}).items()
    }
    for name, parameter in parameters.items():
        problem = value_problem(parameter, parameter.default)
        if problem:
            problems.append(Problem(path, pointer("parameters", name, "default"),
                                    f"default: {problem}"))
    if problems:
        return None, problems
    unit = UnitFunction(
        id=data["id"],
        title=data["title"],
        layer=data["layer"],
        description=data.get("description", ""),
        target_groups=tuple(data.get("target_groups", ())),
        forms=tuple(data.get("forms", ())),
        processes=tuple(data.get("processes", ())),
        screens=tuple(Screen(kind=s["kind"], form=s["form"], title=s.get("title"))
                      for s in data.get("screens", ())),
        actions=tuple(data["actions"]),
        parameters=MappingProxyType(parameters),
        feeds=tuple(name for _index, name, _settings in feed_entries(data.get("feeds"))),
        feed_settings=MappingProxyType({
            name: freeze(settings)
            for _index, name, settings in feed_entries(data.get("feeds"))
            if settings is not None}),
        path=path,
        plugin=plugin,
        subject_registry=(MappingProxyType(dict(data["subject_registry"]))
                          if data.get("subject_registry") else None),
        record_subject=data.get("record_subject", "optional"),
        case_list=freeze(data["case_list"]) if data.get("case_list") else None,
        locks=tuple(freeze(lock) for lock in data.get("locks", ())),
        page=data.get("page"),
        reports=parse_reporting(data["reports"], data["id"], path) if data.get("reports")
        else None,
    )
    return unit, []


def _strings(value: Any) -> list[tuple[int, str]]:
    return [(i, item) for i, item in enumerate(value) if isinstance(item, str)] \
        if isinstance(value, list) else []


def feed_entries(value: Any) -> list[tuple[int, str, dict[str, Any] | None]]:
    """``feeds:`` as (index, name, settings or None): an item is a name, or a one-key mapping
    from the name to that feed's settings."""
    if not isinstance(value, list):
        return []
    found = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            found.append((index, item, None))
        elif isinstance(item, dict) and len(item) == 1:
            (name, settings), = item.items()
            if isinstance(name, str) and isinstance(settings, dict):
                found.append((index, name, settings))
    return found


def reference_problems(data: dict[str, Any], path: Path, forms: Container[str],
                       processes: Container[str]) -> list[Problem]:
    """Forms, processes and screen forms the manifest names but that are not there."""
    feeds = extensions.feed_names()
    entries = feed_entries(data.get("feeds"))
    listed = [name for _index, name, _settings in entries]
    problems = [
        Problem(path, pointer("feeds", index),
                f"feed {name!r} is provided by no installed package (entry-point group "
                f"{extensions.FEEDS}); installed: {', '.join(sorted(feeds)) or 'none'}")
        for index, name, _settings in entries if name not in feeds
    ] + [
        Problem(path, pointer("feeds", index), f"feed {name!r} is listed twice")
        for position, (index, name, _settings) in enumerate(entries)
        if name in listed[:position]
    ] + [
        Problem(path, pointer("forms", index),
                f"form {form_id!r} not found: expected forms/{form_id}.json in a content root")
        for index, form_id in _strings(data.get("forms")) if form_id not in forms
    ]
    problems += [
        Problem(path, pointer("processes", index),
                f"process {process_id!r} not found: no workflows/bpmn/*.bpmn file defines an "
                f"executable process with id {process_id!r}")
        for index, process_id in _strings(data.get("processes")) if process_id not in processes
    ]
    own_forms = [form_id for _index, form_id in _strings(data.get("forms"))]
    case_list = data.get("case_list") if isinstance(data.get("case_list"), dict) else {}
    named = [(pointer("case_list", key), case_list.get(key))
             for key in ("registered_by", "worker_from")]
    named += [(pointer("case_list", "stages", i, "form"), stage.get("form"))
              for i, stage in enumerate(case_list.get("stages") or []) if isinstance(stage, dict)]
    locks = data.get("locks") if isinstance(data.get("locks"), list) else []
    named += [(pointer("locks", i, "form"), lock.get("form"))
              for i, lock in enumerate(locks) if isinstance(lock, dict)]
    problems += [Problem(path, where, f"form {form_id!r} is not one of this unit's forms; "
                         "list it under forms")
                 for where, form_id in named if isinstance(form_id, str)
                 and form_id not in own_forms]
    for i, lock in enumerate(locks):
        if isinstance(lock, dict) and isinstance(lock.get("when"), str):
            problems += [Problem(path, pointer("locks", i, "when"), message)
                         for message in check_expression(lock["when"])]
    registry_form = (data.get("subject_registry") or {}).get("form") \
        if isinstance(data.get("subject_registry"), dict) else None
    if isinstance(registry_form, str) and registry_form not in own_forms:
        problems.append(Problem(path, pointer("subject_registry", "form"),
                                f"subject_registry form {registry_form!r} is not one of this "
                                "unit's forms; list it under forms"))
    screens = data.get("screens") if isinstance(data.get("screens"), list) else []
    for index, screen in enumerate(screens):
        form_id = screen.get("form") if isinstance(screen, dict) else None
        if isinstance(form_id, str) and form_id not in own_forms:
            problems.append(Problem(path, pointer("screens", index, "form"),
                                    f"screen form {form_id!r} is not one of this unit's forms "
                                    f"({', '.join(own_forms) or 'none'}); list it under forms"))
    return problems


def subject_registry_problems(units: Mapping[str, UnitFunction],
                              forms: Mapping[str, Any]) -> list[Problem]:
    """The fields a subject registry maps must be fields of its form."""
    problems = []
    for unit in units.values():
        mapping = unit.subject_registry
        form = forms.get(mapping["form"]) if mapping else None
        if form is None:
            continue
        problems += [
            Problem(unit.path, pointer("subject_registry", column),
                    f"field {field!r} is not in form {form.id!r}")
            for column, field in mapping.items()
            if column != "form" and field not in form.properties
        ]
    return problems


def feed_settings_problems(units: Mapping[str, UnitFunction],
                           forms: Mapping[str, Any]) -> list[Problem]:
    """Settings given to a feed are checked by that feed: its optional
    ``check_settings(unit, settings, forms)`` returns messages (an empty list when they are
    right). A feed without it takes no settings."""
    provided = extensions.objects(extensions.FEEDS)
    problems = []
    for unit in units.values():
        for index, name in enumerate(unit.feeds):
            settings = unit.feed_settings.get(name)
            if settings is None or name not in extensions.feed_names():
                continue
            where = pointer("feeds", index, name)
            check = getattr(provided.get(name), "check_settings", None)
            if check is None:
                problems.append(Problem(unit.path, where, f"feed {name!r} takes no settings; "
                                        f"list it by name only"))
                continue
            try:
                messages = list(check(unit, settings, forms))
            except Exception as error:  # a broken plug-in is reported, never fatal
                messages = [f"the feed's check failed: {type(error).__name__}: {error}"]
            problems += [Problem(unit.path, where, message) for message in messages]
    return problems
