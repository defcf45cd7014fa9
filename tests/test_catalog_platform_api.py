"""The catalog's JSON API: published programs, applications filed and read by a facility,
documented in the OpenAPI document (SQLite and PostgreSQL, shipped content)."""

from __future__ import annotations

from sqlalchemy import func, select

from ieum.store.models import AuditEvent
from tests.test_catalog_platform import catalog_app  # noqa: F401 - the fixture
from tests.webutil import PASSWORD

FILING = {
    "programs": ["livelihood-2026"], "person_name": "김하늘",
    "common": {"applicant_name": "김하늘", "applicant_rrn": "0503014123456",
               "address": "서울특별시 종로구 세종대로 1", "phone": "010-1234-5678",
               "household_size": 1, "notice_method": "sms", "consent": True},
    "household": {"size": 1, "region": "seoul"},
    "annexes": {"livelihood-2026": {"work_ability": "incapable",
                                    "has_support_obligor": False}},
}


def _token(client, login_name: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/token",
                           json={"login": login_name, "password": PASSWORD})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_programs_and_an_application_through_the_api(catalog_app) -> None:  # noqa: F811
    client = catalog_app.test_client()
    headers = _token(client, "cworker")
    listed = client.get("/api/v1/programs", headers=headers).get_json()
    assert "livelihood-2026" in {item["code"] for item in listed["items"]}
    one = client.get("/api/v1/programs/livelihood-2026", headers=headers).get_json()
    assert one["definition"]["criteria"] == "income_recognition <= threshold"
    assert "applicant_name" in one["common_application"]["properties"]
    assert client.get("/api/v1/programs/nope", headers=headers).status_code == 404

    created = client.post("/api/v1/f/cat-child/applications", json=FILING, headers=headers)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()["items"][0]
    assert (item["status"], item["decision"], item["decided_by"], item["benefit"]) == (
        "decided", "eligible", "system", 820556)
    assert item["common"]["applicant_rrn"] == "050301-4******"
    got = client.get(f"/api/v1/f/cat-child/applications/{item['id']}", headers=headers)
    assert got.status_code == 200 and got.get_json()["id"] == item["id"]
    with catalog_app.extensions["ieum.database"].session() as session:
        assert session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "application.view")) == 1

    other = _token(client, "oworker")
    assert client.get(f"/api/v1/f/cat-other/applications/{item['id']}",
                      headers=other).status_code == 404
    assert client.get(f"/api/v1/f/cat-child/applications/{item['id']}",
                      headers=other).status_code == 404
    assert client.get("/api/v1/f/cat-child/applications/99999999999999",
                      headers=headers).status_code == 404


def test_api_refuses_bad_filings_with_field_messages(catalog_app) -> None:  # noqa: F811
    client = catalog_app.test_client()
    headers = _token(client, "cworker")
    bad = client.post("/api/v1/f/cat-child/applications", headers=headers,
                      json={**FILING, "household": {"size": "many"}})
    assert bad.status_code == 400
    assert "household.size" in bad.get_json()["fields"]
    for body in ({"programs": "livelihood-2026"}, {"programs": []}, [1, 2],
                 {**FILING, "common": []}, {**FILING, "annexes": {"x": 1}},
                 {**FILING, "subject_id": True}, {**FILING, "person_name": 5}):
        response = client.post("/api/v1/f/cat-child/applications", headers=headers,
                               json=body)
        assert response.status_code in (400, 404), body
    assert client.post("/api/v1/f/cat-child/applications", headers=headers,
                       json={**FILING, "programs": ["nope"]}).status_code == 404
    assert client.post("/api/v1/f/cat-child/applications", headers=headers,
                       json={**FILING, "person_name": "a\x00b"}).status_code == 400
    assert client.get("/api/v1/programs/a%00b", headers=headers).status_code in (400, 404)
    sr = _token(client, "csr")
    assert client.post("/api/v1/f/cat-child/applications", headers=sr,
                       json=FILING).status_code == 403


def test_openapi_documents_the_catalog(catalog_app) -> None:  # noqa: F811
    document = catalog_app.test_client().get("/api/v1/openapi.json").get_json()
    assert "/api/v1/programs" in document["paths"]
    assert "post" in document["paths"]["/api/v1/f/{facility_code}/applications"]
    assert "CatalogApplication" in document["components"]["schemas"]
