"""The content studio's drafts API (issue 22): load, save with versions, 409 on a stale base,
400 on a body of the wrong type, checks mapped to pointers, and who may come in."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from ieum.definitions import default_content_root, load_registry
from ieum.services.studio.checks import check_documents, live_body
from ieum.store.models import AuditEvent
from ieum.store.models_studio import StudioDocument, StudioVersion
from tests.studioutil import TODAY, post_json, put_json, seed_people, signed_in


@pytest.fixture
def studio_app(make_app, migrated_url):  # noqa: ANN001, ANN201 - fixtures
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_people(app)
    return app


def visit_note(app) -> dict:  # noqa: ANN001
    response = signed_in(app, "author").get("/content/form/visit_note/document")
    assert response.status_code == 200
    return response.get_json()


def test_a_shipped_form_loads_with_no_version(studio_app) -> None:
    data = visit_note(studio_app)
    assert data["kind"] == "form" and data["key"] == "visit_note"
    assert data["version"] is None and data["status"] == "shipped"
    assert data["body"]["properties"]["visit_date"]["title"] == "방문일"
    assert data["problems"] == []


def test_an_unknown_document_is_404_and_an_unknown_kind_too(studio_app) -> None:
    client = signed_in(studio_app, "author")
    missing = client.get("/content/form/no_such_form/document")
    assert missing.status_code == 404
    assert "없습니다" in missing.get_json()["error"]
    assert client.get("/content/widget/visit_note/document").status_code == 404


def test_saves_make_versions_and_a_stale_base_is_refused(studio_app) -> None:
    client = signed_in(studio_app, "author")
    body = visit_note(studio_app)["body"]
    body["properties"]["place"] = {"type": "string", "title": "장소"}
    first = put_json(client, "/content/form/visit_note/document",
                     {"body": body, "base_version": None, "note": "장소 추가"})
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_json()["version"] == 1
    assert first.get_json()["problems"] == []
    second_body = copy.deepcopy(body)
    second_body["properties"]["place"]["title"] = "방문 장소"
    second = put_json(client, "/content/form/visit_note/document",
                      {"body": second_body, "base_version": 1})
    assert second.get_json()["version"] == 2
    # someone who still has version 1 open is refused, and nothing is overwritten
    other = signed_in(studio_app, "author2")
    stale = put_json(other, "/content/form/visit_note/document",
                     {"body": body, "base_version": 1})
    assert stale.status_code == 409
    assert "다른 사용자가 먼저" in stale.get_json()["error"]
    assert put_json(other, "/content/form/visit_note/document",
                    {"body": body, "base_version": None}).status_code == 409
    loaded = client.get("/content/form/visit_note/document").get_json()
    assert loaded["version"] == 2 and loaded["status"] == "draft"
    assert loaded["body"]["properties"]["place"]["title"] == "방문 장소"
    assert loaded["package"] == "studio_visit_note"
    with studio_app.extensions["ieum.database"].session() as session:
        document = session.scalar(select(StudioDocument).where(StudioDocument.key == "visit_note"))
        numbers = session.scalars(select(StudioVersion.number).where(
            StudioVersion.document_id == document.id).order_by(StudioVersion.number)).all()
        assert numbers == [1, 2]
        saves = session.scalars(select(AuditEvent).where(AuditEvent.action == "studio.save")).all()
        assert [(e.login, e.detail["version"]) for e in saves] == [("author", 1), ("author", 2)]


def test_a_body_of_the_wrong_type_is_400(studio_app) -> None:
    client = signed_in(studio_app, "author")
    as_text = put_json(client, "/content/form/visit_note/document",
                       {"body": "not an object", "base_version": None})
    assert as_text.status_code == 400
    assert "JSON 객체" in as_text.get_json()["error"]
    process = put_json(client, "/content/process/reminder/document",
                       {"body": {"xml": "<x/>"}, "base_version": None})
    assert process.status_code == 400
    assert "BPMN XML" in process.get_json()["error"]
    assert put_json(client, "/content/form/visit_note/document",
                    {"base_version": None}).status_code == 400
    assert put_json(client, "/content/form/visit_note/document",
                    ["a list"]).status_code == 400


def test_check_maps_problems_to_pointers_and_saves_nothing(studio_app) -> None:
    client = signed_in(studio_app, "author")
    body = visit_note(studio_app)["body"]
    body["properties"]["visit_date"]["type"] = "date"  # not a JSON Schema type
    checked = post_json(client, "/content/form/visit_note/check", {"body": body})
    assert checked.status_code == 200
    problems = checked.get_json()["problems"]
    assert problems, "an invalid type must be reported"
    assert any(p["pointer"].startswith("/properties/visit_date") for p in problems), problems
    assert client.get("/content/form/visit_note/document").get_json()["version"] is None


def test_a_saved_draft_keeps_its_problems_and_a_unit_problem_points_into_the_manifest(
        studio_app) -> None:
    client = signed_in(studio_app, "author")
    unit = client.get("/content/unit/visits/document").get_json()
    assert unit["body"]["id"] == "visits"
    unit["body"]["forms"] = ["visit_note", "no_such_form"]
    saved = put_json(client, "/content/unit/visits/document",
                     {"body": unit["body"], "base_version": None})
    assert saved.status_code == 200
    problems = saved.get_json()["problems"]
    assert any(p["pointer"] == "/forms/1"
               and p["message"].startswith("양식 'no_such_form'을(를) 찾을 수 없습니다 — ")
               for p in problems), problems


def test_a_profile_that_breaks_because_of_a_draft_unit_is_reported(studio_app) -> None:
    client = signed_in(studio_app, "author")
    unit = client.get("/content/unit/visits/document").get_json()["body"]
    unit["actions"] = ["view", "create"]  # alpha_home's leader is granted approve on visits
    problems = post_json(client, "/content/unit/visits/check", {"body": unit}).get_json()[
        "problems"]
    assert any("alpha_home" in p["message"] and p["pointer"] == "" for p in problems), problems


def test_a_new_process_is_checked_as_bpmn(studio_app) -> None:
    client = signed_in(studio_app, "author")
    reminder = client.get("/content/process/reminder/document").get_json()
    assert reminder["body"].lstrip().startswith("<")
    broken = post_json(client, "/content/process/reminder/check",
                       {"body": "<definitions>unclosed"})
    assert broken.status_code == 200
    assert broken.get_json()["problems"]


def test_staff_and_strangers_may_not_come_in(studio_app) -> None:
    staff = signed_in(studio_app, "staff")
    assert staff.get("/content/").status_code == 403
    refused = staff.get("/content/form/visit_note/document")
    assert refused.status_code == 403
    assert "권한이 없습니다" in refused.get_json()["error"]
    anonymous = studio_app.test_client().get("/content/form/visit_note/document")
    assert anonymous.status_code in (302, 401)


def test_a_reviewer_reads_but_may_not_save(studio_app) -> None:
    reviewer = signed_in(studio_app, "checker")
    body = reviewer.get("/content/form/visit_note/document").get_json()["body"]
    refused = put_json(reviewer, "/content/form/visit_note/document",
                       {"body": body, "base_version": None})
    assert refused.status_code == 403
    assert "작성자만" in refused.get_json()["error"]


def test_saving_without_the_csrf_token_is_refused(studio_app) -> None:
    client = signed_in(studio_app, "author")
    body = visit_note(studio_app)["body"]
    refused = client.put("/content/form/visit_note/document",
                         json={"body": body, "base_version": None})
    assert refused.status_code == 400
    assert "보안 토큰" in refused.get_json()["error"]


@pytest.mark.parametrize("kind,key", [("form", "resolution"), ("process", "approval"),
                                      ("unit", "counselling"), ("profile", "child_home")])
def test_shipped_documents_check_clean_when_overlaid_on_themselves(kind: str, key: str) -> None:
    """The overlay check finds nothing in an unchanged shipped document (a form with ``$ref``
    to a shared part, a process, a unit, a profile of the repository's content)."""
    registry = load_registry([default_content_root()], plugins=False)
    body = live_body(registry, kind, key)
    assert body is not None
    assert check_documents(registry, {(kind, key): body}) == {(kind, key): []}
