"""Generated screens beyond create/edit: form versions kept per record, list search, sort
and paging, the print view, the OpenAPI document."""

from __future__ import annotations

import json
import shutil

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import TEST_CONTENT
from tests.formlab import API, BASE, GOOD, TODAY, api_token, seed_lab
from tests.webutil import login


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def client(lab_client):
    return lab_client


def test_a_record_keeps_the_form_version_it_was_saved_with(make_app, migrated_url,
                                                           tmp_path) -> None:
    content = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, content)
    first = make_app(migrated_url, roots=[content], IEUM_TODAY=TODAY.isoformat())
    seed_lab(first)
    client = first.test_client()
    old = client.post(f"{API}/records", json={"data": {**GOOD, "living": "월세"}},
                      headers=api_token(client, "admin")).get_json()
    assert old["form_version"] == 2

    path = content / "forms" / "casebook.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["version"] = 3
    del schema["properties"]["living"]
    del schema["x-ui"]["living"]
    schema["properties"]["hobby"] = {"type": "string", "title": "취미"}
    path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")

    second = make_app(migrated_url, roots=[content], IEUM_TODAY=TODAY.isoformat())
    client = second.test_client()
    headers = api_token(client, "admin")
    new = client.post(f"{API}/records", json={"data": {**GOOD, "hobby": "축구"}},
                      headers=headers).get_json()
    assert new["form_version"] == 3
    refused = client.post(f"{API}/records", json={"data": {**GOOD, "living": "월세"}},
                          headers=headers)
    assert refused.get_json()["fields"] == {"living": ["양식에 없는 항목입니다"]}

    login(client, "admin")
    detail = client.get(f"{BASE}/{old['id']}").get_data(as_text=True)
    assert "주거형태" in detail and "월세" in detail and "취미" not in detail
    assert "양식 2판" in detail
    edit = client.put(f"{API}/records/{old['id']}", headers=headers,
                      json={"data": {**GOOD, "living": "자가"}, "version": 1})
    assert edit.status_code == 200, edit.get_json()
    assert edit.get_json()["form_version"] == 2 and edit.get_json()["data"]["living"] == "자가"


def test_list_searches_sorts_and_pages(client) -> None:
    headers = api_token(client, "admin")
    for day in range(1, 26):
        data = {**GOOD, "written_on": f"2026-02-{day:02d}", "title": f"기록 {day:02d}",
                "method": "phone" if day % 5 == 0 else "visit", "score_a": day % 10}
        assert client.post(f"{API}/records", json={"data": data},
                           headers=headers).status_code == 201
    login(client, "admin")
    first = client.get(f"{BASE}/").get_data(as_text=True)
    assert "총 25건 · 1/2쪽" in first and first.count("data-record=") == 20
    second = client.get(f"{BASE}/?page=2").get_data(as_text=True)
    assert second.count("data-record=") == 5
    phoned = client.get(f"{BASE}/?method=phone").get_data(as_text=True)
    assert "총 5건" in phoned
    ranged = client.get(f"{BASE}/?written_on__from=2026-02-10&written_on__to=2026-02-12")
    assert "총 3건" in ranged.get_data(as_text=True)
    titled = client.get(f"{BASE}/?title=기록 1").get_data(as_text=True)
    assert "총 10건" in titled  # 10..19
    api = client.get(f"{API}/records?sort=written_on&dir=asc&per_page=3",
                     headers=headers).get_json()
    assert [i["data"]["written_on"] for i in api["items"]] == [
        "2026-02-01", "2026-02-02", "2026-02-03"]
    by_score = client.get(f"{API}/records?sort=score_total&dir=desc&per_page=1",
                          headers=headers).get_json()
    assert by_score["items"][0]["data"]["score_total"] == 14  # score_a 9 + score_b 5
    odd = client.get(f"{BASE}/?page=abc&sort=__class__&per_page=100000")
    assert odd.status_code == 200 and "총 25건" in odd.get_data(as_text=True)


def test_print_view_is_a_clean_page(client) -> None:
    rid = client.post(f"{API}/records", json={"data": GOOD},
                      headers=api_token(client, "admin")).get_json()["id"]
    login(client, "admin")
    page = client.get(f"{BASE}/{rid}/print").get_data(as_text=True)
    assert "ieum-print.css" in page and 'aria-label="업무 메뉴"' not in page
    assert "첫 상담" in page and "보증금" in page and "050301-4******" in page
    assert "050301-4123456" not in page


def test_openapi_document_describes_records_and_forms(client) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/f/{facility_code}/u/{unit_id}/{form_id}/records/{record_id}" in doc["paths"]
    casebook = doc["components"]["schemas"]["form.casebook"]
    Draft202012Validator.check_schema(casebook)
    assert casebook["properties"]["plan"]["title"] == "사용계획"
