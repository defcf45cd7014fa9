"""The staff screens in English (issue 19 point 12): with the English cookie, a facility's
dashboard, unit page, record list, form, record, inbox, task, process, calendar, notifications,
jobs, users, closings, audit log, search and statistics show English, ``<html lang="en">``, and
no Korean left at all but the switcher's 한국어 (the content's titles have English in the test
content's catalogue; this test's data uses Latin names)."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from tests.formlab import TODAY, api_token
from tests.webutil import PASSWORD, csrf_token, login

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LAB = "/f/lab/u/casebook/casebook"
RECORD = {
    "written_on": "2026-03-01",
    "title": "First talk",
    "method": "visit",
    "needs": ["주거", "취업"],  # choice values: content
    "score_a": 4,
    "score_b": 5,
    "grant": 1000,
    "plan": [{"item": "Deposit", "amount": 700}, {"item": "Living costs", "amount": 300}],
    "rrn": "0503014123456",
}


#: the switcher names each language in itself (한국어 / English)
LANGUAGE_NAMES = ["한국어"]


def page_text(page: str) -> str:
    """What a person reads or hears: the text, titles, labels and placeholders, without
    scripts, styles and comments."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    shown = re.findall(r'\b(?:title|aria-label|placeholder|alt|data-confirm|'
                       r'data-confirm-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *shown]))


def korean_left(page: str, allowed: list[str]) -> list[str]:
    text = page_text(page)
    for item in allowed:
        text = text.replace(item, " ")
    return sorted({line.strip() for line in text.splitlines() if HANGUL.search(line)})


@pytest.fixture
def english(make_app, migrated_url):  # noqa: ANN201
    """A facility of each test profile with Latin names, an administrator of both, a record and
    a started process; a client that signed in with the English cookie."""
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    registry = app.extensions["ieum.registry"]
    with app.extensions["ieum.database"].session() as s:
        lab = create_facility(s, registry, code="lab", name="Sunrise Home",
                              profile_code="form_lab", region_code="11110")
        flow = create_facility(s, registry, code="flow", name="Riverside Centre",
                               profile_code="flow_lab", region_code="11110")
        user = create_user(s, login="alex", name="Alex Morgan", password=PASSWORD)
        for facility in (lab, flow):
            grant_role(s, registry, user=user, facility=facility, role="admin",
                       valid_from=dt.date(2026, 1, 1))
        worker = create_user(s, login="sam", name="Sam Lee", password=PASSWORD)
        grant_role(s, registry, user=worker, facility=flow, role="worker",
                   valid_from=dt.date(2026, 1, 1))
    client = app.test_client()
    client.set_cookie("ieum_lang", "en")
    assert login(client, "alex").status_code == 302
    return client


def test_the_staff_screens_speak_english(english) -> None:
    client = english
    allowed = LANGUAGE_NAMES  # nothing else: content titles have English too
    token = csrf_token(client, "/f/lab/")
    created = client.post(f"/api/v1{LAB}/records", json={"data": RECORD},
                          headers=api_token(client, "alex"))
    assert created.status_code == 201, created.get_json()
    record_url = f"{LAB}/{created.get_json()['id']}"

    start = client.post("/f/flow/u/flows/processes/three_lane/start",
                        data={"csrf_token": token})
    assert start.status_code == 302

    screens = {
        "/f/lab/": ["My roles", "Assigned to me", "Awaiting approval", "Calendar",
                    "Work menu", "Facility administration", "Sign out", "Notifications"],
        "/f/lab/u/casebook/about": ["My permissions"],
        f"{LAB}/": ["Save status", "Last edited"],
        f"{LAB}/new": ["Save draft", "Save"],
        record_url: ["Edit", "Print", "Form version 2"],
        record_url + "/print": ["Record no.", "Printed"],
        record_url + "/edit": ["Save"],
        record_url + "/delete": ["Delete this record?"],
        f"{LAB}/import": ["All rows are checked first."],
        "/f/lab/u/casebook/casebook/stats": ["statistics"],
        "/f/lab/tasks/": ["My tasks", "Only mine", "There are no tasks to do."],
        "/f/flow/tasks/": ["My tasks", "Process", "Assignee"],
        "/f/flow/u/flows/processes/": ["Processes"],
        "/f/lab/calendar/": ["Calendar", "This month", "Today", "March 2026"],
        "/notifications/": ["Notification settings"],
        "/notifications/settings": ["Choose how to receive each type of notification."],
        "/jobs/": ["My jobs", "You have no jobs."],
        "/f/lab/admin/users": ["Users and roles", "Register a new user", "Valid from"],
        "/f/lab/admin/closings": ["Period closing", "Save closing date"],
        "/f/lab/admin/audit": ["Audit log", "Integrity check", "Record created"],
        "/f/lab/search?q=Alex": ["Name or date of birth"],
        "/account/password": ["Current password", "Confirm new password"],
        "/f/lab/no-such-page": ["The page or data you asked for could not be found."],
    }
    leftovers = {}
    for url, expected in screens.items():
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert '<html lang="en">' in page, url
        for text in expected:
            assert text in page, (url, text)
        left = korean_left(page, allowed)
        if left:
            leftovers[url] = left
    assert leftovers == {}

    refused = client.post(f"{LAB}/new", data={"csrf_token": token, "action": "save"})
    page = refused.get_data(as_text=True)  # the form again, with its errors
    assert refused.status_code == 400 and '<html lang="en">' in page
    assert "Could not save. Please check the fields below." in page
    assert "Calculated automatically when saved." in page  # after fields with errors
    assert korean_left(page, allowed) == []

    instance = client.get(start.headers["Location"]).get_data(as_text=True)
    assert "History" in instance and korean_left(instance, allowed) == []

    worker = client.application.test_client()  # the worker of the first lane, in English
    worker.set_cookie("ieum_lang", "en")
    login(worker, "sam")
    tasks = worker.get("/f/flow/tasks/").get_data(as_text=True)
    assert korean_left(tasks, allowed) == []
    task_urls = re.findall(r'href="(/f/flow/tasks/\d+)"', tasks)
    assert task_urls, "the started process gave the worker no task"
    task_page = worker.get(task_urls[0]).get_data(as_text=True)
    assert '<html lang="en">' in task_page and "Done" in task_page
    assert korean_left(task_page, allowed) == []



def test_korean_stays_the_default_on_the_same_screens(english) -> None:
    client = english
    client.set_cookie("ieum_lang", "ko")
    page = client.get("/f/lab/").get_data(as_text=True)
    assert '<html lang="ko">' in page and "나의 역할" in page and "My roles" not in page
    assert "최근 6개월 기록" in page
    calendar = client.get("/f/lab/calendar/").get_data(as_text=True)
    assert "2026년 3월" in calendar and "3월 2일 월요일" in calendar


def test_titles_of_actions_and_statuses_translate_where_shown(english) -> None:
    """Status names and audit actions are translated at display; what is stored stays."""
    created = english.post(f"/api/v1{LAB}/records", json={"data": RECORD},
                           headers=api_token(english, "alex"))
    assert created.get_json()["status"] == "final"
    listed = english.get(f"{LAB}/").get_data(as_text=True)
    assert ">Saved</span>" in listed and ">저장</span>" not in listed
    audit = english.get("/f/lab/admin/audit").get_data(as_text=True)
    assert "Record created" in audit and "기록 작성" not in audit
    assert 'data-action="record.create"' in audit  # the stored code unchanged


def test_no_template_hides_the_translation_function() -> None:
    """``{% set _ = … %}`` (a throwaway) would hide ``_`` for the rest of its scope: a
    translated text after it fails with "'NoneType' object is not callable"."""
    platform = Path(__file__).resolve().parent.parent / "platform"
    hiding = [str(path.relative_to(platform)) for path in platform.rglob("templates/**/*.html")
              if re.search(r"\{%-?\s*set\s+_\s*=", path.read_text(encoding="utf-8"))]
    assert hiding == []
