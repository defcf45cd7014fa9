"""``make load``: steps of simulated staff (25, 50, 100, 200, 400 by default), each on a fresh
PostgreSQL database with gunicorn and locust headless (``FastHttpUser``), then a consistency
check; reports per step throughput, p50/p95 per request kind, 5xx and the check, and the knee
``capacity.users``; writes ``load/results.json``.

A step has three phases. **Arrivals** (``LOAD_ARRIVALS`` people a second sign in, 4 by
default, so 400 people take 100 s): every sign-in is an argon2id hash at the library's
recommended cost, a deliberate ~0.2 s of CPU each (4 a second: most of a core), which two
cores can do only so fast. ``LOAD_SETTLE`` seconds (5) for the last sign-ins, then the
**measured window** (``LOAD_SECONDS``, 60 by default): everybody signed in, working with 1-3 s
between actions; the per-kind figures and the knee come from these requests only. **Kill**:
one gunicorn worker is killed with SIGKILL (``LOAD_KILL_GRACE`` seconds, 10, after the window,
so that no request of the window is in flight) and the run goes on ``LOAD_TAIL`` seconds (15) while
gunicorn starts another; then the consistency check. 5xx are counted over the whole step. The
sign-ins are reported separately (their own p50/p95, over the arrivals).

    python load/run.py                       # LOAD_STEPS=25,50,100,200,400 LOAD_SECONDS=60
    LOAD_STEPS=10,20 LOAD_SECONDS=30 python load/run.py
    LOAD_USERS=50 python load/run.py         # one step
    LOAD_GUNICORN=3x4 python load/run.py     # 3 workers of 4 threads (gthread); "4": 4 sync

PostgreSQL comes from ``IEUM_LOAD_POSTGRES_URL``, ``IEUM_BENCH_POSTGRES_URL`` or
``IEUM_TEST_POSTGRES_URL`` (a server where a database may be created and dropped).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
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
#: gunicorn's processes (and threads each, ``gthread`` when more than one): ``LOAD_GUNICORN``
#: as "W" or "WxT". The default was measured on the 2-core machine (NOTES / PERFORMANCE.md).
GUNICORN = os.environ.get("LOAD_GUNICORN", "4")
GUNICORN_WORKERS, _, _THREADS = GUNICORN.partition("x")
GUNICORN_WORKERS = int(GUNICORN_WORKERS)
GUNICORN_THREADS = int(_THREADS or 1)
#: Request kinds that only happen while people arrive (sign-ins): reported on their own.
ARRIVAL_KINDS = ("login page", "login", "login (api token)")
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


def wait_for(url: str, seconds: float = 300, server: subprocess.Popen | None = None,
             log: Path | None = None) -> None:
    """Until ``url`` answers 200 (gunicorn's workers each load the content registry first:
    seconds on a busy machine); a server that exits meanwhile is reported with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:] \
                if log is not None and log.exists() else ""
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{tail}")
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
    threads = ["--worker-class", "gthread", "--threads", str(GUNICORN_THREADS)] \
        if GUNICORN_THREADS > 1 else []
    command = [str(BIN / "gunicorn"), "-w", str(GUNICORN_WORKERS), *threads,
               "-b", f"127.0.0.1:{port}",
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


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted ``values`` (0 when there are none)."""
    if not values:
        return 0.0
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def read_requests(path: Path) -> list[tuple[float, str, str, float, bool]]:
    """(start time, method, kind, milliseconds, ok) of every request locust made."""
    rows = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 5:
                rows.append((float(parts[0]), parts[1], parts[2], float(parts[3]),
                             parts[4] == "1"))
    return rows


def summarise(rows: list[tuple[float, str, str, float, bool]], seconds: float
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The whole (all kinds) and each kind of ``rows``: requests, failures, p50/p95 (exact,
    nearest rank), requests a second over ``seconds``."""
    def figures(times: list[float], failures: int) -> dict[str, Any]:
        times.sort()
        return {"requests": len(times), "failures": failures,
                "p50_ms": round(percentile(times, 0.50), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
                "max_ms": round(times[-1], 1) if times else 0.0,
                "per_second": round(len(times) / seconds, 2) if seconds else 0.0}

    by_kind: dict[tuple[str, str], list[float]] = defaultdict(list)
    failed: Counter = Counter()
    for _start, method, kind, ms, ok in rows:
        by_kind[(kind, method)].append(ms)
        failed[(kind, method)] += not ok
    kinds = [{"kind": kind, "method": method, **figures(times, failed[(kind, method)])}
             for (kind, method), times in sorted(by_kind.items())]
    whole = figures([ms for *_rest, ms, _ok in rows], sum(failed.values()))
    return whole, kinds


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
    """One step: a fresh database and server; ``users`` simulated staff arrive, work for
    ``seconds`` (the measured window), then a worker is killed; the consistency check."""
    arrivals = float(os.environ.get("LOAD_ARRIVALS", "4"))  # people signing in a second
    ramp = max(5.0, users / arrivals)
    settle = float(os.environ.get("LOAD_SETTLE", "5"))  # the last sign-ins finish
    # requests that started in the window finish before the kill (not its casualties)
    grace = float(os.environ.get("LOAD_KILL_GRACE", "10"))
    tail = float(os.environ.get("LOAD_TAIL", "15"))
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
    report: dict[str, Any] = {
        "users": users, "seconds": seconds, "arrival_seconds": round(ramp, 1),
        "settle_seconds": settle,
        "arrivals_per_second": arrivals, "tail_seconds": tail,
        "gunicorn": {"workers": GUNICORN_WORKERS, "threads": GUNICORN_THREADS,
                     "worker_class": "gthread" if GUNICORN_THREADS > 1 else "sync"},
        "database": "postgresql"}
    try:
        print(f"database {database.name}: migrating, demo data, load users ...", flush=True)
        prepare(database.url, env)
        server = start_gunicorn(port, env, folder)
        wait_for(f"{host}/login", server=server, log=folder / "error.log")
        subjects, hot = fixture(host, database.url)
        saves_log = folder / "saves.jsonl"
        requests_log = folder / "requests.tsv"
        prefix = folder / "locust"
        locust_env = {**env, "LOAD_FACILITY": FACILITY, "LOAD_PASSWORD": PASSWORD,
                      "LOAD_WORKERS": ",".join(WORKERS), "LOAD_LEADERS": ",".join(LEADERS),
                      "LOAD_ADMINS": ",".join(ADMINS), "LOAD_HOT_RECORDS": json.dumps(hot),
                      "LOAD_SUBJECTS": ",".join(map(str, subjects)),
                      "LOAD_SAVES_LOG": str(saves_log),
                      "LOAD_REQUESTS_LOG": str(requests_log)}
        total = ramp + settle + seconds + grace + tail
        print(f"locust: {users} users against {host} (gunicorn {GUNICORN}): arriving over "
              f"{ramp:.0f} s, measured {seconds} s, a worker killed, {tail:.0f} s more",
              flush=True)
        started = time.monotonic()
        since = dt.datetime.now(dt.UTC)
        began = time.time()
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(LOAD / "locustfile.py"), "--headless",
             "-u", str(users), "-r", f"{users / ramp:.3f}", "-t", f"{total:.0f}s",
             "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "10",
             "--loglevel", "WARNING"],
            env=locust_env, cwd=ROOT, stdout=subprocess.DEVNULL)
        time.sleep(ramp + settle + seconds + grace)
        victims = worker_pids(server.pid)
        killed = None
        if victims:
            killed = victims[0]
            os.kill(killed, signal.SIGKILL)
            print(f"killed gunicorn worker {killed} with SIGKILL at "
                  f"{ramp + settle + seconds + grace:.0f} s",
                  flush=True)
        locust.wait(timeout=tail + 120)
        elapsed = time.monotonic() - started
        respawned = len(worker_pids(server.pid))
        rows = read_requests(requests_log)
        window = (began + ramp + settle, began + ramp + settle + seconds)
        measured = [r for r in rows if window[0] <= r[0] < window[1]
                    and r[2] not in ARRIVAL_KINDS]
        whole, kinds = summarise(measured, seconds)
        _all, signing_in = summarise([r for r in rows if r[2] in ARRIVAL_KINDS], ramp)
        statuses = server_statuses(folder)
        fives = sum(n for status, n in statuses.items() if status.startswith("5"))
        report.update({
            "elapsed_seconds": round(elapsed, 1),
            "killed_worker": {"pid": killed,
                              "after_seconds": round(ramp + settle + seconds + grace, 1),
                              "workers_after_run": respawned},
            "throughput_per_second": whole["per_second"],
            "requests": whole["requests"],
            "client_failures": whole["failures"],
            "client_failures_whole_step": sum(1 for r in rows if not r[4]),
            "p50_ms": whole["p50_ms"], "p95_ms": whole["p95_ms"], "max_ms": whole["max_ms"],
            "requests_whole_step": len(rows),
            "server_statuses": dict(sorted(statuses.items())),
            "server_5xx": fives, "server_5xx_lines": server_errors(folder),
            "kinds": kinds, "sign_in": signing_in,
            "failures": read_failures(prefix),
            "load_average": [round(x, 2) for x in os.getloadavg()]})
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        report["consistency"] = consistency(database.url, saves_log, hot, env, since)
        sign_in_failures = sum(kind["failures"] for kind in signing_in)
        report["pass"] = fives == 0 and report["consistency"]["ok"] and sign_in_failures == 0
        report["within_knee"] = bool(report["pass"] and whole["requests"]
                                     and whole["p95_ms"] <= KNEE_P95_MS)
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
        "capacity": capacity(steps),
        "server_5xx": sum(step.get("server_5xx", 0) for step in steps),
        "lost_updates": sum(step.get("consistency", {}).get("lost_updates", 0)
                            for step in steps),
        "pass": all(step.get("pass") for step in steps),
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(),
                    "load_average_at_end": [round(x, 2) for x in os.getloadavg()]},
        "steps": steps}
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                       encoding="utf-8")
    print_summary(report)
    print(f"written: {RESULTS}")
    return 0 if report["pass"] else 1


def print_summary(report: dict[str, Any]) -> None:
    """One line per step, then the knee."""
    print()
    print(f"{'users':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'fail':>6}{'5xx':>5}"
          f"{'lost':>6}{'sign-in p95':>13}  consistency  knee (p95 <= {KNEE_P95_MS:g} ms)")
    for step in steps_of(report):
        sign_in = next((k for k in step.get("sign_in", []) if k["kind"] == "login"), {})
        check = step.get("consistency", {})
        print(f"{step['users']:>6}{step.get('throughput_per_second') or 0:>8.1f}"
              f"{step.get('p50_ms') or 0:>9.0f}{step.get('p95_ms') or 0:>9.0f}"
              f"{step.get('client_failures', 0):>6}{step.get('server_5xx', 0):>5}"
              f"{check.get('lost_updates', 0):>6}{sign_in.get('p95_ms', 0):>13.0f}  "
              f"{'OK' if check.get('ok') else 'FAILED':<13}"
              f"{'within' if step.get('within_knee') else 'beyond'}")
    print(f"capacity.users = {report['capacity']['users']} "
          f"({report['capacity']['criterion']})")


def steps_of(report: dict[str, Any]) -> list[dict[str, Any]]:
    return report.get("steps", [])


def print_report(report: dict[str, Any]) -> None:
    gunicorn = report["gunicorn"]
    print()
    print(f"{report['users']} users on PostgreSQL, gunicorn {gunicorn['workers']} "
          f"{gunicorn['worker_class']} workers x {gunicorn['threads']} threads; "
          f"load average {report.get('load_average')}")
    print(f"measured window {report['seconds']} s (after {report['arrival_seconds']} s of "
          f"arrivals): {report['requests']} requests, {report['throughput_per_second']}/s, "
          f"p50 {report['p50_ms']:.0f} ms, p95 {report['p95_ms']:.0f} ms, client failures "
          f"{report['client_failures']}")
    print(f"whole step: {report['requests_whole_step']} requests, client failures "
          f"{report['client_failures_whole_step']}, server 5xx {report['server_5xx']}, "
          f"statuses {report['server_statuses']}")
    print(f"killed worker: {report['killed_worker']}")
    print()
    print(f"{'request kind':<28}{'count':>7}{'fail':>6}{'p50 ms':>9}{'p95 ms':>9}")
    for kind in report["kinds"]:
        print(f"{kind['kind'][:27]:<28}{kind['requests']:>7}{kind['failures']:>6}"
              f"{kind['p50_ms']:>9.0f}{kind['p95_ms']:>9.0f}")
    for kind in report["sign_in"]:
        label = f"{kind['kind']} (arrivals)"
        print(f"{label[:27]:<28}{kind['requests']:>7}{kind['failures']:>6}"
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
