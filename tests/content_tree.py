"""Small content trees for definition tests, written into a temporary folder.

``valid_tree(root)`` writes a tree that checks clean; tests then break one thing at a time
with ``write`` and assert the exact problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def write(root: Path, relative: str, content: Any) -> Path:
    """Write ``content`` to ``root/relative``: text as is, other values as JSON or YAML."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    return path


def form(title: str, **fields: dict[str, Any]) -> dict[str, Any]:
    """A form schema with the given fields (default: one string field ``name``)."""
    properties = fields or {"name": {"type": "string", "title": "성명"}}
    return {"$schema": SCHEMA, "title": title, "version": 1, "type": "object",
            "properties": properties}


def unit(unit_id: str, **overrides: Any) -> dict[str, Any]:
    manifest: dict[str, Any] = {
        "id": unit_id,
        "title": f"{unit_id} 기능",
        "layer": 2,
        "target_groups": ["child"],
        "forms": [],
        "processes": [],
        "screens": [],
        "actions": ["view", "create", "update"],
    }
    manifest.update(overrides)
    return manifest


def profile(code: str, units: list[str], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "title": f"{code} 시설",
        "target_group": "child",
        "statute": "시험법 제1조",
        "menu": [{"group": "업무", "items": [{"unit": u} for u in units]}],
        "roles": [{"id": "admin", "title": "관리자",
                   "grants": {"*": {"actions": ["*"], "scope": "facility"}}}],
    }
    data.update(overrides)
    return data


def user_task(task_id: str, form_file: str | None, incoming: str, outgoing: str) -> str:
    properties = "" if form_file is None else f"""
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{form_file}" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>"""
    return f"""
    <bpmn:userTask id="{task_id}" name="{task_id} 작업">{properties}
      <bpmn:incoming>{incoming}</bpmn:incoming>
      <bpmn:outgoing>{outgoing}</bpmn:outgoing>
    </bpmn:userTask>"""


def bpmn(process_id: str = "review", *, write_form: str | None = "note.json",
         review_form: str | None = "decision.json", extra: str = "") -> str:
    """A two-lane process: ``write`` (lane worker) then ``check`` (lane leader), then end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="Definitions_{process_id}" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" name="{process_id} 절차" isExecutable="true">
    <bpmn:laneSet id="lanes_{process_id}">
      <bpmn:lane id="lane_worker" name="worker">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>write</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_leader" name="leader">
        <bpmn:flowNodeRef>check</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {user_task("write", write_form, "f1", "f2")}
    {user_task("check", review_form, "f2", "f3")}
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write" />
    <bpmn:sequenceFlow id="f2" sourceRef="write" targetRef="check" />
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />{extra}
  </bpmn:process>
</bpmn:definitions>
"""


def valid_tree(root: Path) -> Path:
    """A clean tree: forms person/note/decision, process ``review``, units people and notes,
    profiles home (both units, with roles) and center (people only)."""
    write(root, "forms/person.json", form("인적사항", name={"type": "string", "title": "성명"},
                                         birth={"type": "string", "format": "date"}))
    write(root, "forms/note.json", form("상담일지", body={"type": "string", "title": "내용"}))
    write(root, "forms/decision.json", form("검토", decision={"enum": ["approved", "returned"]}))
    write(root, "workflows/bpmn/review.bpmn", bpmn())
    write(root, "unit_functions/people/unit.yaml", unit(
        "people", forms=["person"],
        screens=[{"kind": "list", "form": "person"}, {"kind": "new", "form": "person"}],
        actions=["view", "create", "update", "delete", "reveal_rrn"],
        parameters={"min_age": {"type": "integer", "default": 0, "title": "최소 연령"},
                    "label": {"type": "string", "default": "대상자", "title": "호칭"}},
    ))
    write(root, "unit_functions/notes/unit.yaml", unit(
        "notes", forms=["note", "decision"], processes=["review"],
        screens=[{"kind": "list", "form": "note"}],
        actions=["view", "create", "update", "approve"],
    ))
    write(root, "facility_profiles/home.yaml", profile(
        "home", [],
        menu=[{"group": "대상자", "items": [{"unit": "people", "parameters": {"min_age": 15}}]},
              {"group": "상담", "items": [{"unit": "notes", "title": "상담"}]}],
        roles=[
            {"id": "admin", "title": "관리자",
             "grants": {"*": {"actions": ["*"], "scope": "facility"}}},
            {"id": "leader", "title": "팀장",
             "grants": {"*": {"actions": ["view", "approve"], "scope": "facility"},
                        "people": {"actions": ["view", "update"], "scope": "assigned"}}},
            {"id": "worker", "title": "복지사",
             "grants": {"notes": {"actions": ["view", "create"], "scope": "own"}}},
        ],
        exclusive_roles=[["leader", "worker"]],
    ))
    write(root, "facility_profiles/center.yaml", profile("center", ["people"]))
    return root
