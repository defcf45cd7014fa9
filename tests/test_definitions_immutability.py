"""A loaded Registry cannot be changed: every level refuses mutation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ieum.definitions import Registry, load_registry
from tests.content_tree import valid_tree


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return load_registry([valid_tree(tmp_path)], plugins=False)


def test_registry_and_its_mappings_refuse_changes(registry: Registry) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.forms = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        registry.forms["extra"] = registry.forms["note"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del registry.unit_functions["people"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        registry.profiles["home"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        registry.processes["review"] = None  # type: ignore[index]
    assert isinstance(registry.sources, tuple)


def test_definitions_refuse_changes(registry: Registry) -> None:
    people = registry.unit_functions["people"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        people.title = "changed"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        people.actions.append("hack")  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        people.parameters["min_age"] = None  # type: ignore[index]
    home = registry.profiles["home"]
    with pytest.raises(TypeError):
        home.roles["admin"].grants["people"] = None  # type: ignore[index]
    with pytest.raises(AttributeError):
        home.roles["admin"].grants["people"].actions.add("hack")  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        home.parameters_for("people")["min_age"] = 99  # type: ignore[index]
    with pytest.raises(TypeError):
        home.menu[0].items[0].parameters["min_age"] = 99  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.processes["review"].user_tasks[0].form = "x"  # type: ignore[misc]


def test_form_schema_is_deep_frozen_and_copied_on_request(registry: Registry) -> None:
    person = registry.forms["person"]
    with pytest.raises(TypeError):
        person.schema["title"] = "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        person.schema["properties"]["name"]["type"] = "number"  # type: ignore[index]
    copy = person.schema_dict()
    assert isinstance(copy, dict) and isinstance(copy["properties"]["name"], dict)
    copy["properties"]["name"]["type"] = "number"
    copy["title"] = "changed"
    assert person.schema["properties"]["name"]["type"] == "string"
    assert person.schema["title"] == "인적사항"
    assert person.schema_dict() is not person.schema_dict()
    assert person.schema_dict() == person.schema_dict()
