"""Review and publication in the content studio (issue 22): a second person approves, the
package is written as files and made live without a restart, records keep their form version,
another worker process follows the content generation, and everything is audited."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from ieum.store.models import AuditEvent
from ieum.store.models_studio import StudioDocument, StudioVersion
from tests.flowlab import TODAY as FLOW_TODAY
from tests.flowlab import seed_flow
from tests.formlab import API, BASE, GOOD, TODAY, api_token, seed_lab
from tests.studioutil import (
    LAB_NOTE,
    LAB_NOTES_UNIT,
    NOTES_API,
    PACKAGE,
    post_form,
    publish,
    put_json,
    save,
    seed_people,
    signed_in,
    write_drafts,
)


@pytest.fixture
def studio_app(make_app, migrated_url):  # noqa: ANN001, ANN201 - fixtures
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    seed_people(app)
    return app


def test_review_needs_a_second_person_then_publication_goes_live_without_restart(
        studio_app, make_app, migrated_url) -> None:
    other_worker = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())  # another process
    lab = studio_app.test_client()
    headers = api_token(lab, "admin")
    old = lab.post(f"{API}/records", json={"data": GOOD}, headers=headers).get_json()
    assert old["form_version"] == 2
    worker_headers = api_token(lab, "worker")
    before = lab.post(NOTES_API, json={"data": {"noted_on": "2026-03-01"}},
                      headers=worker_headers)
    assert before.status_code == 404

    write_drafts(studio_app)
    author = signed_in(studio_app, "author")
    path = f"/content/packages/{PACKAGE}"
    submitted = post_form(author, f"{path}/submit", {}, follow_redirects=True)
    assert "검토를 요청했습니다" in submitted.get_data(as_text=True)
    # while under review the drafts are locked
    locked = put_json(author, "/content/form/lab_note/document",
                      {"body": LAB_NOTE, "base_version": 1})
    assert locked.status_code == 409 and "검토 중" in locked.get_json()["error"]
    # an author is no reviewer; a reviewer who wrote a version may not approve it either
    assert post_form(author, f"{path}/approve", {}).status_code == 403
    both = signed_in(studio_app, "both")
    assert "검토 대기" in both.get("/content/").get_data(as_text=True)
    checker = signed_in(studio_app, "checker")
    refused = post_form(checker, f"{path}/return", {"reason": "  "})
    assert refused.status_code == 400 and "반려 사유를 입력하세요" in refused.get_data(as_text=True)
    post_form(checker, f"{path}/return", {"reason": "메모 글자 수 제한을 확인하세요."})
    # the author fixes it with the reviewer-author ``both`` and sends it again
    note = copy.deepcopy(LAB_NOTE)
    note["properties"]["memo"]["maxLength"] = 500
    put = put_json(both, "/content/form/lab_note/document",
                   {"body": note, "base_version": 1})
    assert put.status_code == 200, put.get_json()
    post_form(author, f"{path}/submit", {})
    own = post_form(both, f"{path}/approve", {})
    assert own.status_code == 403 and "다른 검토자가 승인해야" in own.get_data(as_text=True)
    premature = post_form(author, f"{path}/publish", {})
    assert premature.status_code == 409
    assert post_form(checker, f"{path}/approve", {}).status_code == 302
    published = post_form(author, f"{path}/publish", {}, follow_redirects=True)
    assert "게시했습니다" in published.get_data(as_text=True)

    # the files are the source of truth now: a package folder in the instance
    folder = Path(studio_app.config["IEUM_STUDIO_PACKAGES"]) / PACKAGE
    assert (folder / "forms" / "lab_note.json").is_file()
    assert (folder / "unit_functions" / "lab_notes" / "unit.yaml").is_file()
    assert (folder / "pyproject.toml").is_file() and (folder / "ieum-studio.json").is_file()
    written = json.loads((folder / "forms" / "casebook.json").read_text(encoding="utf-8"))
    assert written["version"] == 3 and "hobby" in written["properties"]

    # live in this process without a restart: the registry was swapped
    registry = studio_app.extensions["ieum.registry"]
    assert registry.forms["casebook"].version == 3
    assert registry.forms["lab_note"].schema["properties"]["memo"]["maxLength"] == 500
    new = lab.post(f"{API}/records", json={"data": {**GOOD, "hobby": "축구"}}, headers=headers)
    assert new.status_code == 201 and new.get_json()["form_version"] == 3
    note_saved = lab.post(NOTES_API, json={"data": {"noted_on": "2026-03-01", "memo": "첫 메모"}},
                          headers=worker_headers)
    assert note_saved.status_code == 201, note_saved.get_json()
    # the record saved before keeps the version it was saved with
    signed = signed_in(studio_app, "admin")
    detail = signed.get(f"{BASE}/{old['id']}").get_data(as_text=True)
    assert "양식 2판" in detail and "취미" not in detail
    screen = signed_in(studio_app, "worker").get("/f/lab/u/lab_notes/lab_note/new")
    assert screen.status_code == 200 and "메모" in screen.get_data(as_text=True)

    # another worker process notices the new generation on its next request
    assert "lab_note" not in other_worker.extensions["ieum.registry"].forms
    other = other_worker.test_client()
    assert other.post(NOTES_API, json={"data": {"noted_on": "2026-03-02"}},
                      headers=api_token(other, "worker")).status_code == 201
    assert other_worker.extensions["ieum.registry"].forms["casebook"].version == 3

    with studio_app.extensions["ieum.database"].session() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("studio.%")).order_by(AuditEvent.id)).all()
        assert [a for a in actions if a != "studio.save"] == [
            "studio.submit", "studio.return", "studio.submit", "studio.approve",
            "studio.publish"]
        # published versions are marked: the database holds drafts only until exported
        versions = session.scalars(select(StudioVersion)).all()
        assert versions and all(v.published_at is not None for v in versions)
        documents = session.scalars(select(StudioDocument)).all()
        assert all(d.published_version == d.latest_version for d in documents)
    home = signed_in(studio_app, "author").get("/content/").get_data(as_text=True)
    assert "게시됨" in home


def test_a_package_with_problems_cannot_be_submitted(studio_app) -> None:
    author = signed_in(studio_app, "author")
    unit = dict(LAB_NOTES_UNIT, forms=["no_such_form"])
    saved = save(author, "unit", "lab_notes", unit)
    assert saved["problems"]
    refused = post_form(author, f"/content/packages/{PACKAGE}/submit", {})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "고칠 곳이 남은 초안" in page and "unit/lab_notes" in page


def test_history_shows_the_changes_in_words(studio_app) -> None:
    author = signed_in(studio_app, "author")
    casebook = author.get("/content/form/casebook/document").get_json()["body"]
    first = copy.deepcopy(casebook)
    first["properties"]["living"]["enum"].append("기숙사")
    save(author, "form", "casebook", first)
    second = copy.deepcopy(first)
    del second["properties"]["summary"]
    save(author, "form", "casebook", second, base=1)
    page = author.get("/content/form/casebook/history").get_data(as_text=True)
    assert "필드 &#39;상담내용&#39; 삭제" in page
    assert "필드 &#39;주거형태&#39;의 선택지에 &#39;기숙사&#39; 추가" in page
    live_to_latest = author.get("/content/form/casebook/history?a=0&b=2").get_data(as_text=True)
    assert "기숙사" in live_to_latest and "상담내용" in live_to_latest


def test_running_processes_keep_the_spec_they_started_on(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=FLOW_TODAY.isoformat())
    seed_flow(app)
    seed_people(app)
    client = app.test_client()
    w1, lead = api_token(client, "worker1"), api_token(client, "lead")
    flow_api = "/api/v1/f/flow"

    def start_and_draft() -> int:
        started = client.post(f"{flow_api}/u/flows/processes/three_lane", json={}, headers=w1)
        assert started.status_code == 201, started.get_json()
        task = next(t for t in client.get(f"{flow_api}/tasks", headers=w1).get_json()["items"]
                    if t["name"] == "draft_step" and t["instance_id"] == started.get_json()["id"])
        assert client.post(f"{flow_api}/tasks/{task['id']}/complete", headers=w1,
                           json={"data": {"note": "초안"}}).status_code == 200
        return started.get_json()["id"]

    def approve(instance_id: int) -> dict:
        task = next(t for t in client.get(f"{flow_api}/tasks", headers=lead).get_json()["items"]
                    if t["instance_id"] == instance_id)
        done = client.post(f"{flow_api}/tasks/{task['id']}/complete", headers=lead,
                           json={"data": {"note": "좋습니다", "decision": "approved"}})
        assert done.status_code == 200, done.get_json()
        return client.get(f"{flow_api}/processes/{instance_id}", headers=w1).get_json()

    running = start_and_draft()
    # the studio publishes a three_lane without its final step: approval ends the process
    author = signed_in(app, "author")
    text = author.get("/content/process/three_lane/document").get_json()["body"]
    shorter = re.sub(r'\s*<bpmn:userTask id="final_step".*?</bpmn:userTask>', "", text,
                     flags=re.S)
    shorter = (shorter.replace('targetRef="final_step">', 'targetRef="end">')
               .replace("<bpmn:flowNodeRef>final_step</bpmn:flowNodeRef>", "")
               .replace('<bpmn:sequenceFlow id="flow_final_end" sourceRef="final_step" '
                        'targetRef="end" />', "")
               .replace("<bpmn:incoming>flow_final_end</bpmn:incoming>",
                        "<bpmn:incoming>flow_approved</bpmn:incoming>"))
    saved = put_json(author, "/content/process/three_lane/document",
                     {"body": shorter, "base_version": None, "package": "studio_flows"})
    assert saved.status_code == 200 and saved.get_json()["problems"] == [], saved.get_json()
    publish(app, "studio_flows")
    assert "final_step" not in {t.name for t in
                                app.extensions["ieum.registry"].processes["three_lane"].user_tasks}

    # the instance started before keeps its spec: approval leads to the final step
    old = approve(running)
    assert old["status"] == "running"
    assert any(t["name"] == "final_step" and t["state"] == "ready" for t in old["tasks"])
    # one started now runs the published spec: approval ends it
    new = approve(start_and_draft())
    assert new["status"] == "completed", new
