"""Personal data: resident numbers sealed at rest and shown masked, revealed only with the
grant and a reason (audited); 비공개 records and private fields; viewing is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ieum.access import privacy
from ieum.store.models import AuditEvent, Record
from tests.formlab import API, BASE, GOOD, api_token
from tests.webutil import csrf_token, login

NOTES = "/api/v1/f/lab/u/casebook/private_note"


@pytest.fixture
def app(lab_app):
    return lab_app


@pytest.fixture
def client(lab_client):
    return lab_client


def stored(app, record_id: int) -> dict:
    with app.extensions["ieum.database"].session() as s:
        return dict(s.get(Record, record_id).data)


def actions(app, action: str) -> list[AuditEvent]:
    with app.extensions["ieum.database"].session() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
        for row in rows:
            s.expunge(row)
        return list(rows)


def test_resident_numbers_are_sealed_at_rest_and_masked_everywhere(app, client) -> None:
    admin = api_token(client, "admin")
    created = client.post(f"{API}/records", json={"data": GOOD}, headers=admin).get_json()
    raw = stored(app, created["id"])
    assert "4123456" not in json.dumps(raw) and "0503014123456" not in json.dumps(raw)
    assert raw["rrn"]["masked"] == "050301-4******" and privacy.is_sealed(raw["rrn"])
    assert created["data"]["rrn"] == "050301-4******"
    listed = client.get(f"{API}/records", headers=admin).get_json()["items"][0]
    assert listed["data"]["rrn"] == "050301-4******"
    login(client, "admin")
    page = client.get(f"{BASE}/{created['id']}").get_data(as_text=True)
    assert "050301-4******" in page and "4123456" not in page
    edit_page = client.get(f"{BASE}/{created['id']}/edit").get_data(as_text=True)
    assert "4123456" not in edit_page and "050301-4****** (바꿀 때만 입력)" in edit_page


def test_the_same_number_is_found_again_without_decrypting(app, client) -> None:
    admin = api_token(client, "admin")
    first = client.post(f"{API}/records", json={"data": GOOD}, headers=admin).get_json()["id"]
    second = client.post(f"{API}/records", headers=admin, json={
        "data": {**GOOD, "rrn": "050301-4123456"}}).get_json()["id"]
    other = client.post(f"{API}/records", headers=admin, json={
        "data": {**GOOD, "rrn": "900101-1234567"}}).get_json()["id"]
    hashes = [stored(app, i)["rrn"]["hmac"] for i in (first, second, other)]
    assert hashes[0] == hashes[1] != hashes[2]
    assert hashes[0] == privacy.lookup_hash("0503014123456")


def test_an_edit_without_retyping_keeps_the_number(app, client) -> None:
    admin = api_token(client, "admin")
    rid = client.post(f"{API}/records", json={"data": GOOD}, headers=admin).get_json()["id"]
    before = stored(app, rid)["rrn"]
    kept = client.put(f"{API}/records/{rid}", headers=admin, json={
        "data": {**{k: v for k, v in GOOD.items() if k != "rrn"}, "title": "제목만"},
        "version": 1})
    assert kept.status_code == 200, kept.get_json()
    assert stored(app, rid)["rrn"] == before
    changed = client.put(f"{API}/records/{rid}", headers=admin, json={
        "data": {**GOOD, "rrn": "900101-1234567"}, "version": 2})
    assert changed.status_code == 200
    assert stored(app, rid)["rrn"]["masked"] == "900101-1******"


def test_revealing_needs_the_grant_and_a_reason_and_is_audited(app, client) -> None:
    admin = api_token(client, "admin")
    rid = client.post(f"{API}/records", json={"data": GOOD}, headers=admin).get_json()["id"]
    no_reason = client.post(f"{API}/records/{rid}/reveal/rrn", json={}, headers=admin)
    assert no_reason.status_code == 400 and "사유" in no_reason.get_json()["error"]
    shown = client.post(f"{API}/records/{rid}/reveal/rrn", json={"reason": "수급 신청 확인"},
                        headers=admin)
    assert shown.status_code == 200 and shown.get_json()["value"] == "050301-4123456"
    (event,) = actions(app, "rrn.reveal")
    assert event.detail == {"field": "rrn", "reason": "수급 신청 확인"}
    assert event.target_id == str(rid)
    viewer = api_token(client, "viewer")
    assert client.post(f"{API}/records/{rid}/reveal/rrn", json={"reason": "궁금"},
                       headers=viewer).status_code == 403

    login(client, "admin")
    page = client.post(f"{BASE}/{rid}/reveal/rrn", data={
        "csrf_token": csrf_token(client, f"{BASE}/{rid}"), "reason": "본인 확인"})
    assert page.status_code == 200 and "050301-4123456" in page.get_data(as_text=True)
    viewer_web = client.application.test_client()
    login(viewer_web, "viewer")
    assert "전체 번호 보기" not in viewer_web.get(f"{BASE}/{rid}").get_data(as_text=True)


def test_private_records_and_fields(app, client) -> None:
    worker = api_token(client, "worker")
    secret = client.post(f"{NOTES}/records", headers=worker, json={"data": {
        "note_date": "2026-03-01", "summary": "비밀 상담", "body": "민감한 내용",
        "is_private": True}}).get_json()["id"]
    open_note = client.post(f"{NOTES}/records", headers=worker, json={"data": {
        "note_date": "2026-03-01", "summary": "일반 상담", "body": "개인 사정"}}).get_json()["id"]

    viewer = api_token(client, "viewer")  # facility scope, no view_private
    assert client.get(f"{NOTES}/records/{secret}", headers=viewer).status_code == 404
    listed = client.get(f"{NOTES}/records", headers=viewer).get_json()
    assert [item["id"] for item in listed["items"]] == [open_note]
    seen = client.get(f"{NOTES}/records/{open_note}", headers=viewer).get_json()
    assert "body" not in seen["data"] and seen["private_hidden"] == ["body"]
    assert seen["data"]["summary"] == "일반 상담"

    admin = api_token(client, "admin")  # view_private through "*"
    assert client.get(f"{NOTES}/records/{secret}", headers=admin).get_json()["data"]["body"] \
        == "민감한 내용"
    assert client.get(f"{NOTES}/records/{secret}", headers=worker).status_code == 200

    login(client, "viewer")
    page = client.get(f"/f/lab/u/casebook/private_note/{open_note}").get_data(as_text=True)
    assert "비공개" in page and "개인 사정" not in page


def test_opening_personal_data_is_audited(app, client) -> None:
    admin = api_token(client, "admin")
    rid = client.post(f"{API}/records", json={"data": GOOD}, headers=admin).get_json()["id"]
    client.get(f"{API}/records/{rid}", headers=admin)
    login(client, "admin")
    client.get(f"{BASE}/{rid}")
    views = actions(app, "record.view")
    assert len(views) == 2 and {v.target_id for v in views} == {str(rid)}
    assert all(v.login == "admin" for v in views)
