"""Importing a SpiffArena process-model folder as one unit function of a content root.

A SpiffArena process model is a folder with BPMN files, JSON Schema forms
(``<name>-schema.json`` or ``<name>.json``) with their UI schemas (``<name>-uischema.json``,
``<name>_ui.json``) and ``process_model.json``. :func:`plan_import` reads it and returns the
files to write, and what it changed or could not carry over:

- each form gets the id ``<unit>_<name>`` (``name`` lower-cased, ``-`` and ``.`` as ``_``;
  the same folder always gives the same ids) and is written to ``forms/<unit>/<id>.json``;
  missing ``type``/``version``/``title`` are filled in; the UI schema's ``ui:order``,
  ``ui:widget``, ``ui:help``, ``ui:placeholder`` and ``ui:options.rows`` become ``x-ui``;
- field names that are no ieum field ids (``firstName``, ``contact.email``) are renamed
  (``first_name``, ``contact_email``) in the form, and every script, condition, property
  expression and ``instructionsForEndUser`` of the BPMN files reads the new name;
- user tasks name the new form file; lanes are renamed to ieum roles by ``lane_map`` (the
  importer asks for each lane that is no role id);
- ``options_from_task_data_var:<var>`` choice lists become free-text fields, with a warning;
- the BPMN files go to ``workflows/bpmn/<unit>/`` and ``unit_functions/<unit>/unit.yaml`` lists
  the forms and the executable processes.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from ieum.definitions.bpmn import BPMN_NS, FORM_PROPERTY, INSTRUCTIONS

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
UI_PROPERTY = "formUiSchemaFilename"
ID = re.compile(r"^[a-z][a-z0-9_]*$")
_SCHEMA_SUFFIXES = ("-schema.json", "_schema.json", "-JSONSchema.json", "_JSONSchema.json",
                    ".schema.json")
_UI_SUFFIXES = ("-uischema.json", "_uischema.json", "_ui.json", "-ui.json",
                "-UISchema.json", "_UISchema.json")
_WIDGETS = {"textarea": "textarea", "radio": "radio", "checkboxes": "checkboxes",
            "checkbox": "checkbox", "hidden": "hidden", "date": "date", "select": "select",
            "text": "text", "updown": "number", "range": "number", "time": "time",
            "datetime": "datetime", "file": "file", "password": "text", "email": "text",
            "uri": "text"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_DYNAMIC = "options_from_task_data_var:"


class ImportRefused(ValueError):
    """The folder cannot be imported as it is; the message says what to do."""


@dataclass
class ImportPlan:
    unit_id: str
    files: dict[str, bytes] = field(default_factory=dict)  # path under the root -> content
    forms: dict[str, str] = field(default_factory=dict)  # SpiffArena file name -> form id
    renamed_fields: dict[str, str] = field(default_factory=dict)
    processes: list[str] = field(default_factory=list)
    lanes: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def form_stem(filename: str) -> str:
    for suffix in _SCHEMA_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename[: -len(".json")] if filename.endswith(".json") else filename


def ui_stem(filename: str) -> str | None:
    return next((filename[: -len(s)] for s in _UI_SUFFIXES if filename.endswith(s)), None)


def to_id(name: str) -> str:
    """``name`` as an ieum id: camelCase split, lower-cased, other characters as ``_``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    text = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not text or not text[0].isalpha():
        text = f"f_{text}"
    return text


def lanes_of(folder: Path) -> list[str]:
    """The lane names of the folder's BPMN files, in file order."""
    names: dict[str, None] = {}
    for path in sorted(folder.glob("*.bpmn")):
        try:
            root = etree.parse(str(path), _PARSER).getroot()
        except etree.XMLSyntaxError:
            continue
        for lane in root.iter(f"{{{BPMN_NS}}}lane"):
            if lane.get("name"):
                names[lane.get("name")] = None
    return list(names)


def plan_import(folder: Path, unit_id: str, lane_map: Mapping[str, str] | None = None,
                ) -> ImportPlan:
    """What importing ``folder`` as unit ``unit_id`` writes; raises :class:`ImportRefused`."""
    if not ID.match(unit_id):
        raise ImportRefused(f"unit id {unit_id!r}: use lowercase letters, digits and '_', "
                            "starting with a letter")
    if not folder.is_dir():
        raise ImportRefused(f"{folder} is not a folder")
    bpmn_files = sorted(folder.glob("*.bpmn"))
    if not bpmn_files:
        raise ImportRefused(f"{folder} holds no .bpmn file")
    plan = ImportPlan(unit_id)
    lane_map = dict(lane_map or {})
    missing = [lane for lane in lanes_of(folder)
               if lane not in lane_map and not ID.match(lane)]
    if missing:
        raise ImportRefused("map each lane to an ieum role with --lane-map LANE=ROLE: "
                            + ", ".join(repr(lane) for lane in missing))
    bad = [role for role in lane_map.values() if not ID.match(role)]
    if bad:
        raise ImportRefused(f"role ids must be lowercase ids: {', '.join(bad)}")
    plan.lanes = lane_map
    model = _read_json(folder / "process_model.json") if (
        folder / "process_model.json").is_file() else {}
    if not isinstance(model, dict):
        model = {}

    ui_files = {ui_stem(p.name): p for p in folder.glob("*.json") if ui_stem(p.name)}
    named = _form_files_named(bpmn_files)
    form_files = [p for p in sorted(folder.glob("*.json"))
                  if p.name != "process_model.json" and not ui_stem(p.name)
                  and not p.name.startswith("test_") and not p.name.endswith(
                      ("-exampledata.json", "_exampledata.json"))
                  and (p.name in named or _looks_like_form(p))]
    renames: dict[str, str] = {}
    forms: list[tuple[str, dict[str, Any]]] = []
    for path in form_files:
        schema = _read_json(path)
        if not isinstance(schema, dict):
            plan.warnings.append(f"{path.name}: not a JSON object, left out")
            continue
        form_id = f"{unit_id}_{to_id(form_stem(path.name))}"
        plan.forms[path.name] = form_id
        ui = ui_files.get(form_stem(path.name))
        ui_schema = _read_json(ui) if ui is not None else {}
        forms.append((form_id, _convert_form(path.name, schema, ui_schema
                                             if isinstance(ui_schema, dict) else {},
                                             renames, plan)))
    for form_id, schema in forms:
        plan.files[f"forms/{unit_id}/{form_id}.json"] = (
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n").encode()
    plan.renamed_fields = renames
    for name in sorted(named - set(plan.forms)):
        plan.warnings.append(f"a user task names form file {name!r}, which is not in the "
                             "folder")

    for path in bpmn_files:
        content, ids = _convert_bpmn(path, plan, renames, lane_map)
        plan.processes += ids
        plan.files[f"workflows/bpmn/{unit_id}/{path.name}"] = content
    primary = model.get("primary_process_id")
    if primary in plan.processes:
        plan.processes.remove(primary)
        plan.processes.insert(0, primary)
    manifest = {
        "id": unit_id,
        "title": str(model.get("display_name") or unit_id),
        "layer": 2,
        "description": str(model.get("description") or "")
        + f" (SpiffArena process model {folder.name}, imported)",
        "forms": [form_id for form_id, _ in forms],
        "processes": plan.processes,
        "actions": ["view", "create", "update"],
    }
    plan.files[f"unit_functions/{unit_id}/unit.yaml"] = yaml.safe_dump(
        manifest, allow_unicode=True, sort_keys=False).encode()
    return plan


def write_plan(plan: ImportPlan, root: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the planned files under ``root``; refuses to overwrite unless told to."""
    targets = [root / name for name in plan.files]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise ImportRefused("already there (use --overwrite): " + ", ".join(existing))
    for (name, content), target in zip(plan.files.items(), targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        del name
    return targets


# --- forms -------------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ImportRefused(f"{path.name}: cannot read JSON: {error}") from error


def _looks_like_form(path: Path) -> bool:
    data = _read_json(path)
    return isinstance(data, dict) and isinstance(data.get("properties"), dict)


def _form_files_named(bpmn_files: list[Path]) -> set[str]:
    names = set()
    for path in bpmn_files:
        try:
            root = etree.parse(str(path), _PARSER).getroot()
        except etree.XMLSyntaxError:
            continue
        for prop in root.iter(f"{{{SPIFF_NS}}}property"):
            if prop.get("name") == FORM_PROPERTY and prop.get("value"):
                names.add(prop.get("value"))
    return names


def _convert_form(filename: str, schema: dict[str, Any], ui: dict[str, Any],
                  renames: dict[str, str], plan: ImportPlan) -> dict[str, Any]:
    schema = json.loads(json.dumps(schema))  # a copy
    schema.setdefault("title", form_stem(filename).replace("-", " ").replace("_", " "))
    if schema.get("type") not in (None, "object"):
        plan.warnings.append(f"{filename}: type {schema.get('type')!r} is not an object form")
    schema["type"] = "object"
    schema.setdefault("version", 1)
    if "definitions" in schema and "$defs" not in schema:  # draft-07 name of $defs
        schema["$defs"] = schema.pop("definitions")
        _retarget(schema, "#/definitions/", "#/$defs/")
    schema.pop("$schema", None)
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        schema["properties"] = properties = {"note": {"type": "string", "title": "메모"}}
        plan.warnings.append(f"{filename}: a form without fields gets one note field")
    for name in list(properties):
        if not ID.match(name):
            renames.setdefault(name, to_id(name))
    if any(name in renames for name in properties):
        schema["properties"] = {renames.get(k, k): v for k, v in properties.items()}
        if isinstance(schema.get("required"), list):
            schema["required"] = [renames.get(k, k) for k in schema["required"]]
        for name in properties:
            if name in renames:
                plan.warnings.append(f"{filename}: field {name!r} is renamed "
                                     f"{renames[name]!r}; the BPMN reads the new name")
    _dynamic_choices(filename, schema, plan)
    for keyword in ("dependencies", "allOf", "if", "then", "else"):
        if keyword in schema and keyword != "allOf":
            plan.warnings.append(f"{filename}: {keyword!r} (conditional fields) is kept as "
                                 "JSON Schema; ieum shows every field")
    x_ui = _x_ui(filename, ui, schema, renames, plan)
    if x_ui:
        schema["x-ui"] = x_ui
    for name, spec in schema["properties"].items():  # SpiffArena's own keywords
        if isinstance(spec, dict):
            for extra in ("minimumDate", "maximumDate", "validationErrorMessage"):
                if extra in spec:
                    spec.pop(extra)
                    plan.warnings.append(f"{filename}: field {name!r}: {extra} is ignored")
    return schema


def _retarget(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(old):
                node[key] = new + value[len(old):]
            else:
                _retarget(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _retarget(item, old, new)


def _dynamic_choices(filename: str, node: Any, plan: ImportPlan) -> None:
    """``anyOf: ["options_from_task_data_var:x"]`` (a choice list the process fills in)
    becomes a free-text field: ieum's forms have no choice lists from task data."""
    if isinstance(node, dict):
        for key in ("anyOf", "oneOf", "enum"):
            value = node.get(key)
            if isinstance(value, list) and any(isinstance(v, str) and v.startswith(_DYNAMIC)
                                               for v in value):
                variable = next(v for v in value if isinstance(v, str))[len(_DYNAMIC):]
                del node[key]
                node.setdefault("type", "string")
                plan.warnings.append(
                    f"{filename}: the choice list from task data variable {variable!r} "
                    "becomes a free-text field (ieum forms take choices from the form file)")
        for value in node.values():
            _dynamic_choices(filename, value, plan)
    elif isinstance(node, list):
        for item in node:
            _dynamic_choices(filename, item, plan)


def _x_ui(filename: str, ui: dict[str, Any], schema: dict[str, Any],
          renames: Mapping[str, str], plan: ImportPlan) -> dict[str, Any]:
    fields = schema["properties"]
    x_ui: dict[str, dict[str, Any]] = {}
    order = ui.get("ui:order")
    if isinstance(order, list):
        position = 1
        for name in order:
            name = renames.get(name, name)
            if name in fields:
                x_ui.setdefault(name, {})["order"] = position
                position += 1
    ignored: set[str] = set()
    for name, spec in ui.items():
        if name.startswith("ui:"):
            if name != "ui:order":
                ignored.add(name)
            continue
        target = renames.get(name, name)
        if target not in fields or not isinstance(spec, dict):
            continue
        entry = x_ui.setdefault(target, {})
        for key, value in spec.items():
            if key == "ui:widget" and isinstance(value, str) and value in _WIDGETS:
                entry["widget"] = _WIDGETS[value]
            elif key == "ui:help" and isinstance(value, str):
                entry["help"] = value
            elif key == "ui:placeholder" and isinstance(value, str):
                entry["placeholder"] = value
            elif key == "ui:options" and isinstance(value, dict) and isinstance(
                    value.get("rows"), int) and 1 <= value["rows"] <= 40:
                entry["rows"] = value["rows"]
            else:
                ignored.add(key)
    if ignored:
        plan.warnings.append(f"{filename}: UI schema keys ieum does not use: "
                             f"{', '.join(sorted(ignored))}")
    return {name: entry for name, entry in x_ui.items() if entry}


# --- BPMN --------------------------------------------------------------------------------------

def rename_names(source: str, renames: Mapping[str, str]) -> str:
    """``source`` (a script or expression) with each NAME token in ``renames`` renamed."""
    if not renames or not source:
        return source
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source
    lines = source.splitlines(keepends=True)
    edits = [(t.start, t.end, renames[t.string]) for t in tokens
             if t.type == tokenize.NAME and t.string in renames]
    for (row, col), (_row2, end), new in reversed(edits):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end:]
    return "".join(lines)


def _rename_template(text: str, renames: Mapping[str, str]) -> str:
    if not renames:
        return text
    pattern = re.compile(r"(\{\{|\{%)(.*?)(\}\}|%\})", re.S)
    return pattern.sub(lambda m: m.group(1) + rename_names(m.group(2), renames)
                       + m.group(3), text)


def _convert_bpmn(path: Path, plan: ImportPlan, renames: Mapping[str, str],
                  lane_map: Mapping[str, str]) -> tuple[bytes, list[str]]:
    data = path.read_bytes()
    try:
        tree = etree.fromstring(data, _PARSER).getroottree()
    except etree.XMLSyntaxError as error:
        raise ImportRefused(f"{path.name}: invalid XML at line {error.lineno}: {error.msg}") \
            from error
    root = tree.getroot()
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        if prop.get("name") == FORM_PROPERTY and prop.get("value") in plan.forms:
            prop.set("value", f"{plan.forms[prop.get('value')]}.json")
        elif prop.get("name") == UI_PROPERTY:
            prop.getparent().remove(prop)  # the UI schema is now the form's x-ui
        elif prop.get("name") in ("role", "assignee", "dueInDays") and prop.get("value"):
            prop.set("value", rename_names(prop.get("value"), renames))
    for tag in (f"{{{BPMN_NS}}}script", f"{{{BPMN_NS}}}conditionExpression",
                f"{{{SPIFF_NS}}}preScript", f"{{{SPIFF_NS}}}postScript"):
        for element in root.iter(tag):
            if element.text:
                element.text = rename_names(element.text, renames)
    for element in root.iter(f"{{{SPIFF_NS}}}{INSTRUCTIONS}"):
        if element.text:
            element.text = _rename_template(element.text, renames)
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        if lane.get("name") in lane_map:
            lane.set("name", lane_map[lane.get("name")])
    for operator in root.iter(f"{{{SPIFF_NS}}}serviceTaskOperator"):
        plan.warnings.append(f"{path.name}: service task operator {operator.get('id')!r} must "
                             "be a registered ieum function (ieum check says if it is not)")
    ids = [p.get("id") for p in root.iterfind(f"{{{BPMN_NS}}}process")
           if p.get("isExecutable", "true") == "true" and p.get("id")]
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8"), ids
