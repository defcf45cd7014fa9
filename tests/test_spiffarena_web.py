"""An imported SpiffArena model on ieum's task screens (issue 24): the script task asks
SpiffArena's helpers (answered from ieum's users and roles), the instructions-only user task
shows its ``instructionsForEndUser`` rendered safely, and finishing it ends the process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from sqlalchemy import select

from ieum.definitions.spiffarena import plan_import, write_plan
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.store.models import ProcessInstance, Task
from tests.flowlab import TODAY
from tests.formlab import api_token
from tests.webutil import PASSWORD, csrf_token, login

CONTENT = Path(__file__).parent / "content"
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="hello_process" name="인사 절차" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="l1" name="Workers"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>greet</bpmn:flowNodeRef><bpmn:flowNodeRef>read</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="greet" name="Greet">
      <bpmn:script>me = get_current_user()
greeting = f"안녕하세요 {me['display_name']}"
members = get_group_members("worker")
if len(members) > 1:
    note = "&lt;script&gt;alert(1)&lt;/script&gt;"
else:
    note = "혼자"</bpmn:script>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:scriptTask>
    <bpmn:userTask id="read" name="안내 읽기">
      <bpmn:extensionElements>
        <spiffworkflow:instructionsForEndUser>## {{ greeting }}

담당: {{ members | join(", ") }}

{{ note }}</spiffworkflow:instructionsForEndUser>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="greet" />
    <bpmn:sequenceFlow id="f2" sourceRef="greet" targetRef="read" />
    <bpmn:sequenceFlow id="f3" sourceRef="read" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
PROFILE = """code: spiff_lab
title: 가져온 절차 시험시설
target_group: child
statute: 시험용
menu:
  - group: 업무
    items:
      - unit: spiff_hello
roles:
  - id: admin
    title: 기관관리자
    administers: true
    grants:
      "*": {actions: ["*"], scope: facility}
  - id: worker
    title: 생활복지사
    grants:
      spiff_hello: {actions: [view, create, update], scope: facility}
"""


def test_an_imported_instructions_only_task_on_the_task_page(
        tmp_path: Path, make_app, migrated_url) -> None:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    (root / "facility_profiles" / "spiff_lab.yaml").write_text(PROFILE, encoding="utf-8")
    folder = tmp_path / "hello"
    folder.mkdir()
    (folder / "hello.bpmn").write_text(BPMN, encoding="utf-8")
    write_plan(plan_import(folder, "spiff_hello", {"Workers": "worker"}), root)

    app = make_app(migrated_url, roots=[root], IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        lab = create_facility(s, registry, code="lab", name="가져온시설",
                              profile_code="spiff_lab", region_code="11110")
        for name, login_name in [("김복지", "kim"), ("이복지", "lee")]:
            user = create_user(s, login=login_name, name=name, password=PASSWORD)
            grant_role(s, registry, user=user, facility=lab, role="worker",
                       valid_from=dt.date(2026, 1, 1))
        s.commit()

    client = app.test_client()
    login(client, "kim")
    start = "/f/lab/u/spiff_hello/processes/hello_process/start"
    started = client.post(start, data={"csrf_token": csrf_token(
        client, "/f/lab/u/spiff_hello/processes/")})
    assert started.status_code == 302, started.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        instance = s.scalar(select(ProcessInstance))
        assert (instance.status, instance.error_message) == ("running", None)
        (task,) = s.scalars(select(Task).where(Task.state == "ready")).all()
        assert (task.name, task.form_id, task.role) == ("read", None, "worker")
        task_id, instance_id = task.id, instance.id

    page = client.get(f"/f/lab/tasks/{task_id}").get_data(as_text=True)
    box = page.split('data-testid="task-instructions">', 1)[1].split("</div>", 1)[0]
    assert "<h2>안녕하세요 김복지</h2>" in box
    assert "담당: kim, lee" in box
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box and "<script>alert" not in box

    api = app.test_client()  # the JSON API gives the same HTML
    read = api.get(f"/api/v1/f/lab/tasks/{task_id}", headers=api_token(api, "lee")).get_json()
    assert (read["form_schema"], read["instructions_html"]) == (None, box)

    done = client.post(f"/f/lab/tasks/{task_id}",
                       data={"csrf_token": csrf_token(client, f"/f/lab/tasks/{task_id}")})
    assert done.status_code == 302, done.get_data(as_text=True)
    with app.extensions["ieum.database"].session() as s:
        instance = s.get(ProcessInstance, instance_id)
        assert (instance.status, instance.error_message) == ("completed", None)
