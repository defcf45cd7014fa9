"""The request kinds of ``make load``, one at a time, through the Flask test client on
PostgreSQL: SQL statements (and round trips) per request and the time each takes alone.

    python load/kinds.py                      # every kind, 40 repeats, a fresh database
    python load/kinds.py --repeat 100 --kind inbox --kind "open record"
    python load/kinds.py --profile inbox      # pyinstrument profile of one kind
    python load/kinds.py --keep               # keep the database; --url reuses one

The statements are what the server sends for one request of a signed-in person whose session
is warm (the second request onwards, as in the load test). Times are wall-clock medians of
requests made back to back in this process: on a shared machine they drift, the statement
counts do not. PostgreSQL comes from the same variables as ``load/run.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOAD = Path(__file__).resolve().parent
sys.path.insert(0, str(LOAD))
import run as harness  # noqa: E402 - load/run.py, beside this file

FACILITY = harness.FACILITY
DAILY = f"/f/{FACILITY}/u/daily_care_log/daily_log/"
DAILY_API = f"/api/v1/f/{FACILITY}/u/daily_care_log/daily_log/records"
SUBJECT_LIST = f"/f/{FACILITY}/u/subject_management/subject_basic/"
INBOX = f"/f/{FACILITY}/tasks/"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')


class Counter:
    """SQL statements the app's engine executes (``before_cursor_execute``) and the pool's
    checkouts (a connection idle for a second or more is pinged then, ``store.db``)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        from sqlalchemy import event

        self.statements: list[str] = []
        self.seconds: list[float] = []
        self.checkouts = 0
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "after_cursor_execute", self._done)
        event.listen(engine.pool, "checkout", self._checkout)

    def _statement(self, _conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        self.statements.append(statement)
        self._started = time.perf_counter()

    def _done(self, *_args) -> None:  # noqa: ANN002
        self.seconds.append(time.perf_counter() - self._started)

    def _checkout(self, *_args) -> None:  # noqa: ANN002
        self.checkouts += 1

    def reset(self) -> None:
        self.statements.clear()
        self.seconds.clear()
        self.checkouts = 0


class Desk:
    """A signed-in browser (test client with its cookie) and an API client."""

    def __init__(self, app, login: str, hot: list[int], subjects: list[int]) -> None:  # noqa: ANN001
        self.app = app
        self.login = login
        self.hot = hot
        self.subjects = subjects
        self.client = app.test_client()
        page = self.client.get("/login")
        self.token = CSRF.search(page.get_data(as_text=True)).group(1)
        answer = self.client.post("/login", data={"login": login, "password": harness.PASSWORD,
                                                  "csrf_token": self.token})
        assert answer.status_code == 302, answer.status_code
        self.refresh()
        api = app.test_client().post("/api/v1/auth/token",
                                     json={"login": login, "password": harness.PASSWORD})
        self.bearer = {"Authorization": f"Bearer {api.get_json()['token']}"}
        self.turn = 0

    def refresh(self) -> None:
        page = self.client.get(INBOX)
        self.token = CSRF.search(page.get_data(as_text=True)).group(1)

    def record(self) -> int:
        self.turn += 1
        return self.hot[self.turn % len(self.hot)]


def _daily(value: str) -> dict[str, str]:
    return {"log_date": "2026-03-02", "shift": "day", "meal": "good", "sleep": "good",
            "special_notes": value}


def kinds(desk: Desk, anonymous) -> dict[str, Callable[[], Any]]:  # noqa: ANN001
    """Each kind as the load test's users ask for it (load/locustfile.py)."""
    client = desk.client

    def login_post():  # noqa: ANN202
        fresh = desk.app.test_client()
        page = fresh.get("/login")
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        return "login", lambda: fresh.post("/login", data={
            "login": desk.login, "password": harness.PASSWORD, "csrf_token": token})

    def save():  # noqa: ANN202
        record_id = desk.record()
        page = client.get(f"{DAILY}{record_id}/edit").get_data(as_text=True)
        version = VERSION.search(page).group(1)
        token = CSRF.search(page).group(1)
        return "save record", lambda: client.post(f"{DAILY}{record_id}/edit", data={
            **_daily(secrets.token_hex(8)), "version": version, "csrf_token": token,
            "action": "save"})

    def create():  # noqa: ANN202
        form = {**_daily(secrets.token_hex(8)), "csrf_token": desk.token, "action": "save",
                "subject_id": desk.subjects[desk.turn % len(desk.subjects)]}
        return "create record", lambda: client.post(f"{DAILY}new", data=form)

    def complete():  # noqa: ANN202
        started = client.post(f"/f/{FACILITY}/u/counselling/processes/counselling_review/start",
                              data={"csrf_token": desk.token, "subject": desk.subjects[0]})
        task_id = re.search(r"/tasks/(\d+)$", started.headers["Location"]).group(1)
        note = {"counselling_date": "2026-03-02", "method": "in_person",
                "counselee": "subject", "topic": "생활 적응", "content": "학교생활 상담",
                "csrf_token": desk.token}
        return "complete task", lambda: client.post(f"/f/{FACILITY}/tasks/{task_id}", data=note)

    def api_save():  # noqa: ANN202
        record_id = desk.record()
        read = client.get(f"{DAILY_API}/{record_id}", headers=desk.bearer).get_json()
        return "save record (api)", lambda: client.put(
            f"{DAILY_API}/{record_id}", headers=desk.bearer,
            json={"data": _daily(secrets.token_hex(8)), "version": read["version"]})

    def simple(path: str, **kwargs) -> Callable[[], Any]:  # noqa: ANN003
        return lambda: (None, lambda: client.get(path, **kwargs))

    return {
        "login page": lambda: (None, lambda: anonymous.get("/login")),
        "login": login_post,
        "login (api token)": lambda: (None, lambda: anonymous.post(
            "/api/v1/auth/token", json={"login": desk.login, "password": harness.PASSWORD})),
        "inbox": simple(INBOX),
        "list subjects": simple(SUBJECT_LIST),
        "search subjects": simple(SUBJECT_LIST, query_string={"name": "김", "sort": "name",
                                                              "dir": "asc"}),
        "list records": simple(DAILY, query_string={"shift": "day", "page": 1}),
        "open record": lambda: (None, lambda: client.get(f"{DAILY}{desk.record()}")),
        "edit record (form)": lambda: (None, lambda: client.get(f"{DAILY}{desk.record()}/edit")),
        "save record": save,
        "create record": create,
        "complete task": complete,
        "read record (api)": lambda: (None, lambda: client.get(
            f"{DAILY_API}/{desk.record()}", headers=desk.bearer)),
        "save record (api)": api_save,
        "list records (api)": simple(DAILY_API, headers=desk.bearer,
                                     query_string={"per_page": 50}),
    }


EXPECTED = {"login": 302, "save record": 302, "create record": 302, "complete task": 302,
            "login (api token)": 201}


def backend_cpu(engine) -> float:  # noqa: ANN001
    """Seconds of CPU (user + system) used so far by the PostgreSQL backends of ``engine``'s
    database (read from /proc: the server runs on this machine): planning and executing,
    whatever the client waits for."""
    from sqlalchemy import text

    with engine.connect() as connection:
        pids = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        pids = list(pids)
    ticks = os.sysconf("SC_CLK_TCK")
    used = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used += (int(fields[11]) + int(fields[12])) / ticks
    return used


def planning(engine) -> str:  # noqa: ANN001
    """How many indexes ``record`` has and what planning a read of it by primary key costs
    (``EXPLAIN (SUMMARY)``, median of 5 on one warm connection): PostgreSQL weighs every
    index of the table for every statement (see ``ieum.store.indexes``)."""
    from sqlalchemy import text

    with engine.connect() as connection:
        count = connection.scalar(text(
            "SELECT count(*) FROM pg_index WHERE indrelid = 'record'::regclass"))
        times = []
        for _ in range(6):
            plan = connection.execute(text(
                "EXPLAIN (SUMMARY, FORMAT JSON) SELECT * FROM record WHERE id = 1")).scalar()
            times.append(plan[0]["Planning Time"])
    warm = statistics.median(times[1:])
    return (f"record: {count} indexes; planning a primary-key read {warm:.2f} ms (warm), "
            f"{times[0]:.2f} ms (first)")


def measure(name: str, make: Callable[[], Any], counter: Counter, repeat: int,
            engine=None) -> dict[str, Any]:  # noqa: ANN001
    times, statements, checkouts, database, cpu = [], [], [], [], []
    backend_before = 0.0
    sample: list[str] = []
    for n in range(repeat + 1):
        _label, call = make()
        counter.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        answer = call()
        elapsed = time.perf_counter() - started
        cpu_used = time.process_time() - cpu_started
        expected = EXPECTED.get(name, 200)
        if answer.status_code != expected:
            raise RuntimeError(f"{name}: HTTP {answer.status_code}, expected {expected}")
        if n == 0:
            backend_before = backend_cpu(engine) if engine is not None else 0.0
            continue  # the first is a warm-up (templates compiled, caches filled)
        times.append(elapsed * 1000)
        cpu.append(cpu_used * 1000)
        statements.append(len(counter.statements))
        checkouts.append(counter.checkouts)
        database.append(sum(counter.seconds) * 1000)
        sample = [f"{seconds * 1000:6.2f} ms  {statement}" for statement, seconds
                  in zip(counter.statements, counter.seconds, strict=False)]
    backend = (backend_cpu(engine) - backend_before) / repeat if engine is not None else 0.0
    times.sort()
    return {"kind": name, "statements": statistics.median(statements),
            "statements_max": max(statements), "checkouts": statistics.median(checkouts),
            "p50_ms": round(statistics.median(times), 2),
            "sql_ms": round(statistics.median(database), 2),
            "cpu_ms": round(statistics.median(cpu), 2),
            "pg_cpu_ms": round(backend * 1000, 2),
            "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 2),
            "sql": sample}


def build(url: str, folder: Path):  # noqa: ANN201
    os.environ.setdefault("IEUM_INSTANCE_PATH", str(folder))
    os.environ.setdefault("IEUM_KEY_DIR", str(folder))
    os.environ.update({"IEUM_DATABASE_URL": url,
                       "IEUM_SECRET_KEY": secrets.token_urlsafe(32),
                       "IEUM_LOGIN_RATE_LIMIT": harness.LOGIN_RATE_LIMIT})
    from ieum import create_app

    return create_app({"TESTING": False})


def seed(app, url: str) -> tuple[list[int], list[int]]:  # noqa: ANN001
    from sqlalchemy import select

    from ieum.store.db import Database
    from ieum.store.models import Facility, Subject

    database = Database(url)
    with database.session() as s:
        home = s.scalar(select(Facility.id).where(Facility.code == FACILITY))
        subjects = list(s.scalars(select(Subject.id).where(Subject.facility_id == home)))
    database.dispose()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={
        "login": harness.WORKERS[0], "password": harness.PASSWORD}).get_json()["token"]
    hot = []
    for k in range(3):
        saved = client.post(DAILY_API, headers={"Authorization": f"Bearer {token}"}, json={
            "subject_id": subjects[k % len(subjects)], "data": _daily(f"seed-{k}")})
        hot.append(saved.get_json()["id"])
    return hot, subjects


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--kind", action="append", help="only these kinds")
    parser.add_argument("--profile", help="a pyinstrument profile of this kind")
    parser.add_argument("--url", help="reuse this prepared database (from --keep)")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--sql", action="store_true", help="print each kind's statements")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    fresh = None
    if args.url:
        url = args.url
    else:
        fresh = harness.FreshDatabase(harness.postgres_base())
        url = fresh.url
        folder = Path(tempfile.mkdtemp(prefix="ieum-kinds-"))
        os.environ.update({"IEUM_INSTANCE_PATH": str(folder), "IEUM_KEY_DIR": str(folder)})
        env = {**os.environ, "IEUM_DATABASE_URL": url}
        print(f"database {fresh.name}: migrating, demo data, load users ...", flush=True)
        harness.prepare(url, env)
    try:
        app = build(url, Path(tempfile.mkdtemp(prefix="ieum-kinds-")))
        hot, subjects = seed(app, url)
        desk = Desk(app, harness.WORKERS[0], hot, subjects)
        counter = Counter(app.extensions["ieum.database"].engine)
        table = kinds(desk, app.test_client())
        if args.profile:
            from pyinstrument import Profiler

            make = table[args.profile]
            measure(args.profile, make, counter, 3)
            profiler = Profiler(interval=0.0005)
            with profiler:
                for _ in range(args.repeat):
                    make()[1]()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
            return 0
        results = []
        print(planning(app.extensions["ieum.database"].engine))
        print(f"{'request kind':<22}{'stmts':>6}{'pool':>5}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'sql ms':>8}{'cpu ms':>8}{'pg cpu':>8}")
        for name, make in table.items():
            if args.kind and name not in args.kind:
                continue
            result = measure(name, make, counter, args.repeat,
                             app.extensions["ieum.database"].engine)
            results.append(result)
            print(f"{name:<22}{result['statements']:>6g}{result['checkouts']:>5g}"
                  f"{result['p50_ms']:>9.1f}{result['p95_ms']:>9.1f}{result['sql_ms']:>8.1f}"
                  f"{result['cpu_ms']:>8.1f}{result['pg_cpu_ms']:>8.1f}",
                  flush=True)
            if args.sql:
                for statement in result["sql"]:
                    print("    " + " ".join(statement.split()))
        if args.json:
            args.json.write_text(json.dumps(
                [{k: v for k, v in r.items() if k != "sql"} for r in results], indent=2,
                ensure_ascii=False) + "\n", encoding="utf-8")
    finally:
        if fresh is not None and not args.keep:
            fresh.drop()
        elif fresh is not None:
            print(f"kept: {fresh.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
