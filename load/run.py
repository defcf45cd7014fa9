"""``make load``: steps of simulated staff (25, 50, 100, 200, 400 by default), each on a fresh
PostgreSQL database with gunicorn (4 workers) and locust headless, one worker killed with
SIGKILL half-way, then a consistency check; reports per step throughput, p50/p95 per request
kind, 5xx and the check, and the knee ``capacity.users``; writes ``load/results.json``.

    python load/run.py                       # LOAD_STEPS=25,50,100,200,400 LOAD_SECONDS=60
    LOAD_STEPS=10,20 LOAD_SECONDS=30 python load/run.py
    LOAD_USERS=50 python load/run.py         # one step, as before issue 15

PostgreSQL comes from ``IEUM_LOAD_POSTGRES_URL``, ``IEUM_BENCH_POSTGRES_URL`` or
``IEUM_TEST_POSTGRES_URL`` (a server where a database may be created and dropped).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

LOAD = Path(__file__).resolve().parent
ROOT = LOAD.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
RESULTS = LOAD / "results.json"
PASSWORD = "load-pass-2026"
FACILITY = "demo-child"
WORKERS = [f"loadworker{n:02d}" for n in range(1, 11)]
LEADERS = [f"loadlead{n:02d}" for n in range(1, 4)]
ADMINS = ["loadadmin01"]
HOT_PER_WORKER = 3
GUNICORN_WORKERS = 4
#: Every simulated person signs in from 127.0.0.1: the per-address limit on sign-ins
#: (ieum.web.security, 20 a minute by default) would refuse most of a step's sign-ins with
#: 429, and those users would then only see the login screen. Each real person has an address.
LOGIN_RATE_LIMIT = "100000 per minute"


def postgres_base() -> str:
    for name in ("IEUM_LOAD_POSTGRES_URL", "IEUM_BENCH_POSTGRES_URL", "IEUM_TEST_POSTGRES_URL"):
        if os.environ.get(name):
            return os.environ[name]
    sys.exit("make load needs PostgreSQL: set IEUM_LOAD_POSTGRES_URL (or IEUM_TEST_POSTGRES_URL)"
             " to a server where a database may be created")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FreshDatabase:
    """``CREATE DATABASE ieum_load_<random>`` on the server; dropped by ``drop``."""

    def __init__(self, base: str) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from ieum.config import normalise_database_url
        from ieum.store.db import make_engine

        self.text = text
        self.admin_url = normalise_database_url(base)
        self.name = f"ieum_load_{secrets.token_hex(4)}"
        self.engine = make_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with self.engine.connect() as c:
            c.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = make_url(self.admin_url).set(database=self.name).render_as_string(
            hide_password=False)

    def drop(self) -> None:
        with self.engine.connect() as c:
            c.execute(self.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = :name AND pid <> pg_backend_pid()"),
                      {"name": self.name})
            c.execute(self.text(f'DROP DATABASE IF EXISTS "{self.name}"'))
        self.engine.dispose()


def prepare(url: str, env: dict[str, str]) -> None:
    """Migrate, load the demo, add the load-test staff."""
    for command in (["db", "upgrade"], ["demo"]):
        done = subprocess.run([str(BIN / "ieum"), *command], env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ieum {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    from sqlalchemy import select

    from ieum.config import REPOSITORY_ROOT
    from ieum.definitions import load_registry
    from ieum.services.admin.users import create_user, grant_role
    from ieum.store.db import Database
    from ieum.store.models import Facility

    registry = load_registry([REPOSITORY_ROOT], plugins=False)
    database = Database(url)
    with database.session() as s:
        home = s.scalar(select(Facility).where(Facility.code == FACILITY))
        staff = ([(w, "worker") for w in WORKERS] + [(b, "team_leader") for b in LEADERS]
                 + [(a, "facility_admin") for a in ADMINS])
        for login, role in staff:
            user = create_user(s, login=login, name=login, password=PASSWORD)
            grant_role(s, registry, user=user, facility=home, role=role,
                       valid_from=dt.date(2000, 1, 1))
    database.dispose()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer {url}")


def api(host: str, method: str, path: str, body: Any = None,
        token: str | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(host + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read() or b"null")


def fixture(host: str, url: str) -> tuple[list[int], dict[str, list[int]]]:
    """The facility's subjects, and a few daily logs of each worker, edited concurrently by
    that worker's sessions and by the team leaders."""
    from sqlalchemy import select

    from ieum.store.db import Database
    from ieum.store.models import Facility, Subject

    database = Database(url)
    with database.session() as s:
        home = s.scalar(select(Facility.id).where(Facility.code == FACILITY))
        subjects = list(s.scalars(select(Subject.id).where(Subject.facility_id == home)))
    database.dispose()
    hot: dict[str, list[int]] = {}
    for n, login in enumerate(WORKERS):
        token = api(host, "POST", "/api/v1/auth/token",
                    {"login": login, "password": PASSWORD})["token"]
        for k in range(HOT_PER_WORKER):
            body = {"data": {"log_date": "2026-03-02", "shift": "day", "meal": "good",
                             "sleep": "good", "special_notes": f"seed-{login}-{k}"}}
            if subjects:
                body["subject_id"] = subjects[(n * HOT_PER_WORKER + k) % len(subjects)]
            saved = api(host, "POST",
                        f"/api/v1/f/{FACILITY}/u/daily_care_log/daily_log/records", body, token)
            hot.setdefault(login, []).append(saved["id"])
    return subjects, hot


def start_gunicorn(port: int, env: dict[str, str], folder: Path) -> subprocess.Popen:
    access = folder / "access.log"
    command = [str(BIN / "gunicorn"), "-w", str(GUNICORN_WORKERS), "-b", f"127.0.0.1:{port}",
               "--timeout", "60", "--graceful-timeout", "10",
               "--access-logfile", str(access),
               "--access-logformat", '%(s)s %(m)s "%(U)s" %(M)s',
               "--error-logfile", str(folder / "error.log"), "ieum:create_app()"]
    return subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)


def worker_pids(master: int) -> list[int]:
    import psutil

    try:
        return [child.pid for child in psutil.Process(master).children()]
    except psutil.NoSuchProcess:
        return []


def read_stats(prefix: Path) -> list[dict[str, Any]]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        return []
    kinds = []
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kinds.append({
                "kind": row["Name"], "method": row["Type"],
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
                "per_second": round(float(row["Requests/s"] or 0), 2)})
    return kinds


def read_failures(prefix: Path) -> list[dict[str, Any]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [{"kind": r["Name"], "method": r["Method"], "error": r["Error"][:200],
                 "count": int(r["Occurrences"])} for r in csv.DictReader(handle)]


def server_statuses(folder: Path) -> Counter:
    counts: Counter = Counter()
    log = folder / "access.log"
    if log.exists():
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            status = line.split(" ", 1)[0]
            if status.isdigit():
                counts[status] += 1
    return counts


def server_errors(folder: Path) -> list[str]:
    log = folder / "access.log"
    if not log.exists():
        return []
    return [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if re.match(r"5\d\d ", line)][:20]


def consistency(url: str, saves_log: Path, hot: dict[str, list[int]], env: dict[str, str],
                since: dt.datetime) -> dict[str, Any]:
    """What the clients believe they saved against the database."""
    from sqlalchemy import func, select

    from ieum.store.db import Database
    from ieum.store.models import AuditEvent, ProcessInstance, Record, Task

    saves = [json.loads(line) for line in saves_log.read_text(encoding="utf-8").splitlines()
             if line.strip()] if saves_log.exists() else []
    by_record: dict[int, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for save in saves:
        by_record[save["record"]][save["version"]].append(save["token"])
    problems: list[str] = []
    unacknowledged = 0
    database = Database(url)
    with database.session() as s:
        rows = {r.id: r for r in s.scalars(select(Record).where(
            Record.id.in_(list(by_record) or [0])))}
        audit_counts = dict(s.execute(
            select(AuditEvent.target_id, func.count()).where(
                AuditEvent.action == "record.update", AuditEvent.target_type == "record")
            .group_by(AuditEvent.target_id)).all())
        creates = dict(s.execute(
            select(AuditEvent.target_id, func.count()).where(
                AuditEvent.action == "record.create", AuditEvent.target_type == "record")
            .group_by(AuditEvent.target_id)).all())
        for record_id, versions in sorted(by_record.items()):
            row = rows.get(record_id)
            if row is None:
                problems.append(f"record {record_id}: acknowledged but not in the database")
                continue
            for version, tokens in versions.items():
                if len(tokens) > 1:
                    problems.append(f"record {record_id}: version {version} acknowledged "
                                    f"to {len(tokens)} clients (a lost update)")
            newest = max(versions)
            stored = (row.data or {}).get("special_notes")
            if row.version < newest:
                problems.append(f"record {record_id}: clients saw version {newest}, the "
                                f"database has {row.version}")
            elif row.version == newest and stored not in versions[newest]:
                problems.append(f"record {record_id}: the last acknowledged save of version "
                                f"{newest} is not what the database holds")
            elif row.version > newest:
                unacknowledged += 1
            updates = audit_counts.get(str(record_id), 0)
            acknowledged_updates = sum(len(t) for v, t in versions.items() if v > 1)
            if updates != row.version - 1:
                problems.append(f"record {record_id}: version {row.version} but {updates} "
                                "record.update audit rows")
            if updates < acknowledged_updates:
                problems.append(f"record {record_id}: {acknowledged_updates} acknowledged "
                                f"updates, {updates} audit rows")
            if creates.get(str(record_id), 0) != 1:
                problems.append(f"record {record_id}: {creates.get(str(record_id), 0)} "
                                "record.create audit rows")
        errored = s.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "error")) or 0
        if errored:
            problems.append(f"{errored} process instance(s) in error")
        orphan_tasks = s.scalar(select(func.count()).select_from(Task).where(
            Task.state == "completed", Task.form_id.is_not(None), Task.record_id.is_(None),
            Task.completed_at >= since)) or 0
        if orphan_tasks:
            problems.append(f"{orphan_tasks} completed task(s) without their record")
        ready_twice = s.execute(select(Task.instance_id, Task.name, func.count()).where(
            Task.state == "ready").group_by(Task.instance_id, Task.name)
            .having(func.count() > 1)).all()
        if ready_twice:
            problems.append(f"{len(ready_twice)} task(s) ready twice in one instance")
        instances = s.scalar(select(func.count()).select_from(ProcessInstance)) or 0
        completed_tasks = s.scalar(select(func.count()).select_from(Task).where(
            Task.state == "completed")) or 0
    database.dispose()
    verify = subprocess.run([str(BIN / "ieum"), "audit", "verify"], env=env,
                            capture_output=True, text=True)
    if verify.returncode != 0:
        problems.append(f"audit chain: {verify.stdout.strip()[:300]}")
    lost = [p for p in problems if "lost" in p or "clients saw" in p or "not what" in p
            or "not in the database" in p]
    return {"acknowledged_saves": len(saves), "records_checked": len(by_record),
            "hot_records": sum(len(ids) for ids in hot.values()),
            "unacknowledged_commits": unacknowledged,
            "lost_updates": len(lost), "process_instances": instances,
            "completed_tasks": completed_tasks, "audit_chain": verify.stdout.strip()[:200],
            "problems": problems, "ok": not problems}


#: The steps of simulated staff (issue 15): the highest whose p95 over all request kinds
#: stays within ``KNEE_P95_MS`` (with no 5xx and a clean consistency check) is the capacity.
DEFAULT_STEPS = "25,50,100,200,400"
KNEE_P95_MS = 300.0


def run_step(base: str, users: int, seconds: int) -> dict[str, Any]:
    """One step: a fresh database and server, ``users`` simulated staff for ``seconds``, one
    worker killed half-way, the consistency check."""
    kill_after = float(os.environ.get("LOAD_KILL_AFTER", str(seconds / 2)))
    # People do not all sign in within the same second: arrivals over the first third.
    spawn_rate = float(os.environ.get("LOAD_SPAWN_RATE", str(max(1.0, users / (seconds / 3)))))
    database = FreshDatabase(base)
    folder = Path(tempfile.mkdtemp(prefix="ieum-load-"))
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    # The step's instance folder holds the master key that signs audit checkpoints: this
    # process (which adds the load-test staff, audited) and the server must share it, or
    # ``ieum audit verify`` finds checkpoints signed with another key.
    step_env = {"IEUM_DATABASE_URL": database.url,
                "IEUM_INSTANCE_PATH": str(folder / "instance"),
                "IEUM_KEY_DIR": str(folder / "instance"),
                "IEUM_SECRET_KEY": secrets.token_urlsafe(32),
                "IEUM_LOGIN_RATE_LIMIT": LOGIN_RATE_LIMIT}
    os.environ.update(step_env)
    env = {**os.environ, **step_env}
    server = None
    report: dict[str, Any] = {"users": users, "seconds": seconds, "spawn_rate": spawn_rate,
                              "gunicorn_workers": GUNICORN_WORKERS, "database": "postgresql"}
    try:
        print(f"database {database.name}: migrating, demo data, load users ...", flush=True)
        prepare(database.url, env)
        server = start_gunicorn(port, env, folder)
        wait_for(f"{host}/login")
        subjects, hot = fixture(host, database.url)
        saves_log = folder / "saves.jsonl"
        prefix = folder / "locust"
        locust_env = {**env, "LOAD_FACILITY": FACILITY, "LOAD_PASSWORD": PASSWORD,
                      "LOAD_WORKERS": ",".join(WORKERS), "LOAD_LEADERS": ",".join(LEADERS),
                      "LOAD_ADMINS": ",".join(ADMINS), "LOAD_HOT_RECORDS": json.dumps(hot),
                      "LOAD_SUBJECTS": ",".join(map(str, subjects)),
                      "LOAD_SAVES_LOG": str(saves_log)}
        print(f"locust: {users} users for {seconds} s against {host} (gunicorn "
              f"{GUNICORN_WORKERS} workers)", flush=True)
        started = time.monotonic()
        since = dt.datetime.now(dt.UTC)
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(LOAD / "locustfile.py"), "--headless",
             "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s",
             "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
             "--loglevel", "WARNING"],
            env=locust_env, cwd=ROOT)
        time.sleep(kill_after)
        victims = worker_pids(server.pid)
        killed = None
        if victims:
            killed = victims[0]
            os.kill(killed, signal.SIGKILL)
            print(f"killed gunicorn worker {killed} with SIGKILL at {kill_after:.0f} s",
                  flush=True)
        locust.wait(timeout=seconds + 120)
        elapsed = time.monotonic() - started
        respawned = len(worker_pids(server.pid))
        kinds = read_stats(prefix)
        total = next((k for k in kinds if k["kind"] == "Aggregated"), None)
        statuses = server_statuses(folder)
        fives = sum(n for status, n in statuses.items() if status.startswith("5"))
        report.update({
            "elapsed_seconds": round(elapsed, 1),
            "killed_worker": {"pid": killed, "after_seconds": kill_after,
                              "workers_after_run": respawned},
            "throughput_per_second": total["per_second"] if total else None,
            "requests": total["requests"] if total else 0,
            "client_failures": total["failures"] if total else 0,
            "p50_ms": total["p50_ms"] if total else None,
            "p95_ms": total["p95_ms"] if total else None,
            "server_statuses": dict(sorted(statuses.items())),
            "server_5xx": fives, "server_5xx_lines": server_errors(folder),
            "kinds": [k for k in kinds if k["kind"] != "Aggregated"],
            "failures": read_failures(prefix)})
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        report["consistency"] = consistency(database.url, saves_log, hot, env, since)
        report["pass"] = fives == 0 and report["consistency"]["ok"]
        report["within_knee"] = bool(report["pass"] and total and total["requests"]
                                     and total["p95_ms"] <= KNEE_P95_MS)
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        database.drop()
    return report


def steps_asked() -> list[int]:
    """``LOAD_STEPS`` (e.g. ``25,50,100``); ``LOAD_USERS`` alone asks for one step."""
    if "LOAD_STEPS" not in os.environ and "LOAD_USERS" in os.environ:
        return [int(os.environ["LOAD_USERS"])]
    return [int(n) for n in os.environ.get("LOAD_STEPS", DEFAULT_STEPS).split(",") if n]


def capacity(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The knee: the highest step, counting up from the first, whose p95 over all kinds
    stays within ``KNEE_P95_MS`` with no 5xx and a clean consistency check."""
    users = None
    for step in steps:
        if not step.get("within_knee"):
            break
        users = step["users"]
    return {"users": users, "criterion": f"p95 over all request kinds <= {KNEE_P95_MS:g} ms, "
            "0 server 5xx, consistency check clean (0 lost updates)",
            "steps": [step["users"] for step in steps]}


def main() -> int:
    seconds = int(os.environ.get("LOAD_SECONDS", "60"))
    base = postgres_base()
    steps: list[dict[str, Any]] = []
    for users in steps_asked():
        step = run_step(base, users, seconds)
        steps.append(step)
        print_report(step)
        # Past the knee the next steps only queue longer: stop after the first step beyond
        # twice the limit (a step that fails its checks is reported and stops the run too).
        if not step.get("pass") or (step.get("p95_ms") or 0) > 2 * KNEE_P95_MS:
            break
    report: dict[str, Any] = {
        "steps": steps, "capacity": capacity(steps),
        "server_5xx": sum(step.get("server_5xx", 0) for step in steps),
        "lost_updates": sum(step.get("consistency", {}).get("lost_updates", 0)
                            for step in steps),
        "pass": all(step.get("pass") for step in steps),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print()
    print(f"{'users':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'5xx':>5}{'lost':>6}  knee")
    for step in steps:
        print(f"{step['users']:>6}{step.get('throughput_per_second') or 0:>8.1f}"
              f"{step.get('p50_ms') or 0:>9.0f}{step.get('p95_ms') or 0:>9.0f}"
              f"{step.get('server_5xx', 0):>5}"
              f"{step.get('consistency', {}).get('lost_updates', 0):>6}  "
              f"{'within' if step.get('within_knee') else 'beyond'}")
    print(f"capacity.users = {report['capacity']['users']}\nwritten: {RESULTS}")
    return 0 if report["pass"] else 1


def print_report(report: dict[str, Any]) -> None:
    print()
    print(f"{report['users']} users, {report['seconds']} s, gunicorn "
          f"{report['gunicorn_workers']} workers on PostgreSQL")
    print(f"requests {report['requests']}, throughput {report['throughput_per_second']}/s, "
          f"client-side failures {report['client_failures']}, server 5xx "
          f"{report['server_5xx']}")
    print(f"killed worker: {report['killed_worker']}")
    print()
    print(f"{'request kind':<28}{'count':>7}{'fail':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for kind in report["kinds"]:
        print(f"{kind['kind'][:27]:<28}{kind['requests']:>7}{kind['failures']:>6}"
              f"{kind['p50_ms']:>9.0f}{kind['p95_ms']:>9.0f}")
    for failure in report["failures"]:
        print(f"  failure: {failure['kind']}: {failure['error']} x{failure['count']}")
    check = report["consistency"]
    print()
    print(f"consistency: {'OK' if check['ok'] else 'FAILED'} — {check['acknowledged_saves']} "
          f"acknowledged saves on {check['records_checked']} records, lost updates "
          f"{check['lost_updates']}, unacknowledged commits {check['unacknowledged_commits']},"
          f" audit: {check['audit_chain']}")
    for problem in check["problems"][:20]:
        print(f"  problem: {problem}")


if __name__ == "__main__":
    sys.exit(main())
