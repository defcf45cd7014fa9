"""The form builder's model (ieum.studio.forms): every shipped form opens in the builder and
saves back meaning the same; edits of the model make the expected schema; the checks speak
Korean and point into the schema."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.definitions import load_registry
from ieum.forms.fields import field_tree
from ieum.studio import forms as builder
from ieum.studio.problems import StudioProblem

TESTS = Path(__file__).parent


def _shipped_forms() -> list[Path]:
    """Every form the repository ships (shared parts are not forms), the test content's and
    the example packages' forms too."""
    found = [path for path in sorted((REPOSITORY_ROOT / "forms").rglob("*.json"))
             if not any(part.startswith("_") for part in
                        path.relative_to(REPOSITORY_ROOT / "forms").parts)]
    found += sorted(TESTS.glob("content/forms/**/*.json"))
    found += sorted(TESTS.glob("vendor_*/**/content/forms/**/*.json"))
    return found


SHIPPED = _shipped_forms()


def _numbered(schema: dict) -> bool:
    """Whether every field, at any depth, has an ``x-ui.order`` (the builder numbers the
    fields of a form that does not, so that storage that sorts keys keeps the screen order)."""
    ui = schema.get("x-ui") or {}
    for name, prop in schema.get("properties", {}).items():
        if "order" not in (ui.get(name) or {}):
            return False
        nested = prop.get("items") if isinstance(prop.get("items"), dict) else prop
        if isinstance(nested.get("properties"), dict) and not _numbered(nested):
            return False
    return True


def test_the_repositorys_own_forms_number_every_field() -> None:
    own = [path for path in SHIPPED if REPOSITORY_ROOT / "forms" in path.parents]
    assert own and all(_numbered(json.loads(path.read_text("utf-8"))) for path in own)


@pytest.fixture(scope="module")
def registry():
    return load_registry([REPOSITORY_ROOT], plugins=False)


def test_there_are_shipped_forms_to_open() -> None:
    names = {path.stem for path in SHIPPED}
    assert len(SHIPPED) >= 49 and {"resolution", "spending_request", "case_closure"} <= names


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_form_round_trips(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    model = json.loads(json.dumps(builder.to_model(schema)))  # as the browser holds it
    saved = builder.to_schema(model)
    assert builder.normalised(saved) == builder.normalised(schema)
    if _numbered(schema):  # every field has its x-ui.order: the very same JSON comes back
        assert saved == schema


def test_references_stay_references() -> None:
    schema = json.loads((REPOSITORY_ROOT / "forms" / "resolution.json").read_text("utf-8"))
    model = builder.to_model(schema)
    funding = next(f for f in model["fields"] if f["name"] == "funding")
    assert funding["kind"] == "ref" and funding["ref"] == "_parts/accounts.json#/$defs/funding"
    rows = next(f for f in model["fields"] if f["name"] == "items")
    account = next(c for c in rows["children"] if c["name"] == "account")
    saved = builder.to_schema(model)
    assert saved["properties"]["funding"] == {"$ref": "_parts/accounts.json#/$defs/funding"}
    assert saved["properties"]["items"]["items"]["properties"]["account"]["oneOf"][0] == {
        "$ref": "_parts/accounts.json#/$defs/income_account"}
    assert account["kind"] == "select"
    assert saved["x-constants"] == schema["x-constants"]


def test_the_model_lists_fields_in_screen_order_with_their_kinds() -> None:
    schema = json.loads((REPOSITORY_ROOT / "forms" / "spending_request.json").read_text("utf-8"))
    model = builder.to_model(schema)
    assert [f["name"] for f in model["fields"]][:5] == [
        "requested_on", "project", "account", "funding", "estimated_amount"]
    kinds = {f["name"]: f["kind"] for f in model["fields"]}
    assert kinds == {"requested_on": "date", "project": "text", "account": "ref",
                     "funding": "ref", "estimated_amount": "integer", "content": "textarea",
                     "attachment": "file", "attachment_2": "file"}


def test_a_moved_field_renumbers_the_order_and_the_screen_follows(registry) -> None:
    schema = json.loads((REPOSITORY_ROOT / "forms" / "spending_request.json").read_text("utf-8"))
    model = builder.to_model(schema)
    content = model["fields"].pop(5)
    model["fields"].insert(0, content)
    saved = builder.to_schema(model)
    form, problems = builder.form_def(saved, registry, "spending_request")
    assert problems == [] and form is not None
    assert [f.name for f in field_tree(form).fields][:3] == ["content", "requested_on",
                                                             "project"]
    assert saved["x-ui"]["content"]["order"] == 1


def _built() -> dict:
    """A form built in the model as the builder's palette and panels build it."""
    model = builder.new_model("방문 상담 기록")
    fields = model["fields"]
    fields.append(builder.new_field("date", "visited_on", "방문일"))
    fields[-1]["required"] = True
    fields.append(builder.new_field("radio", "visit_kind", "방문 구분"))
    fields[-1]["choices"] = [{"value": "home", "label": "가정 방문"},
                             {"value": "other", "label": "기타"}]
    fields.append(builder.new_field("text", "other_kind", "기타 구분"))
    fields[-1]["visible"] = 'visit_kind == "other"'
    fields.append(builder.new_field("integer", "minutes", "상담 시간(분)"))
    fields[-1].update(minimum=1, maximum=600)
    fields.append(builder.new_field("integer", "hours", "상담 시간(시간)"))
    fields[-1]["computed"] = "round(minutes / 60, 1)"
    fields[-1]["kind"] = "number"
    fields.append(builder.new_field("date", "next_visit", "다음 방문일"))
    fields.append(builder.new_field("rrn", "guardian_rrn", "보호자 주민등록번호"))
    fields.append(builder.new_field("checkboxes", "needs", "필요한 도움"))
    fields[-1]["choices"] = [{"value": "meal", "label": "식사"},
                             {"value": "bath", "label": "목욕"}]
    rows = builder.new_field("rows", "family", "가족")
    rows["children"] = [builder.new_field("text", "relation", "관계")]
    fields.append(rows)
    for field in fields[:4]:
        field["ui"]["section"] = "방문"
    model["rules"].append({"rule": "next_visit > visited_on",
                           "message": "다음 방문일은 방문일보다 뒤여야 합니다.",
                           "fields": ["next_visit"]})
    return model


def test_model_edits_make_the_expected_schema(registry) -> None:
    schema = builder.to_schema(_built())
    assert schema["$schema"] == builder.SCHEMA_URI and schema["type"] == "object"
    assert list(schema["properties"]) == ["visited_on", "visit_kind", "other_kind", "minutes",
                                          "hours", "next_visit", "guardian_rrn", "needs",
                                          "family"]
    assert schema["properties"]["visited_on"] == {"type": "string", "format": "date",
                                                  "title": "방문일"}
    assert schema["properties"]["visit_kind"]["oneOf"] == [
        {"const": "home", "title": "가정 방문"}, {"const": "other", "title": "기타"}]
    assert schema["properties"]["minutes"] == {"type": "integer", "title": "상담 시간(분)",
                                               "minimum": 1, "maximum": 600}
    assert schema["properties"]["needs"] == {
        "type": "array", "uniqueItems": True, "title": "필요한 도움",
        "items": {"type": "string", "oneOf": [{"const": "meal", "title": "식사"},
                                              {"const": "bath", "title": "목욕"}]}}
    assert schema["properties"]["family"]["items"]["properties"]["relation"]["title"] == "관계"
    assert schema["required"] == ["visited_on"]
    assert schema["x-visible"] == {"other_kind": 'visit_kind == "other"'}
    assert schema["x-computed"] == {"hours": "round(minutes / 60, 1)"}
    assert schema["x-sensitive"] == {"guardian_rrn": "rrn"}
    assert schema["x-ui"]["visit_kind"] == {"widget": "radio", "section": "방문", "order": 2}
    assert schema["x-ui"]["family"] == {"widget": "rows", "order": 9}
    assert schema["properties"]["family"]["items"]["x-ui"] == {"relation": {"order": 1}}
    assert builder.check(schema, registry, "visit_counselling") == []
    form, problems = builder.form_def(schema, registry, "visit_counselling")
    assert problems == [] and form is not None
    tree = field_tree(form)
    assert [title for title, _ in tree.sections] == ["방문", None]
    kinds = {f.name: f.kind for f in tree.fields}
    assert kinds["visit_kind"] == "radio" and kinds["guardian_rrn"] == "rrn"
    assert kinds["needs"] == "checkboxes" and kinds["family"] == "rows"
    assert builder.to_model(schema)["fields"] == builder.to_model(
        builder.to_schema(builder.to_model(schema)))["fields"]


def test_the_preview_validation_is_the_form_engines(registry) -> None:
    schema = builder.to_schema(_built())
    form, _ = builder.form_def(schema, registry, "visit_counselling")
    day = dt.date(2026, 3, 10)
    data, errors = builder.validate_sample(form, {"visit_kind": "home", "other_kind": "x",
                                                  "minutes": 90, "visited_on": "2026-03-10",
                                                  "next_visit": "2026-03-01"}, day)
    assert errors == {"next_visit": ["다음 방문일은 방문일보다 뒤여야 합니다."]}
    assert "other_kind" not in data and data["hours"] == 1.5
    _data, errors = builder.validate_sample(form, {"minutes": 0, "guardian_rrn": "12"}, day)
    assert set(errors) == {"visited_on", "minutes", "guardian_rrn"}


def _messages(found: list[StudioProblem]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for problem in found:
        out.setdefault(problem.pointer, []).append(problem.message)
    return out


def test_every_shipped_form_passes_the_builders_checks(registry) -> None:
    for key, form in registry.forms.items():
        body = json.loads(form.path.read_text(encoding="utf-8"))
        assert builder.check(body, registry, key) == [], key


def test_checks_point_into_the_schema_in_korean(registry) -> None:
    schema = builder.to_schema(_built())
    broken = copy.deepcopy(schema)
    broken["properties"]["visit_kind"]["oneOf"].append({"const": "home", "title": "중복"})
    broken["properties"]["minutes"]["minimum"] = 700
    broken["properties"]["Bad-Name"] = {"type": "string"}
    broken["x-visible"]["other_kind"] = 'visit_kind == "other'
    broken["x-computed"]["hours"] = "round(minute / 60)"
    broken["x-rules"][0]["rule"] = "next_visit >"
    broken["x-rules"][0]["fields"] = ["nowhere"]
    broken["x-sensitive"]["needs"] = "secret"
    broken["title"] = ""
    found = _messages(builder.check(broken, registry, "visit_counselling"))
    assert found["/title"] == ["양식 제목을 쓰세요"]
    assert found["/properties/visit_kind/oneOf/2"] == ["선택지 값이 겹칩니다: home"]
    assert found["/properties/minutes"] == ["최솟값이 최댓값보다 큽니다"]
    assert any("영문 소문자로 시작" in m for m in found["/properties/Bad-Name"])
    assert found["/properties/Bad-Name/title"] == ["항목 'Bad-Name'의 제목(한국어)을 쓰세요"]
    assert found["/x-visible/other_kind"] == [
        "표시 조건: 식의 문법이 맞지 않습니다 (15번째 글자): 따옴표가 닫히지 않았습니다"]
    assert found["/x-computed/hours"] == [
        "계산식: 이 양식에 없는 이름입니다: minute (항목 이름이나 params, record_counts, "
        "subject를 쓰세요)"]
    assert found["/x-rules/0/rule"][0].startswith("검증 규칙: 식의 문법이 맞지 않습니다")
    assert found["/x-rules/0/fields/0"] == ["검증 규칙이 없는 항목 'nowhere'을(를) 가리킵니다"]
    assert found["/x-sensitive/needs"] == ["민감정보 분류는 rrn, private, health 중 하나입니다"]


def test_a_reference_to_nothing_is_reported_where_it_is(registry) -> None:
    schema = json.loads((REPOSITORY_ROOT / "forms" / "spending_request.json").read_text("utf-8"))
    schema["properties"]["funding"]["$ref"] = "_parts/accounts.json#/$defs/nothing"
    found = builder.check(schema, registry, "spending_request")
    assert [p.pointer for p in found] == ["/properties/funding/$ref"]
    assert found[0].message.startswith("공유 부품 참조($ref)를 풀 수 없습니다")


def test_two_fields_with_one_name_are_a_problem_of_the_model() -> None:
    model = _built()
    model["fields"].append(builder.new_field("text", "minutes", "다시 분"))
    model["fields"][8]["children"].append(builder.new_field("text", "relation", "관계 2"))
    assert builder.model_problems(model) == [
        StudioProblem("/properties/family/items/properties/relation",
                      "항목 이름 'relation'이(가) 두 번 쓰였습니다"),
        StudioProblem("/properties/minutes", "항목 이름 'minutes'이(가) 두 번 쓰였습니다")]
    assert builder.model_problems(_built()) == []


def test_a_body_that_is_not_an_object_is_one_problem() -> None:
    assert builder.check(["not", "a", "form"], None) == [
        StudioProblem("", "양식은 JSON 객체여야 합니다")]


def test_new_field_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError):
        builder.new_field("colour", "c", "색")
