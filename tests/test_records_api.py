"""Records through ``/api/v1`` and the HTML screens: same errors, optimistic locking,
scoping, soft delete, Excel in and out — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from ieum.store.models import AuditEvent, Record
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import csrf_token, login


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def client(lab_client):
    return lab_client


def stored(app, record_id: int) -> Record:
    with app.extensions["ieum.database"].session() as s:
        record = s.get(Record, record_id)
        s.expunge(record)
        return record


def test_create_read_update_delete_through_the_api(app, client) -> None:
    headers = api_token(client, "admin")
    created = client.post(f"{API}/records", json={"data": GOOD}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["data"]["score_total"] == 9 and body["version"] == 1
    assert body["form_version"] == 2 and body["status"] == "final"
    rid = body["id"]
    changed = client.put(f"{API}/records/{rid}", headers=headers,
                         json={"data": {**GOOD, "title": "바뀐 제목"}, "version": 1})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    listed = client.get(f"{API}/records?title=바뀐", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [rid] and listed["total"] == 1
    assert client.delete(f"{API}/records/{rid}?version=2", headers=headers).status_code == 204
    assert client.get(f"{API}/records/{rid}", headers=headers).status_code == 404
    assert stored(app, rid).deleted_at is not None  # kept, only hidden
    with app.extensions["ieum.database"].session() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.target_type == "record", AuditEvent.target_id == str(rid))
            .order_by(AuditEvent.id))]
    assert actions == ["record.create", "record.update", "record.delete"]


def test_stale_update_is_refused_with_409_and_changes_nothing(app, client) -> None:
    headers = api_token(client, "admin")
    rid = client.post(f"{API}/records", json={"data": GOOD}, headers=headers).get_json()["id"]
    first = client.put(f"{API}/records/{rid}", headers=headers,
                       json={"data": {**GOOD, "title": "먼저 저장"}, "version": 1})
    assert first.status_code == 200
    stale = client.put(f"{API}/records/{rid}", headers=headers,
                       json={"data": {**GOOD, "title": "늦게 저장"}, "version": 1})
    assert stale.status_code == 409
    assert "다른 사용자가 먼저" in stale.get_json()["error"]
    record = stored(app, rid)
    assert record.data["title"] == "먼저 저장" and record.version == 2
    gone = client.delete(f"{API}/records/{rid}?version=1", headers=headers)
    assert gone.status_code == 409 and stored(app, rid).deleted_at is None


def test_html_and_api_report_the_same_field_errors(client) -> None:
    bad = {**GOOD, "score_a": 11, "title": "", "grant": 5, "method": "other"}
    api = client.post(f"{API}/records", json={"data": bad},
                      headers=api_token(client, "admin"))
    assert api.status_code == 400
    api_fields = api.get_json()["fields"]
    assert api_fields["score_a"] == ["10 이하여야 합니다"]
    assert api_fields["title"] == ["필수 입력 항목입니다"]
    assert api_fields["method_other"] == ["필수 입력 항목입니다"]
    assert api_fields["plan"] == ["사용계획 금액의 합계가 자립정착금과 같아야 합니다."]

    login(client, "admin")
    form = {"csrf_token": csrf_token(client, f"{BASE}/new"), "written_on": "2026-03-01",
            "title": "", "method": "other", "score_a": "11", "score_b": "5", "grant": "5",
            "plan-0-item": "보증금", "plan-0-amount": "700", "plan-3-item": "생활비",
            "plan-3-amount": "300", "rrn": "050301-4123456", "needs": ["주거", "취업"],
            "action": "save"}
    page = client.post(f"{BASE}/new", data=form)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    for path, messages in api_fields.items():
        for message in messages:
            assert re.search(rf'data-path="{re.escape(path)}".*?{re.escape(message)}', html,
                             re.S), (path, message)
    with client.application.extensions["ieum.database"].session() as s:
        assert s.scalar(select(Record.id)) is None


def test_html_create_edit_and_conflict(app, client) -> None:
    login(client, "admin")
    form = {"csrf_token": csrf_token(client, f"{BASE}/new"), "written_on": "2026-03-01",
            "title": "화면에서", "method": "phone", "plan-0-item": "보증금",
            "plan-0-amount": "1000", "grant": "1000", "action": "save"}
    created = client.post(f"{BASE}/new", data=form)
    assert created.status_code == 302
    rid = int(created.headers["Location"].rstrip("/").split("/")[-1])
    detail = client.get(f"{BASE}/{rid}").get_data(as_text=True)
    assert "화면에서" in detail and "전화" in detail and "1,000" in detail
    edit = {**form, "title": "고친 제목", "version": "1"}
    assert client.post(f"{BASE}/{rid}/edit", data=edit).status_code == 302
    stale = client.post(f"{BASE}/{rid}/edit", data={**edit, "title": "늦은 수정"})
    assert stale.status_code == 409
    assert "다른 사용자가 먼저" in stale.get_data(as_text=True)
    assert stored(app, rid).data["title"] == "고친 제목"


def test_temp_save_keeps_an_incomplete_draft(client) -> None:
    headers = api_token(client, "admin")
    draft = client.post(f"{API}/records", json={"data": {"title": "쓰다 만 기록"},
                                                "draft": True}, headers=headers)
    assert draft.status_code == 201 and draft.get_json()["status"] == "draft"
    rid = draft.get_json()["id"]
    final = client.put(f"{API}/records/{rid}", headers=headers,
                       json={"data": {"title": "쓰다 만 기록"}, "version": 1})
    assert final.status_code == 400
    assert set(final.get_json()["fields"]) == {"written_on", "method"}


def test_record_scope_own_and_other_facilities_see_nothing(client) -> None:
    worker = api_token(client, "worker")
    rid = client.post(f"{API}/records", json={"data": GOOD},
                      headers=worker).get_json()["id"]
    other_worker = api_token(client, "worker2")
    assert client.get(f"{API}/records/{rid}", headers=other_worker).status_code == 404
    assert client.get(f"{API}/records", headers=other_worker).get_json()["total"] == 0
    viewer = api_token(client, "viewer")
    assert client.get(f"{API}/records/{rid}", headers=viewer).status_code == 200
    assert client.post(f"{API}/records", json={"data": GOOD},
                       headers=viewer).status_code == 403
    stranger = api_token(client, "stranger")
    assert client.get(f"{API}/records/{rid}", headers=stranger).status_code == 404
    assert client.get(f"/api/v1/f/other/u/casebook/casebook/records/{rid}",
                      headers=stranger).status_code == 404


def test_malformed_requests_get_clear_400s(client) -> None:
    headers = api_token(client, "admin")
    assert client.post(f"{API}/records", data="nope", headers=headers).status_code == 400
    missing = client.post(f"{API}/records", json={"data": []}, headers=headers)
    assert missing.status_code == 400 and "data" in missing.get_json()["fields"]
    rid = client.post(f"{API}/records", json={"data": GOOD}, headers=headers).get_json()["id"]
    no_version = client.put(f"{API}/records/{rid}", json={"data": GOOD}, headers=headers)
    assert no_version.status_code == 400 and "version" in no_version.get_json()["fields"]


def _sheet(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_import_is_all_or_nothing_and_export_lists_records(app, client) -> None:
    login(client, "admin")
    template = client.get(f"{BASE}/template.xlsx")
    assert template.status_code == 200
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(template.data)).active[1]]
    assert "작성일 *" in header and "제목 *" in header
    columns = ["작성일 *", "제목 *", "상담방법 *", "일상생활 점수"]
    bad = _sheet([columns, ["2026-03-01", "하나", "방문", 3], ["2026-03-01", "둘", "팩스", 3],
                  ["2026-03-01", "셋", "전화", 30]])
    token = csrf_token(client, f"{BASE}/import")
    refused = client.post(f"{BASE}/import", data={"csrf_token": token,
                                                 "file": (io.BytesIO(bad), "bad.xlsx")})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "<td>3</td><td>C</td>" in html and "<td>4</td><td>D</td>" in html
    with app.extensions["ieum.database"].session() as s:
        assert s.scalar(select(Record.id)) is None

    good = _sheet([columns, ["2026-03-01", "하나", "방문", 3], ["2026-02-01", "둘", "전화", 7]])
    imported = client.post(f"{BASE}/import", data={"csrf_token": token,
                                                  "file": (io.BytesIO(good), "good.xlsx")})
    assert imported.status_code == 302
    assert "사유" in client.get(f"{BASE}/export.xlsx").get_data(as_text=True)
    token = csrf_token(client, f"{BASE}/export.xlsx")
    assert client.post(f"{BASE}/export.xlsx", data={"csrf_token": token}).status_code == 400
    exported = client.post(f"{BASE}/export.xlsx", data={"csrf_token": token,
                                                       "reason": "월간 보고"})
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert "제목" in values[0] and "상담방법" in values[0]
    titles = {row[values[0].index("제목")] for row in values[1:]}
    methods = {row[values[0].index("상담방법")] for row in values[1:]}
    assert titles == {"하나", "둘"} and methods == {"방문", "전화"}
