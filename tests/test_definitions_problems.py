"""Every content check: one thing broken in a clean tree gives exactly one precise problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ieum.definitions import Problem, check_content
from tests.content_tree import bpmn, form, profile, unit, valid_tree, write

BPMN_FILE = "c/workflows/bpmn/review.bpmn"
HOME = "c/facility_profiles/home.yaml"
CENTER = "c/facility_profiles/center.yaml"
PEOPLE = "c/unit_functions/people/unit.yaml"
NOTES = "c/unit_functions/notes/unit.yaml"
NOTE_FORM = "c/forms/note.json"

GATEWAY = """
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw">
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:outgoing>f5</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="f4" sourceRef="gw" targetRef="end">
      <bpmn:conditionExpression>decision == "approved"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="gw" targetRef="write" />"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return valid_tree(tmp_path / "c")


def problems_of(*roots: Path) -> list[Problem]:
    registry, problems = check_content(list(roots), plugins=False)
    assert (registry is None) == bool(problems)
    return problems


def only_problem(root: Path) -> Problem:
    problems = problems_of(root)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def put(relative: str, content: object) -> Callable[[Path], None]:
    return lambda root: write(root, relative, content)


def home_with(**changes: object) -> Callable[[Path], None]:
    """Rewrite home.yaml with some top-level keys changed."""

    def change(root: Path) -> None:
        import yaml

        path = root / "facility_profiles" / "home.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data.update(changes)
        write(root, "facility_profiles/home.yaml", data)

    return change


PEOPLE_PARAMETERS = {"min_age": {"type": "integer", "default": 0, "title": "최소 연령"},
                     "label": {"type": "string", "default": "대상자", "title": "호칭"}}
HOME_ROLES = [
    {"id": "admin", "title": "관리자", "grants": {"*": {"actions": ["*"], "scope": "facility"}}},
    {"id": "leader", "title": "팀장",
     "grants": {"*": {"actions": ["view", "approve"], "scope": "facility"}}},
    {"id": "worker", "title": "복지사"},
]

CASES: dict[str, tuple[Callable[[Path], None], str, str, list[str]]] = {
    # forms
    "form: invalid JSON": (
        put("forms/note.json", '{"title": "상담",\n  "version": }'),
        NOTE_FORM, "", ["invalid JSON at line 2, column 14"]),
    "form: duplicate JSON key": (
        put("forms/note.json", '{"title": "a", "version": 1, "type": "object", "properties": '
                               '{"body": {"type": "string"}, "body": {"type": "number"}}}'),
        NOTE_FORM, "/properties/body", ["duplicate key 'body'"]),
    "form: not a JSON Schema": (
        put("forms/note.json", form("상담", body={"type": "text"})),
        NOTE_FORM, "/properties/body/type", ["not a valid JSON Schema 2020-12 schema"]),
    "form: bad regex in a field": (
        put("forms/note.json", form("상담", body={"type": "string", "pattern": "(["})),
        NOTE_FORM, "/properties/body/pattern", ["is not a 'regex'"]),
    "form: version missing": (
        put("forms/note.json", {k: v for k, v in form("상담").items() if k != "version"}),
        NOTE_FORM, "", ["'version' is a required property"]),
    "form: field name not an identifier": (
        put("forms/note.json", form("상담", **{"Body Text": {"type": "string"}})),
        NOTE_FORM, "/properties", ["'Body Text' does not match"]),
    "form: unknown sensitivity class": (
        put("forms/note.json", {**form("상담"), "x-sensitive": {"name": "secret"}}),
        NOTE_FORM, "/x-sensitive/name", ["'secret' is not one of"]),
    "form: x-sensitive names an undeclared field": (
        put("forms/note.json", {**form("상담"), "x-sensitive": {"ghost": "rrn"}}),
        NOTE_FORM, "/x-sensitive/ghost", ["x-sensitive names field 'ghost'", "not in properties"]),
    "form: x-rules names an undeclared field": (
        put("forms/note.json", {**form("상담"), "x-rules": [
            {"rule": "len(name) > 1", "message": "짧음", "fields": ["name", "ghost"]}]}),
        NOTE_FORM, "/x-rules/0/fields/1", ["x-rules names field 'ghost'"]),
    "form: empty expression": (
        put("forms/note.json", {**form("상담"), "x-computed": {"name": "  "}}),
        NOTE_FORM, "/x-computed/name", ["does not match"]),
    "form: unknown x- keyword": (
        put("forms/note.json", {**form("상담"), "x-colour": "red"}),
        NOTE_FORM, "/x-colour", ["unknown keyword 'x-colour'", "x-ui, x-rules"]),
    "form: unknown widget": (
        put("forms/note.json", {**form("상담"), "x-ui": {"name": {"widget": "slider"}}}),
        NOTE_FORM, "/x-ui/name/widget", ["'slider' is not one of"]),
    "form: file name is not an id": (
        put("forms/Bad-Name.json", form("잘못")),
        "c/forms/Bad-Name.json", "", ["'Bad-Name.json' does not make a form id"]),
    # unit functions
    "unit: id does not match folder": (
        put("unit_functions/people/unit.yaml", unit("persons", parameters=PEOPLE_PARAMETERS)),
        PEOPLE, "/id", ["id 'persons' does not match its folder 'people'"]),
    "unit: missing form": (
        put("unit_functions/people/unit.yaml",
            unit("people", forms=["person", "ghost"], parameters=PEOPLE_PARAMETERS)),
        PEOPLE, "/forms/1", ["form 'ghost' not found", "forms/ghost.json"]),
    "unit: missing process": (
        edit("unit_functions/notes/unit.yaml", "- review", "- reviewing"),
        NOTES, "/processes/0", ["process 'reviewing' not found"]),
    "unit: screen form not among its forms": (
        put("unit_functions/people/unit.yaml", unit(
            "people", forms=["person"], parameters=PEOPLE_PARAMETERS,
            screens=[{"kind": "list", "form": "person"}, {"kind": "new", "form": "note"}])),
        PEOPLE, "/screens/1/form", ["screen form 'note' is not one of this unit's forms"]),
    "unit: unknown key": (
        put("unit_functions/people/unit.yaml",
            unit("people", parameters=PEOPLE_PARAMETERS, colour="red")),
        PEOPLE, "", ["unknown key 'colour'"]),
    "unit: layer out of range": (
        put("unit_functions/people/unit.yaml",
            unit("people", parameters=PEOPLE_PARAMETERS, layer=5)),
        PEOPLE, "/layer", ["5 is greater than the maximum of 4"]),
    "unit: parameter default of the wrong type": (
        put("unit_functions/people/unit.yaml", unit("people", parameters={
            **PEOPLE_PARAMETERS,
            "min_age": {"type": "integer", "default": "15", "title": "연령"}})),
        PEOPLE, "/parameters/min_age/default", ["expected integer", "'15'"]),
    "unit: folder without manifest": (
        lambda root: (root / "unit_functions" / "empty").mkdir(),
        "c/unit_functions/empty", "", ["unit function folder without unit.yaml"]),
    "unit: duplicate YAML key": (
        put("unit_functions/people/unit.yaml", "id: people\ntitle: 가\ntitle: 나\n"),
        PEOPLE, "", ["invalid YAML at line 3, column 1: found duplicate key 'title'"]),
    "unit: YAML syntax error": (
        put("unit_functions/people/unit.yaml", "id: people\ntitle: [가, 나\nlayer: 2\n"),
        PEOPLE, "", ["invalid YAML at line"]),
    "unit: empty manifest": (
        put("unit_functions/people/unit.yaml", ""),
        PEOPLE, "", ["the file is empty"]),
    # facility profiles
    "profile: code does not match file": (
        put("facility_profiles/center.yaml", profile("centre", ["people"])),
        CENTER, "/code", ["code 'centre' does not match the file name 'center.yaml'"]),
    "profile: missing unit function": (
        put("facility_profiles/center.yaml", profile("center", ["people", "ghost"])),
        CENTER, "/menu/0/items/1/unit", ["unit function 'ghost' not found",
                                         "unit_functions/ghost/unit.yaml"]),
    "profile: unit twice in the menu": (
        put("facility_profiles/center.yaml", profile("center", ["people", "people"])),
        CENTER, "/menu/0/items/1/unit", ["already in the menu at /menu/0/items/0"]),
    "profile: grant for a unit not in the menu": (
        put("facility_profiles/center.yaml", profile("center", ["people"], roles=[
            {"id": "staff", "title": "직원",
             "grants": {"notes": {"actions": ["view"], "scope": "own"}}}])),
        CENTER, "/roles/0/grants/notes", ["unit function 'notes' is not in this profile's menu"]),
    "profile: grant of an undeclared action": (
        put("facility_profiles/center.yaml", profile("center", ["people"], roles=[
            {"id": "staff", "title": "직원",
             "grants": {"people": {"actions": ["view", "approve"], "scope": "own"}}}])),
        CENTER, "/roles/0/grants/people/actions/1",
        ["unit function 'people' declares no action 'approve'"]),
    "profile: wildcard grant of an action no unit declares": (
        put("facility_profiles/center.yaml", profile("center", ["people"], roles=[
            {"id": "staff", "title": "직원",
             "grants": {"*": {"actions": ["view", "approve"], "scope": "own"}}}])),
        CENTER, "/roles/0/grants/*/actions/1",
        ["no unit function in the menu declares action 'approve'"]),
    "profile: unknown grant scope": (
        put("facility_profiles/center.yaml", profile("center", ["people"], roles=[
            {"id": "staff", "title": "직원",
             "grants": {"people": {"actions": ["view"], "scope": "region"}}}])),
        CENTER, "/roles/0/grants/people/scope", ["'region' is not one of"]),
    "profile: unknown role in exclusive_roles": (
        home_with(exclusive_roles=[["leader", "manager"]]),
        HOME, "/exclusive_roles/0/1", ["unknown role 'manager'"]),
    "profile: duplicate role id": (
        home_with(roles=[*HOME_ROLES, {"id": "leader", "title": "팀장2"}]),
        HOME, "/roles/3/id", ["duplicate role id 'leader'", "/roles/1"]),
    "profile: override of an undeclared parameter": (
        home_with(menu=[{"group": "대상자", "items": [
            {"unit": "people", "parameters": {"max_age": 18}}, {"unit": "notes"}]}]),
        HOME, "/menu/0/items/0/parameters/max_age",
        ["unit function 'people' declares no parameter 'max_age'"]),
    "profile: override of the wrong type": (
        home_with(menu=[{"group": "대상자", "items": [
            {"unit": "people", "parameters": {"min_age": "15"}}, {"unit": "notes"}]}]),
        HOME, "/menu/0/items/0/parameters/min_age",
        ["expected integer for parameter 'min_age', got '15'"]),
    "profile: official kind code not six digits": (
        put("facility_profiles/center.yaml",
            profile("center", ["people"], official_kind_code=20101)),
        CENTER, "/official_kind_code", ["20101 is not of type 'string'"]),
    # BPMN
    "bpmn: not valid against the BPMN schema": (
        edit("workflows/bpmn/review.bpmn", '<bpmn:endEvent id="end">',
             '<bpmn:bogus id="zz" /><bpmn:endEvent id="end">'),
        BPMN_FILE, "/review/zz", ["Element 'bpmn:bogus': This element is not expected",
                                  "(line 37)"]),
    "bpmn: XML syntax error": (
        edit("workflows/bpmn/review.bpmn", "</bpmn:process>", ""),
        BPMN_FILE, "", ["invalid XML at line"]),
    "bpmn: process without a start event": (
        edit("workflows/bpmn/review.bpmn",
             '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
             ""),
        BPMN_FILE, "/review", ["No start event found", "(line 5)"]),
    "bpmn: gateway flow without condition": (
        edit("workflows/bpmn/review.bpmn",
             '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />', GATEWAY),
        BPMN_FILE, "/review/f5", ["Non-default exclusive outgoing sequence flow without "
                                  "condition", "(line 50)"]),
    "bpmn: user task naming a missing form": (
        put("workflows/bpmn/review.bpmn", bpmn(review_form="verdict.json")),
        BPMN_FILE, "/review/check", ["names form file 'verdict.json', which is not in any "
                                     "forms/ folder", "(line 28)"]),
    "bpmn: call activity to a missing process": (
        edit("workflows/bpmn/review.bpmn", '<bpmn:sequenceFlow id="f3" sourceRef="check" '
             'targetRef="end" />', '<bpmn:callActivity id="call" calledElement="ghost">'
             '<bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>'
             '</bpmn:callActivity><bpmn:sequenceFlow id="f3" sourceRef="check" targetRef='
             '"call" /><bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="end" />'),
        BPMN_FILE, "/review/call", ["calls process 'ghost', which no BPMN file defines"]),
    "bpmn: duplicate process id in another file": (
        put("workflows/bpmn/second.bpmn", bpmn("review")),
        "c/workflows/bpmn/second.bpmn", "/review",
        ["duplicate process id 'review': also defined in c/workflows/bpmn/review.bpmn"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_problem(root: Path, case: str) -> None:
    mutate, path, where, fragments = CASES[case]
    mutate(root)
    problem = only_problem(root)
    assert (problem.path, problem.pointer) == (path, where), str(problem)
    for fragment in fragments:
        assert fragment in problem.message, str(problem)
    assert str(problem) == f"{path}:{where}: {problem.message}"


def test_problems_in_a_subprocess_name_the_subprocess(root: Path) -> None:
    inner = """
    <bpmn:subProcess id="sub">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:startEvent id="s2"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="inner"><bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="ghost.json" />
        </spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>g1</bpmn:incoming>
        <bpmn:outgoing>g2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="e2"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="g1" sourceRef="s2" targetRef="inner" />
      <bpmn:sequenceFlow id="g2" sourceRef="inner" targetRef="e2" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f4" sourceRef="sub" targetRef="end" />"""
    text = bpmn(extra=inner).replace('sourceRef="check" targetRef="end"',
                                     'sourceRef="check" targetRef="sub"')
    text = text.replace("<bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>",
                        "<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>")
    write(root, "workflows/bpmn/review.bpmn", text)
    problem = only_problem(root)
    assert (problem.path, problem.pointer) == (BPMN_FILE, "/review/sub/inner")
    assert "user task 'inner' names form file 'ghost.json'" in problem.message


def test_a_process_calling_a_broken_process_says_so(root: Path) -> None:
    caller = bpmn("caller").replace(
        '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="end" />',
        '<bpmn:callActivity id="call" calledElement="review"><bpmn:incoming>f3</bpmn:incoming>'
        '<bpmn:outgoing>f4</bpmn:outgoing></bpmn:callActivity>'
        '<bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="call" />'
        '<bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="end" />')
    write(root, "workflows/bpmn/caller.bpmn", caller)
    assert problems_of(root) == []
    write(root, "workflows/bpmn/review.bpmn", bpmn().replace(
        '<bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>', ""))
    assert [(p.path, p.pointer) for p in problems_of(root)] == [
        ("c/workflows/bpmn/caller.bpmn", "/caller"),
        (BPMN_FILE, "/review"),
    ]


def test_a_broken_file_is_reported_once_not_by_every_user(root: Path) -> None:
    write(root, "forms/person.json", "{")
    write(root, "unit_functions/notes/unit.yaml", "id: [")
    write(root, "workflows/bpmn/review.bpmn", "<bpmn:definitions")
    assert [(p.path, p.pointer) for p in problems_of(root)] == [
        ("c/forms/person.json", ""),
        (NOTES, ""),
        (BPMN_FILE, ""),
    ]


def test_all_problems_are_collected_and_sorted(root: Path) -> None:
    write(root, "forms/note.json", form("상담", body={"type": "text"}))
    write(root, "facility_profiles/center.yaml", profile("center", ["ghost", "people", "spook"]))
    write(root, "unit_functions/people/unit.yaml",
          unit("people", forms=["person", "nothing"], parameters=PEOPLE_PARAMETERS))
    write(root, "workflows/bpmn/review.bpmn", bpmn(write_form="ghost.json"))
    problems = problems_of(root)
    assert [(p.path, p.pointer) for p in problems] == [
        (CENTER, "/menu/0/items/0/unit"),
        (CENTER, "/menu/0/items/2/unit"),
        (NOTE_FORM, "/properties/body/type"),
        (PEOPLE, "/forms/1"),
        (BPMN_FILE, "/review/write"),
    ]


@pytest.mark.parametrize(("relative", "content", "where"), [
    ("forms/person.json", form("다른 인적사항"), ""),
    ("unit_functions/people/unit.yaml", unit("people"), "/id"),
    ("facility_profiles/center.yaml", profile("center", ["people"]), "/code"),
])
def test_duplicate_ids_across_roots_name_both_files(
        root: Path, tmp_path: Path, relative: str, content: object, where: str) -> None:
    other = tmp_path / "other"
    write(other, relative, content)
    problems = problems_of(root, other)
    assert len(problems) == 1, problems
    assert (problems[0].path, problems[0].pointer) == (f"other/{relative}", where)
    assert problems[0].message.endswith(f"also defined in c/{relative}")
    assert problems[0].message.startswith("duplicate ")


def test_roots_that_are_not_content_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    problems = problems_of(tmp_path / "missing", tmp_path / "empty")
    assert [(p.path, p.pointer) for p in problems] == [("empty", ""), ("missing", "")]
    assert "not a content root" in problems[0].message
    assert "content root not found" in problems[1].message


def test_paths_outside_the_current_directory_are_absolute(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = valid_tree(tmp_path / "c")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    write(root, "unit_functions/people/unit.yaml", unit("persons"))
    (problem,) = problems_of(root)
    assert problem.path == str(root / "unit_functions" / "people" / "unit.yaml")


def test_references_are_checked_in_files_with_other_problems(root: Path) -> None:
    write(root, "facility_profiles/center.yaml",
          {"code": "center", "title": "센터", "menu": [{"group": "메뉴", "items": [
              {"unit": "ghost"}]}], "roles": []})
    write(root, "unit_functions/notes/unit.yaml", unit(
        "notes", layer=9, forms=["note", "decision", "nothing"], processes=["review"],
        actions=["view", "create", "update", "approve"]))
    assert [(p.path, p.pointer) for p in problems_of(root)] == [
        (CENTER, ""),  # statute missing
        (CENTER, ""),  # target_group missing
        (CENTER, "/menu/0/items/0/unit"),
        (CENTER, "/roles"),
        (NOTES, "/forms/2"),
        (NOTES, "/layer"),
    ]


def test_a_lane_that_is_no_role_of_the_profile(root: Path) -> None:
    home = root / "facility_profiles" / "home.yaml"
    home.write_text(home.read_text(encoding="utf-8").replace("id: leader", "id: head")
                    .replace("- leader", "- head"), encoding="utf-8")
    problem = only_problem(root)
    assert problem.path == HOME
    assert problem.pointer == "/menu/1/items/0/unit"
    assert "process 'review' of unit function 'notes' has lane 'leader'" in problem.message
