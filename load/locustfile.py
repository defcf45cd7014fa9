"""Facility staff at work, for ``load/run.py`` (locust, headless).

Staff sign in once through the login screen and use the screens: the inbox, the subject list
and its search, daily logs (list, open, edit with the version they read — 409 is the right
answer to a conflict —, write new ones), counselling notes through the counselling-review
process (workers write, team leaders approve from their inbox), and the Excel export
(기관관리자). A few API clients do the same reads and saves through ``/api/v1``.

Every save the server acknowledges is appended to ``LOAD_SAVES_LOG`` (one JSON line: record
id, version, the value written), so that ``load/run.py`` can compare what the clients
believe they saved with the database afterwards. Every request is appended to
``LOAD_REQUESTS_LOG`` (start time, kind, milliseconds, ok), from which ``load/run.py`` takes
exact percentiles over the measured window (after everybody has signed in).

The users are ``FastHttpUser`` (geventhttpclient): the load generator shares the machine with
the server, and locust's default ``requests`` client costs several times more CPU per request.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import uuid

from locust import FastHttpUser, between, events, task

FACILITY = os.environ.get("LOAD_FACILITY", "demo-child")
PASSWORD = os.environ.get("LOAD_PASSWORD", "load-pass-2026")
LOGINS = {role: [w for w in os.environ.get(f"LOAD_{role.upper()}S", "").split(",") if w]
          for role in ("worker", "leader", "admin")}
#: Daily logs per worker login (a worker sees the logs they wrote; leaders see them all):
#: small sets edited by several sessions at once, so that conflicting saves really happen.
HOT_BY_LOGIN: dict[str, list[int]] = json.loads(os.environ.get("LOAD_HOT_RECORDS") or "{}")
ALL_HOT = sorted({i for ids in HOT_BY_LOGIN.values() for i in ids})
SUBJECTS = [int(i) for i in os.environ.get("LOAD_SUBJECTS", "").split(",") if i]
SAVES_LOG = os.environ.get("LOAD_SAVES_LOG", "load/saves.jsonl")
REQUESTS_LOG = os.environ.get("LOAD_REQUESTS_LOG")
DAILY = f"/f/{FACILITY}/u/daily_care_log/daily_log/"
DAILY_API = f"/api/v1/f/{FACILITY}/u/daily_care_log/daily_log/records"
SUBJECT_LIST = f"/f/{FACILITY}/u/subject_management/subject_basic/"
INBOX = f"/f/{FACILITY}/tasks/"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
REVIEW_TASK = re.compile(rf'href="/f/{FACILITY}/tasks/(\d+)">상담일지 검토<')
SEARCHES = ("김", "이", "박", "하늘", "민")

_lock = threading.Lock()
_turns = {role: itertools.count() for role in ("worker", "leader", "admin", "api")}


def log_save(kind: str, record_id: int, version: int, token: str) -> None:
    line = json.dumps({"kind": kind, "record": record_id, "version": version, "token": token})
    with _lock, open(SAVES_LOG, "a", encoding="utf-8") as out:
        out.write(line + "\n")


_requests = open(REQUESTS_LOG, "a", encoding="utf-8", buffering=1 << 16) \
    if REQUESTS_LOG else None  # noqa: SIM115 - open for the whole run, flushed at its end


@events.request.add_listener
def _log_request(request_type, name, response_time, exception=None, start_time=None,  # noqa: ANN001
                 **_kwargs) -> None:  # noqa: ANN003
    if _requests is not None:
        _requests.write(f"{start_time or 0:.3f}\t{request_type}\t{name}\t{response_time:.1f}\t"
                        f"{0 if exception else 1}\n")


@events.quitting.add_listener
def _flush(**_kwargs) -> None:  # noqa: ANN003
    if _requests is not None:
        _requests.flush()


def daily_log(token: str) -> dict:
    return {"log_date": "2026-03-02", "shift": random.choice(["day", "evening", "night"]),
            "meal": "good", "sleep": "good", "special_notes": token}


def _login_for(role: str) -> str:
    names = LOGINS["worker" if role == "api" else role]
    with _lock:
        return names[next(_turns[role]) % len(names)]


class Staff(FastHttpUser):
    """One person at a desk, signed in through the login screen."""

    abstract = True
    wait_time = between(1.0, 3.0)
    role = "worker"

    def on_start(self) -> None:
        self.login_name = _login_for(self.role)
        self.hot = HOT_BY_LOGIN.get(self.login_name) or ALL_HOT
        page = self.client.get("/login", name="login page")
        self.token = CSRF.search(page.text or "").group(1)
        with self.client.post("/login", name="login", allow_redirects=False,
                              catch_response=True,
                              data={"login": self.login_name, "password": PASSWORD,
                                    "csrf_token": self.token}) as answer:
            # signed in: a redirect to the workspace; anything else is a failure (a 429 or
            # the login screen again would leave this user looking at the login screen)
            if answer.status_code in (302, 303) and "/login" not in (
                    answer.headers.get("Location") or ""):
                answer.success()
            else:
                answer.failure(f"sign-in answered {answer.status_code}")
        self.refresh_token(INBOX, "inbox")

    def complete_task(self, task_id: str, data: dict) -> None:
        """Post a task's form; a redirect (302/303) is success, anything else a failure."""
        with self.client.post(f"/f/{FACILITY}/tasks/{task_id}", data=data,
                              name="complete task", allow_redirects=False,
                              catch_response=True) as answer:
            if answer.status_code in (302, 303):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")

    def refresh_token(self, path: str, name: str) -> str:
        page = self.client.get(path, name=name)
        match = CSRF.search(page.text or "")
        if match:
            self.token = match.group(1)
        return page.text or ""

    @task(4)
    def inbox(self) -> None:
        self.client.get(INBOX, name="inbox")

    @task(3)
    def list_subjects(self) -> None:
        self.client.get(SUBJECT_LIST, name="list subjects")

    @task(2)
    def search_subjects(self) -> None:
        self.client.get(SUBJECT_LIST, params={"name": random.choice(SEARCHES),
                                              "sort": "name", "dir": "asc"},
                        name="search subjects")

    @task(2)
    def list_daily_logs(self) -> None:
        self.client.get(DAILY, params={"shift": random.choice(["day", "night"]),
                                       "page": random.randint(1, 3)}, name="list records")

    @task(3)
    def open_record(self) -> None:
        if self.hot:
            self.client.get(f"{DAILY}{random.choice(self.hot)}", name="open record")

    @task(4)
    def save_record(self) -> None:
        """Open a daily log's edit screen, change it, save it with the version shown."""
        if not self.hot:
            return
        record_id = random.choice(self.hot)
        page = self.client.get(f"{DAILY}{record_id}/edit", name="edit record (form)")
        version, token = VERSION.search(page.text or ""), CSRF.search(page.text or "")
        if page.status_code != 200 or not version or not token:
            return
        value = uuid.uuid4().hex
        with self.client.post(f"{DAILY}{record_id}/edit", name="save record",
                              allow_redirects=False, catch_response=True,
                              data={**daily_log(value), "version": version.group(1),
                                    "csrf_token": token.group(1), "action": "save"}) as answer:
            if answer.status_code in (302, 303):
                log_save("update", record_id, int(version.group(1)) + 1, value)
                answer.success()
            elif answer.status_code == 409:
                answer.success()  # someone saved first: the correct answer, not an error
            else:
                answer.failure(f"{answer.status_code}")

    @task(1)
    def create_record(self) -> None:
        value = uuid.uuid4().hex
        form = {**daily_log(value), "csrf_token": self.token, "action": "save"}
        if SUBJECTS:
            form["subject_id"] = random.choice(SUBJECTS)
        with self.client.post(f"{DAILY}new", name="create record", data=form,
                              allow_redirects=False, catch_response=True) as answer:
            found = re.search(r"/daily_log/(\d+)$", answer.headers.get("Location", ""))
            if answer.status_code in (302, 303) and found:
                log_save("create", int(found.group(1)), 1, value)
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")


class Worker(Staff):
    """생활복지사: writes daily logs and counselling notes."""

    weight = 6
    role = "worker"

    @task(1)
    def write_counselling_note(self) -> None:
        """Start a counselling review and complete its first task (상담일지 작성)."""
        form = {"csrf_token": self.token}
        if SUBJECTS:
            form["subject"] = random.choice(SUBJECTS)
        started = self.client.post(
            f"/f/{FACILITY}/u/counselling/processes/counselling_review/start", data=form,
            name="start process", allow_redirects=False)
        found = re.search(r"/tasks/(\d+)$", started.headers.get("Location", ""))
        if not found:
            return
        note = {"counselling_date": "2026-03-02", "method": "in_person",
                "counselee": "subject", "topic": "생활 적응", "content": "학교생활 상담",
                "csrf_token": self.token}
        self.complete_task(found.group(1), note)


class Leader(Staff):
    """팀장: approves the counselling notes waiting in the inbox (another may be first)."""

    weight = 2
    role = "leader"

    @task(3)
    def approve_note(self) -> None:
        page = self.client.get(INBOX, name="inbox")
        waiting = REVIEW_TASK.findall(page.text or "")
        if not waiting:
            return
        task_id = random.choice(waiting[:10])
        # 302 to the instance when done; 302 to the inbox when another leader was first
        self.complete_task(task_id, {"decision": "approved", "csrf_token": self.token})


class Admin(Staff):
    """기관관리자: also exports lists to Excel (a grant the other roles do not have)."""

    weight = 1
    role = "admin"

    @task(1)
    def export(self) -> None:
        self.client.post(f"{DAILY}export.xlsx", name="export list",
                         data={"csrf_token": self.token, "reason": "월간 보고 자료 작성",
                               "shift": "day"})


class ApiClient(FastHttpUser):
    """A connected program (연계 시스템) reading and saving daily logs through the API."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.login_name = _login_for("api")
        self.hot = HOT_BY_LOGIN.get(self.login_name) or ALL_HOT
        answer = self.client.post("/api/v1/auth/token", name="login (api token)",
                                  json={"login": self.login_name, "password": PASSWORD})
        self.auth = {"Authorization": f"Bearer {answer.json()['token']}"}

    @task(2)
    def list_records(self) -> None:
        self.client.get(DAILY_API, headers=self.auth, params={"per_page": 50},
                        name="list records (api)")

    @task(3)
    def save_record(self) -> None:
        record_id = random.choice(self.hot)
        read = self.client.get(f"{DAILY_API}/{record_id}", headers=self.auth,
                               name="read record (api)")
        if read.status_code != 200:
            return
        value = uuid.uuid4().hex
        with self.client.put(f"{DAILY_API}/{record_id}", headers=self.auth,
                             json={"data": daily_log(value), "version": read.json()["version"]},
                             name="save record (api)", catch_response=True) as answer:
            if answer.status_code == 200:
                log_save("update", record_id, answer.json()["version"], value)
                answer.success()
            elif answer.status_code == 409:
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")
