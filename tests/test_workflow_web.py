"""The three-lane test process (worker → leader approval → worker) end to end through the
JSON API and through the real browser; its state survives an app restart."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.flowlab import TODAY, seed_flow
from tests.formlab import api_token
from tests.webutil import PASSWORD

API = "/api/v1/f/flow"


def ready_task(client, headers, name: str) -> dict:
    items = client.get(f"{API}/tasks", headers=headers).get_json()["items"]
    found = [t for t in items if t["name"] == name]
    assert found, (name, items)
    return found[0]


def test_three_lanes_through_the_api_and_across_a_restart(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    client = app.test_client()
    w1, lead = api_token(client, "worker1"), api_token(client, "lead")

    started = client.post(f"{API}/u/flows/processes/three_lane", json={}, headers=w1)
    assert started.status_code == 201, started.get_json()
    instance_id = started.get_json()["id"]
    draft = ready_task(client, w1, "draft_step")
    schema = client.get(f"{API}/tasks/{draft['id']}", headers=w1).get_json()["form_schema"]
    assert schema["properties"]["note"]["type"] == "string"
    bad = client.post(f"{API}/tasks/{draft['id']}/complete", json={"data": {}}, headers=w1)
    assert bad.status_code == 400 and "note" in bad.get_json()["fields"]
    done = client.post(f"{API}/tasks/{draft['id']}/complete",
                       json={"data": {"note": "초안"}}, headers=w1)
    assert done.status_code == 200, done.get_json()
    assert client.post(f"{API}/tasks/{draft['id']}/complete", json={"data": {"note": "또"}},
                       headers=w1).status_code == 409
    assert client.get(f"{API}/tasks", headers=w1).get_json()["items"] == []

    # a new app on the same database carries on where the first one stopped
    restarted = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat()).test_client()
    review = ready_task(restarted, lead, "review_step")
    assert restarted.post(f"{API}/tasks/{review['id']}/complete", headers=w1,
                          json={"data": {"note": "x"}}).status_code in (403, 404)
    approved = restarted.post(f"{API}/tasks/{review['id']}/complete", headers=lead,
                              json={"data": {"note": "좋습니다", "decision": "approved"}})
    assert approved.status_code == 200, approved.get_json()
    final = ready_task(restarted, w1, "final_step")
    assert restarted.post(f"{API}/tasks/{final['id']}/complete", headers=w1,
                          json={"data": {"note": "마무리"}}).status_code == 200
    body = restarted.get(f"{API}/processes/{instance_id}", headers=w1).get_json()
    assert body["status"] == "completed"
    assert [s["state"] for s in body["steps"]] == ["done", "done", "done"]
    assert all(t["record_id"] for t in body["tasks"])



@pytest.fixture
def flow_server(make_app, sqlite_url, sqlite_template, live_server):
    sqlite_template.copy_to(sqlite_url)
    app = make_app(sqlite_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    return live_server(app)


def sign_in(page, server, login_name: str) -> None:
    page.context.clear_cookies()
    page.goto(server.url + "/login")
    page.get_by_label("아이디").fill(login_name)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(server.url + "/f/flow/")


@pytest.mark.browser
def test_three_lanes_in_the_browser(page, flow_server) -> None:
    sign_in(page, flow_server, "worker1")
    page.goto(flow_server.url + "/f/flow/u/flows/processes/")
    page.get_by_role("button", name="세 단계 시험 시작").click()
    page.wait_for_url("**/tasks/*")
    expect(page.get_by_role("heading", name="초안 작성")).to_be_visible()
    page.get_by_label("메모").fill("브라우저 초안")
    page.get_by_role("button", name="완료").click()
    page.wait_for_url("**/processes/*")
    expect(page.locator('[data-step="draft_step"]')).to_have_attribute("data-state", "done")
    expect(page.locator('[data-step="review_step"]')).to_have_attribute("data-state", "current")

    sign_in(page, flow_server, "lead")
    expect(page.locator('[data-count="roles"]')).to_have_text("1")
    page.get_by_role("link", name="나의업무").click()
    page.get_by_role("link", name="검토", exact=True).click()
    page.get_by_label("메모").fill("승인합니다")
    page.get_by_role("radio", name="승인").check()
    page.get_by_role("button", name="완료").click()
    page.wait_for_url("**/processes/*")

    sign_in(page, flow_server, "worker1")
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    page.get_by_role("link", name="나의업무").click()
    page.get_by_role("link", name="마무리").click()
    page.get_by_label("메모").fill("끝")
    page.get_by_role("button", name="완료").click()
    page.wait_for_url("**/processes/*")
    expect(page.get_by_test_id("instance-status")).to_have_text("완료")


def test_a_subjects_page_shows_each_process_as_a_step_bar(make_app, migrated_url) -> None:
    from ieum.store.models import Facility, Subject
    from tests.webutil import login

    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_flow(app)
    with app.extensions["ieum.database"].session() as s:
        facility = s.query(Facility).filter_by(code="flow").one()
        child = Subject(facility_id=facility.id, name="김하늘", status="입소")
        s.add(child)
        s.commit()
        subject_id = child.id
    client = app.test_client()
    worker = api_token(client, "worker1")
    started = client.post(f"{API}/u/flows/processes/three_lane", headers=worker,
                          json={"subject_id": subject_id})
    assert started.status_code == 201 and started.get_json()["subject_id"] == subject_id
    draft = ready_task(client, worker, "draft_step")
    assert draft["subject_id"] == subject_id
    client.post(f"{API}/tasks/{draft['id']}/complete", json={"data": {"note": "조사"}},
                headers=worker)
    assert client.post(f"{API}/u/flows/processes/three_lane", headers=worker,
                       json={"subject_id": 999999}).status_code == 404
    login(client, "worker1")
    page = client.get(f"/f/flow/subjects/{subject_id}").get_data(as_text=True)
    assert "김하늘" in page and "세 단계 시험" in page
    assert 'data-step="draft_step" data-state="done"' in page
    assert 'data-step="review_step" data-state="current"' in page
    assert client.get("/f/flow/subjects/999999").status_code == 404
    outsider = app.test_client()
    login(outsider, "outsider")
    assert outsider.get(f"/f/far/subjects/{subject_id}").status_code == 404
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/f/{facility_code}/tasks/{task_id}/complete" in paths


def test_the_inbox_names_a_unit_outside_the_facility_menu_by_its_title(demo_app) -> None:
    """The demo's placement review waits in 이음아동양육시설's inbox although 보호조치 입소 is not
    in that facility's menu: its row names the unit by its title, never by its id."""
    from tests.webutil import login as sign_in

    client = demo_app.test_client()
    assert sign_in(client, "admin", "ieum-demo-2026").status_code == 302
    page = client.get("/f/demo-child/tasks/").get_data(as_text=True)
    row = page[page.index("보호조치 입소 검토"):]
    row = row[:row.index("</tr>")]
    assert "보호조치 입소" in row.split("</td>", 1)[1] and "child_placement" not in row
