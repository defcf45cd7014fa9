"""The form builder's web side: the page, the JSON helpers (model, render with the preview
drawn by the facility screens' templates and validated by the form engine, expression
check), who may use them, and the program studio's annex built with the same builder."""

from __future__ import annotations

import json
import re

import pytest

from ieum.config import REPOSITORY_ROOT
from ieum.studio import forms as builder
from tests.studioutil import seed_people
from tests.test_catalog_platform import TODAY, seed
from tests.test_studio_forms import _built
from tests.webutil import csrf_token, login


@pytest.fixture
def app(make_app, sqlite_url, sqlite_template):
    """The shipped content on SQLite (the builder keeps nothing in the database)."""
    sqlite_template.copy_to(sqlite_url)
    built = make_app(sqlite_url, [REPOSITORY_ROOT], IEUM_TODAY=TODAY.isoformat())
    seed(built)  # pdesigner (program_designer), cworker (a facility's worker) ...
    seed_people(built)  # author (content_author), checker (content_reviewer) ...
    return built


def _client(app, login_name: str):
    client = app.test_client()
    assert login(client, login_name).status_code in (302, 303)
    return client


def _token(client) -> str:
    page = client.get("/studio/new").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(client, url: str, body: dict):
    return client.post(url, json=body, headers={"X-CSRFToken": _token(client)})


def test_the_builder_page_is_a_shell_with_its_own_files(app) -> None:
    client = _client(app, "author")
    response = client.get("/content/form/visit_counselling/edit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'data-document-url="/content/form/visit_counselling/document"' in page
    assert "static/studio-form-builder.js" in page and "studio-form-builder.css" in page
    assert "<script>" not in page and "onclick=" not in page and ' style="' not in page
    for kind in ("짧은 글", "긴 글", "날짜", "선택(목록)", "여러 개 선택", "예/아니오", "첨부파일",
                 "주민등록번호", "반복 행(표)", "묶음"):
        assert f"</span>{kind}</button>" in page
    assert client.get("/content/form/Not-A-Key/edit").status_code == 404


def test_people_without_a_studio_role_get_403(app) -> None:
    assert _client(app, "checker").get("/content/form/discharge/edit").status_code == 200
    designer = _client(app, "pdesigner")  # builds annexes in the program studio, not forms
    assert designer.get("/content/form/discharge/edit").status_code == 403
    worker = _client(app, "cworker")
    refused = worker.get("/content/form/discharge/edit")
    assert refused.status_code == 403 and "콘텐츠 스튜디오를 쓸 권한이 없습니다" in \
        refused.get_data(as_text=True)
    token = csrf_token(worker, "/content/form/discharge/edit")  # the 403 page has one
    response = worker.post("/content/form-builder/expression", json={"text": "1", "names": []},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/content/form/discharge/edit").status_code == 302


def test_model_endpoint_reads_a_shipped_form(app) -> None:
    client = _client(app, "pdesigner")
    schema = json.loads((REPOSITORY_ROOT / "forms" / "case_closure.json").read_text("utf-8"))
    answer = _post(client, "/content/form-builder/model", {"body": schema}).get_json()
    assert answer["model"] == builder.to_model(schema)
    assert _post(client, "/content/form-builder/model", {"body": [1]}).status_code == 400


def test_render_gives_schema_problems_and_the_facility_screens_preview(app) -> None:
    client = _client(app, "pdesigner")
    model = _built()
    answer = _post(client, "/content/form-builder/render",
                   {"model": model, "key": "visit_counselling"}).get_json()
    assert answer["problems"] == []
    assert answer["schema"] == builder.to_schema(model)
    html = answer["html"]
    # drawn by records/_fields.html: the same wrappers, tabs, conditions and row template
    assert 'class="ieum-form"' in html and 'data-field="visit_kind"' in html
    assert 'role="tab"' in html and ">방문<" in html
    assert 'data-visible=' in html and 'data-add-row="family"' in html
    assert 'type="radio"' in html and "가정 방문" in html
    assert "저장할 때 자동으로 계산됩니다." in html


def test_render_says_which_fields_are_required_under_a_condition(app) -> None:
    client = _client(app, "author")
    schema = json.loads((REPOSITORY_ROOT / "forms" / "case_closure.json").read_text("utf-8"))
    answer = _post(client, "/content/form-builder/render",
                   {"model": builder.to_model(schema), "key": "case_closure"}).get_json()
    assert answer["problems"] == [] and answer["schema"] == schema
    assert answer["required_when"]["transfer_agency"] == "종결 사유: 타 기관 이관일 때 필수"


def test_render_reports_problems_with_pointers_and_no_preview(app) -> None:
    client = _client(app, "pdesigner")
    model = _built()
    model["fields"][2]["visible"] = "visit_kind =="
    answer = _post(client, "/content/form-builder/render", {"model": model}).get_json()
    assert answer["html"] == ""
    assert answer["problems"][0]["pointer"] == "/x-visible/other_kind"
    assert answer["problems"][0]["message"].startswith("표시 조건: 식의 문법이 맞지 않습니다")
    bad = _post(client, "/content/form-builder/render", {"model": {"fields": "x"}})
    assert bad.status_code == 400


def test_preview_validation_uses_the_platforms_validator(app) -> None:
    client = _client(app, "pdesigner")
    model = _built()
    data = {"__model": json.dumps(model), "__key": "visit_counselling", "__validate": "1",
            "visited_on": "2026-03-10", "visit_kind": "home", "minutes": "abc",
            "next_visit": "2026-03-01", "guardian_rrn": "123"}
    answer = client.post("/content/form-builder/render", data=data,
                         headers={"X-CSRFToken": _token(client)}).get_json()
    assert answer["valid"] is False
    assert answer["errors"]["minutes"] == ["정수를 입력하세요"]
    assert answer["errors"]["next_visit"] == ["다음 방문일은 방문일보다 뒤여야 합니다."]
    assert "guardian_rrn" in answer["errors"]
    assert 'data-testid="preview-errors"' in answer["html"]
    assert 'value="2026-03-10"' in answer["html"]  # the sample stays in the preview
    data.update(minutes="90", next_visit="2026-03-20", guardian_rrn="900101-1234567")
    answer = client.post("/content/form-builder/render", data=data,
                         headers={"X-CSRFToken": _token(client)}).get_json()
    assert answer["errors"] == {} and answer["valid"] is True
    assert answer["data"]["hours"] == 1.5
    assert 'data-testid="preview-ok"' in answer["html"]


def test_expression_check_as_you_type(app) -> None:
    client = _client(app, "pdesigner")
    ok = _post(client, "/content/form-builder/expression",
               {"text": "end_date >= start_date", "names": ["start_date", "end_date"]})
    assert ok.get_json() == {"ok": True, "problems": []}
    bad = _post(client, "/content/form-builder/expression",
                {"text": "end_date >= strat_date", "names": ["start_date", "end_date"]})
    assert bad.get_json()["problems"] == [
        "이 양식에 없는 이름입니다: strat_date (항목 이름이나 params, record_counts, "
        "subject를 쓰세요)"]
    context = _post(client, "/content/form-builder/expression",
                    {"text": 'record_counts["x"] > 0', "names": []})
    assert context.get_json()["ok"] is True
    assert _post(client, "/content/form-builder/expression", {"text": 3}).status_code == 400


def test_the_program_studio_embeds_the_builder_for_its_annex(app) -> None:
    client = _client(app, "pdesigner")
    page = client.get("/studio/new").get_data(as_text=True)
    assert 'data-mode="embed"' in page and 'data-input="f-annex_form"' in page
    assert 'name="annex_form" form="program-form"' in page  # the JSON still goes with the form
    assert 'type="submit" class="btn btn-primary" form="program-form"' in page
    assert "static/studio-form-builder.js" in page and "static/studio-program.js" in page
    assert "<script>" not in page and "onclick=" not in page
    # the variables by their Korean names beside the code names, in a picker per expression
    assert 'aria-label="선정기준 식 (참/거짓)에 변수 넣기"' in page
    assert '<option value="income_recognition">소득인정액 — income_recognition</option>' in page
    assert 'data-insert="income_recognition" data-label="소득인정액"' in page
    # the annex builder's JSON helpers answer program designers
    starter = json.loads(re.search(r'name="annex_form" form="program-form"[^>]*>([^<]*)<',
                                   page).group(1).replace("&#34;", '"').replace("&quot;", '"'))
    answer = _post(client, "/content/form-builder/model", {"body": starter}).get_json()
    assert [f["name"] for f in answer["model"]["fields"]] == ["application_reason"]
