"""The collaboration API: consent, a referral sent and decided through the task API, the
integrated history, vacancies; malformed bodies get 400, other facilities' referrals 404."""

from __future__ import annotations

import pytest

from tests.collablab import admit, build, register
from tests.formlab import api_token


@pytest.fixture
def app(make_app, migrated_url):
    return build(make_app, migrated_url)


def test_referral_through_the_api(app):
    child = register(app, "homeworker", "home")
    admit(app, "homeadmin", "home", child)
    client = app.test_client()
    home = api_token(client, "homeworker")
    base = f"/api/v1/f/home/subjects/{child}"
    for body in ([], {"scopes": "history"}, {"scopes": ["history"], "method": "written",
                                              "consented_on": "어제"}):
        assert client.post(f"{base}/consents", json=body, headers=home).status_code == 400
    made = client.post(f"{base}/consents", headers=home, json={
        "scopes": ["history", "referral"], "fields": ["birth_date"], "method": "written",
        "consented_on": "2026-03-01"})
    assert made.status_code == 201, made.get_json()

    free = client.get("/api/v1/vacancies?region=11110&free=1", headers=home).get_json()
    gh = next(item for item in free["items"] if item["code"] == "gh")
    assert (gh["capacity"], gh["occupied"], gh["free"]) == (4, 0, 4)
    home_row = next(item for item in free["items"] if item["code"] == "home")
    assert home_row["occupied"] == 1
    ids = {f["code"]: f for f in free["items"]}
    assert "srf" not in ids

    assert client.post(f"{base}/referrals", headers=home, json={
        "to_facility_id": "gh"}).status_code == 400
    with app.extensions["ieum.database"].session() as s:
        from sqlalchemy import select

        from ieum.store.models import Facility
        gh_id = s.scalar(select(Facility.id).where(Facility.code == "gh"))
    sent = client.post(f"{base}/referrals", headers=home, json={
        "to_facility_id": gh_id, "service": "입소", "reason": "보호 필요",
        "fields": ["birth_date"]})
    assert sent.status_code == 201, sent.get_json()
    referral = sent.get_json()
    assert referral["status"] == "requested" and referral["basis"] == "consent"

    manager = api_token(client, "ghadmin")
    tasks = client.get("/api/v1/f/gh/tasks", headers=manager).get_json()
    (task,) = [t for t in tasks["items"] if t["title"] == "서비스의뢰 검토"]
    done = client.post(f"/api/v1/f/gh/tasks/{task['id']}/complete", headers=manager,
                       json={"data": {"decision": "accept"}})
    assert done.status_code == 200, done.get_json()
    seen = client.get(f"/api/v1/f/gh/referrals/{referral['id']}", headers=manager).get_json()
    assert seen["status"] == "accepted" and seen["direction"] == "in"
    assert seen["shared"] == {"성명": "김하늘", "생년월일": "2010-05-01"}
    assert client.get(f"/api/v1/f/srf/referrals/{referral['id']}",
                      headers=api_token(client, "srfadmin")).status_code == 404
    listed = client.get("/api/v1/f/home/referrals?direction=out", headers=home).get_json()
    assert [item["status"] for item in listed["items"]] == ["accepted"]
    history = client.get(f"{base}/history", headers=api_token(client, "homelead")).get_json()
    assert history["shared"] is True
    assert {m["facility"] for m in history["memberships"]} == {"하늘아동양육시설",
                                                               "바다공동생활가정"}
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/f/{facility_code}/subjects/{subject_id}/referrals" in paths
