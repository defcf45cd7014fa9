"""Forms share parts with JSON Schema ``$ref``; ``x-constants`` name values rules use.

References are inlined when a form is loaded, so the loaded schema is self-contained; a
reference that cannot be followed is a problem at the ``$ref`` (``file:pointer: message``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import Problem, check_content, load_registry
from ieum.definitions.constants import substitute
from ieum.definitions.frozen import thaw
from ieum.forms.engine import process
from tests.content_tree import SCHEMA, form, valid_tree, write

NOTE_FORM = "c/forms/note.json"
PART = "c/forms/_parts/common.json"
CHOICES = {
    "$schema": SCHEMA,
    "$id": "urn:test:parts:common",
    "$defs": {
        "colour": {"type": "string", "title": "색", "oneOf": [
            {"const": "red", "title": "빨강"}, {"const": "blue", "title": "파랑"}]},
        "shade": {"type": "string", "oneOf": [{"const": "navy", "title": "남색"}]},
        "banned": {"type": "string", "enum": ["red", "black"]},
        "named": {"$ref": "#/$defs/colour", "title": "이름 있는 색"},
    },
}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    tree = valid_tree(tmp_path / "c")
    write(tree, "forms/_parts/common.json", CHOICES)
    return tree


def note(**changes: object) -> dict:
    return {**form("상담일지", body={"type": "string", "title": "내용"}), **changes}


def note_with(**fields: object) -> dict:
    return {**form("상담일지", body={"type": "string", "title": "내용"}, **fields)}


def problems_of(root: Path) -> list[str]:
    registry, problems = check_content([root], plugins=False)
    assert (registry is None) == bool(problems)
    return [str(problem) for problem in problems]


def loaded(root: Path, form_id: str = "note") -> dict:
    registry, problems = check_content([root], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    return thaw(registry.forms[form_id].schema)


# ---------------------------------------------------------------- resolving and inlining

def test_a_reference_to_a_shared_part_is_inlined(root: Path) -> None:
    write(root, "forms/note.json", note_with(
        colour={"$ref": "_parts/common.json#/$defs/colour", "title": "좋아하는 색"}))
    schema = loaded(root)
    assert schema["properties"]["colour"] == {
        "type": "string", "title": "좋아하는 색",
        "oneOf": [{"const": "red", "title": "빨강"}, {"const": "blue", "title": "파랑"}]}
    assert "$ref" not in json.dumps(schema)


def test_a_part_is_not_a_form_and_parts_may_refer_to_each_other(root: Path) -> None:
    write(root, "forms/note.json", note_with(colour={"$ref": "_parts/common.json#/$defs/named"}))
    registry = load_registry([root], plugins=False)
    assert "common" not in registry.forms
    assert registry.forms["note"].properties["colour"]["title"] == "이름 있는 색"
    assert registry.forms["note"].parts == (root / "forms" / "_parts" / "common.json",)
    assert registry.forms["person"].parts == ()


def test_a_reference_by_id_and_from_a_sub_folder(root: Path) -> None:
    write(root, "forms/notes/note.json", note_with(
        a={"$ref": "urn:test:parts:common#/$defs/colour"},
        b={"$ref": "../_parts/common.json#/$defs/shade"}))
    (root / "forms" / "note.json").unlink()
    schema = loaded(root)
    assert schema["properties"]["a"]["oneOf"][0]["const"] == "red"
    assert schema["properties"]["b"]["oneOf"] == [{"const": "navy", "title": "남색"}]


def test_the_forms_own_defs_can_be_named(root: Path) -> None:
    write(root, "forms/note.json", note(
        properties={"body": {"$ref": "#/$defs/text"}},
        **{"$defs": {"text": {"type": "string", "maxLength": 10}}}))
    assert loaded(root)["properties"]["body"] == {"type": "string", "maxLength": 10}


def test_choice_lists_are_joined(root: Path) -> None:
    write(root, "forms/note.json", note_with(colour={"type": "string", "title": "색", "oneOf": [
        {"$ref": "_parts/common.json#/$defs/colour"},
        {"$ref": "_parts/common.json#/$defs/shade"},
        {"const": "white", "title": "흰색"}]}))
    schema = loaded(root)
    assert [c["const"] for c in schema["properties"]["colour"]["oneOf"]] == [
        "red", "blue", "navy", "white"]
    registry = load_registry([root], plugins=False)
    outcome = process(registry.forms["note"], {"colour": "navy"}, today=None)
    assert outcome.ok
    assert process(registry.forms["note"], {"colour": "green"}, today=None).errors == {
        "colour": ["선택할 수 있는 값이 아닙니다"]}


def test_joined_choice_lists_must_not_repeat_a_value(root: Path) -> None:
    write(root, "forms/note.json", note_with(colour={"type": "string", "oneOf": [
        {"$ref": "_parts/common.json#/$defs/colour"},
        {"$ref": "_parts/common.json#/$defs/colour"}]}))
    assert problems_of(root) == [
        f"{NOTE_FORM}:/properties/colour/oneOf: the choice lists joined here by $ref repeat "
        "'red', 'blue'; each value may be offered once"]


# ---------------------------------------------------------------- broken references

@pytest.mark.parametrize(("ref", "message"), [
    ("_parts/ghost.json#/$defs/x", "$ref '_parts/ghost.json#/$defs/x': no form or shared part "
     "c/forms/_parts/ghost.json (a $ref names a file under forms/ relative to this one, or a "
     "part's $id)"),
    ("_parts/common.json#/$defs/colur", "$ref '_parts/common.json#/$defs/colur': "
     "c/forms/_parts/common.json has nothing at /$defs/colur"),
    ("#/$defs/none", "$ref '#/$defs/none': c/forms/note.json has nothing at /$defs/none"),
    ("urn:test:parts:other#/$defs/x", "$ref 'urn:test:parts:other#/$defs/x': no form or "
     "shared part urn:test:parts:other"),
])
def test_a_broken_reference_is_reported_where_it_is(root: Path, ref: str, message: str) -> None:
    write(root, "forms/note.json", note_with(colour={"$ref": ref}))
    problems = problems_of(root)
    assert len(problems) == 1
    assert problems[0].startswith(f"{NOTE_FORM}:/properties/colour/$ref: {message}")


def test_a_reference_beside_constraints_is_refused(root: Path) -> None:
    write(root, "forms/note.json", note_with(
        colour={"$ref": "_parts/common.json#/$defs/colour", "minLength": 2}))
    [problem] = problems_of(root)
    assert problem.startswith(f"{NOTE_FORM}:/properties/colour/$ref: $ref "
                              "'_parts/common.json#/$defs/colour' stands beside minLength")


def test_a_recursive_reference_is_refused(root: Path) -> None:
    write(root, "forms/note.json", note(
        properties={"tree": {"$ref": "#/$defs/node"}},
        **{"$defs": {"node": {"type": "object",
                              "properties": {"children": {"type": "array",
                                                          "items": {"$ref": "#/$defs/node"}}}}}}))
    problems = problems_of(root)
    assert problems and all("is recursive" in problem for problem in problems)
    assert f"{NOTE_FORM}:/properties/tree/$ref: $ref '#/$defs/node' is recursive" in "\n".join(
        problems)


def test_a_broken_part_is_reported_once_not_by_each_form_using_it(root: Path) -> None:
    write(root, "forms/_parts/common.json", {**CHOICES, "$defs": {
        **CHOICES["$defs"], "colour": {"$ref": "#/$defs/missing"}}})
    write(root, "forms/note.json", note_with(colour={"$ref": "_parts/common.json#/$defs/colour"}))
    assert problems_of(root) == [
        f"{PART}:/$defs/colour/$ref: $ref '#/$defs/missing': {PART} has nothing at "
        "/$defs/missing"]


@pytest.mark.parametrize(("content", "expected"), [
    ({"$defs": {"a": {"type": "strin"}}}, ":/$defs/a/type: not a valid JSON Schema"),
    ({"$defs": {"a": {"type": "string"}}, "properties": {}},
     ":/properties: a shared part holds only $schema, $id, $defs"),
    ({"$id": "urn:x"}, ":: a shared part must define its parts under $defs"),
    ('{"$defs": ', ":: invalid JSON"),
])
def test_a_shared_part_is_checked(root: Path, content: object, expected: str) -> None:
    write(root, "forms/_parts/extra.json", content)
    [problem] = problems_of(root)
    assert problem.startswith("c/forms/_parts/extra.json" + expected)


def test_two_parts_may_not_share_an_id(root: Path) -> None:
    write(root, "forms/_parts/copy.json", CHOICES)
    [problem] = problems_of(root)
    assert problem == ("c/forms/_parts/copy.json:/$id: duplicate $id 'urn:test:parts:common': "
                       f"also used by {PART}")


# ---------------------------------------------------------------- x-constants

def test_constants_are_written_into_the_expressions(root: Path) -> None:
    write(root, "forms/note.json", note(
        properties={"body": {"type": "string"}, "colour": {"type": "string"}},
        **{"x-constants": {"banned": {"$ref": "_parts/common.json#/$defs/banned/enum"},
                           "limit": 3},
           "x-rules": [{"rule": "colour not in banned and len(body) <= limit",
                        "message": "안 됩니다", "fields": ["colour"]}],
           "x-visible": {"colour": "body != \"비밀\" or limit > 2"}}))
    registry = load_registry([root], plugins=False)
    note_form = registry.forms["note"]
    assert note_form.rules[0]["rule"] == 'colour not in ["red", "black"] and len(body) <= 3'
    assert note_form.visible["colour"] == 'body != "비밀" or 3 > 2'
    assert thaw(note_form.constants) == {"banned": ["red", "black"], "limit": 3}
    assert process(note_form, {"body": "a", "colour": "red"}, today=None).errors == {
        "colour": ["안 됩니다"]}
    assert process(note_form, {"body": "a", "colour": "blue"}, today=None).ok


@pytest.mark.parametrize(("name", "message"), [
    ("body", "constant 'body' has the name of a field of this form; choose another name"),
    ("params", "constant name 'params' is reserved for expressions"),
    ("len", "constant name 'len' is a function of the expression language"),
])
def test_a_constant_may_not_shadow_a_name(root: Path, name: str, message: str) -> None:
    write(root, "forms/note.json", note(**{"x-constants": {name: [1]}}))
    [problem] = problems_of(root)
    assert problem.startswith(f"{NOTE_FORM}:/x-constants/{name}: {message}")


def test_an_unknown_name_is_still_reported(root: Path) -> None:
    write(root, "forms/note.json", note(**{"x-constants": {"limit": 3}, "x-rules": [
        {"rule": "len(body) <= limt", "message": "길어요"}]}))
    [problem] = problems_of(root)
    assert problem.startswith(f"{NOTE_FORM}:/x-rules/0/rule: ")
    assert "limt" in problem


@pytest.mark.parametrize(("source", "expected"), [
    ("a in xs", 'a in ["p", "q"]'),
    ("len(xs) + n", 'len(["p", "q"]) + 2.5'),
    ("xs == xs", '["p", "q"] == ["p", "q"]'),
    ("d['k'] and flag", '{"k": None}[\'k\'] and True'),
    ("('가나' in xs\n  or b)", "('가나' in [\"p\", \"q\"]\n  or b)"),
    ("f(xs", "f(xs"),  # a syntax error is left for the expression check
    ("xs(1)", "xs(1)"),  # a call names a function, never a constant
])
def test_substitution_keeps_the_rest_of_the_text(source: str, expected: str) -> None:
    constants = {"xs": ["p", "q"], "n": 2.5, "d": {"k": None}, "flag": True}
    assert substitute(source, constants) == expected


# ---------------------------------------------------------------- the shipped content

def test_the_chart_of_accounts_and_the_excluded_items_are_written_once() -> None:
    part = json.loads((REPOSITORY_ROOT / "forms" / "_parts" / "accounts.json").read_text("utf-8"))
    registry = load_registry([REPOSITORY_ROOT], plugins=False)
    spending, resolution = registry.forms["spending_request"], registry.forms["resolution"]
    expense = thaw(part["$defs"]["expense_account"]["oneOf"])
    income = thaw(part["$defs"]["income_account"]["oneOf"])
    assert len(expense) == 33
    assert thaw(spending.properties["account"]["oneOf"]) == expense
    assert thaw(resolution.properties["items"]["items"]["properties"]["account"]["oneOf"]) == (
        income + expense)
    excluded = part["$defs"]["donation_excluded_account"]["enum"]
    assert thaw(spending.constants) == thaw(resolution.constants) == {
        "donation_excluded": excluded}
    assert thaw(spending.properties["funding"]) == thaw(resolution.properties["funding"])
    for path in ("spending_request.json", "resolution.json"):
        text = (REPOSITORY_ROOT / "forms" / path).read_text("utf-8")
        assert "expense.office.meeting" not in text  # neither the chart nor the exclusions
    assert spending.parts == resolution.parts == (
        REPOSITORY_ROOT / "forms" / "_parts" / "accounts.json",)


def test_problem_format(root: Path) -> None:
    write(root, "forms/note.json", note_with(colour={"$ref": "#/nowhere"}))
    registry, problems = check_content([root], plugins=False)
    assert problems == [Problem(NOTE_FORM, "/properties/colour/$ref",
                                "$ref '#/nowhere': c/forms/note.json has nothing at /nowhere")]


def test_a_plug_in_form_names_a_part_of_another_root_by_its_id(root: Path,
                                                               tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    write(extra, "forms/visit.json", form("방문", colour={
        "$ref": "urn:test:parts:common#/$defs/colour", "title": "방문 색"}))
    registry, problems = check_content([root, extra], plugins=False)
    assert registry is not None, "\n".join(map(str, problems))
    visit = registry.forms["visit"]
    assert visit.properties["colour"]["title"] == "방문 색"
    assert visit.parts == (root / "forms" / "_parts" / "common.json",)


def test_a_form_naming_another_dialect_is_reported_not_fatal(root: Path) -> None:
    write(root, "forms/note.json", {**note(), "$schema": "urn:not-a-dialect"})
    [problem] = problems_of(root)
    assert problem.startswith(f"{NOTE_FORM}:/$schema: ")
