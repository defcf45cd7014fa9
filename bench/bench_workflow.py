"""User-task steps per second on the self-reliance case process (bench/content).

Platform: ``ieum.services.workflows.complete_task`` on a SQLite file (and, with a server, on
PostgreSQL) — open the workspace, validate the form, save the record, load the instance,
advance SpiffWorkflow, store state, task rows and the audit event, bump the version: one
transaction per step.

Baselines, interleaved with the platform in every run (issue 15):

- **durable peer** (the headline): the same work written by hand — SpiffWorkflow, bare
  ``jsonschema`` on the schema the platform validates (``forms.validation.for_validation``,
  same format checks), stdlib ``sqlite3`` (WAL, ``synchronous=FULL``, as the platform's
  SQLite) or ``psycopg`` on PostgreSQL: per step read the task and its instance, validate,
  insert the record, update the task row, insert the new ready task rows, update the instance
  (state, status, version), append one hash-chained audit row, commit.
  ``ratio_vs_durable`` (SQLite) and ``postgres_ratio_vs_durable`` = platform / peer, target
  >= 0.8.
- **raw SpiffWorkflow** (information, the figure before issue 15): deserialize, put the form
  data in the task, run, serialize; no database, no validation. ``ratio_vs_raw_spiff``.

Each instance walks four user tasks (자립기술평가 -> 자립지원계획 -> 사례관리일지 x 2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url

from bench import content_root
from bench.timing import postgres_url, summary
from ieum.access.audit import Actor
from ieum.config import normalise_database_url
from ieum.definitions import load_registry
from ieum.forms.validation import FORMATS, for_validation
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.workspace import open_workspace
from ieum.store.db import Database, make_engine
from ieum.store.migrate import upgrade
from ieum.store.models import Subject, Task
from ieum.workflow import functions, runtime

TODAY = dt.date(2026, 3, 2)
UNIT = "sr_case_flow"
PROCESS = "sr_case_flow"
DOMAINS = ("daily", "selfcare", "community", "money", "social", "career")
ASSESSMENT = {"assessed_on": "2026-02-20",
              **{f"{d}_{n:02d}": 1 + (n + i) % 4 for i, d in enumerate(DOMAINS)
                 for n in range(1, 11)}}
PLAN = {"planned_on": "2026-02-25", "school_level": "high", "grade": 2,
        "school_type": "vocational", "plan_type": "undecided",
        "desired_housing": "self_reliance_facility"}
LOG = {"log_date": "2026-03-02", "area": "other", "service_content": "생활 점검"}
ANSWERS = {"sr_assessment": ASSESSMENT, "sr_plan": PLAN, "sr_case_log": LOG}
STEPS_PER_CASE = 4


class Platform:
    """A migrated SQLite file with one facility, one worker and subjects to work on."""

    def __init__(self, folder: Path, root: Path, url: str | None = None) -> None:
        url = url or f"sqlite:///{folder / 'workflow.db'}"
        upgrade(url)
        self.registry = load_registry([root], plugins=False)
        self.database = Database(url)
        self.functions = functions.available(plugins=False)
        with self.database.session() as s:
            home = create_facility(s, self.registry, code="bench", name="벤치마크양육원",
                                   profile_code="bench_home", region_code="11110")
            user = create_user(s, login="benchworker", name="사례관리자",
                               password="bench-password-2026")
            grant_role(s, self.registry, user=user, facility=home, role="worker",
                       valid_from=dt.date(2026, 1, 1))
            self.user_id, self.facility_id = user.id, home.id

    def _context(self, session):  # noqa: ANN001, ANN202
        from ieum.store.models import User

        user = session.get(User, self.user_id)
        workspace = open_workspace(session, self.registry, user, "bench", TODAY)
        rt = flows.Runtime(self.registry, self.functions, TODAY,
                           Actor(user_id=user.id, login=user.login))
        return workspace, rt

    def start_cases(self, count: int) -> None:
        with self.database.session() as s:
            subjects = [Subject(facility_id=self.facility_id, name=f"아동{n}",
                                birth_date=dt.date(2010, 5, 1), status="입소", data={})
                        for n in range(count)]
            s.add_all(subjects)
            s.flush()
            ids = [subject.id for subject in subjects]
        for subject_id in ids:
            with self.database.session() as s:
                workspace, rt = self._context(s)
                flows.start_process(s, rt, workspace, UNIT, PROCESS, subject_id=subject_id)

    def ready_tasks(self) -> list[tuple[int, str]]:
        with self.database.session() as s:
            return list(s.execute(select(Task.id, Task.form_id).where(
                Task.state == "ready").order_by(Task.id)).all())

    def complete(self, task_id: int, form_id: str) -> None:
        """One user-task step, as the task screen and the API do it: one session."""
        session = self.database.sessions()
        try:
            workspace, rt = self._context(session)
            flows.complete_task(session, rt, workspace, task_id, ANSWERS[form_id])
        finally:
            session.close()

    def statements_per_step(self, cases: int = 5) -> float:
        """The SQL statements one step sends (the request's user and workspace included),
        counted on ``cases`` more instances, apart from the timed runs."""
        self.start_cases(cases)
        sent: list[str] = []

        def note(*_args: Any) -> None:
            sent.append("")

        steps = 0
        while ready := self.ready_tasks():
            event.listen(self.database.engine, "before_cursor_execute", note)
            try:
                for task_id, form_id in ready:
                    self.complete(task_id, form_id)
            finally:
                event.remove(self.database.engine, "before_cursor_execute", note)
            steps += len(ready)
        return round(len(sent) / steps, 2)

    def run_steps(self, cases: int) -> tuple[int, float]:
        """Start ``cases`` instances (not timed), then time every step until all are done."""
        self.start_cases(cases)
        steps, elapsed = 0, 0.0
        while True:
            ready = self.ready_tasks()
            if not ready:
                return steps, elapsed
            start = time.perf_counter()
            for task_id, form_id in ready:
                self.complete(task_id, form_id)
            elapsed += time.perf_counter() - start
            steps += len(ready)


class RawSpiff:
    """The same BPMN through SpiffWorkflow alone; state kept as a serialized dict."""

    def __init__(self, bpmn: Path) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(bpmn))
        self.spec = parser.get_spec(PROCESS)
        self.subprocesses = parser.get_subprocess_specs(PROCESS)
        self.forms = {name: form for name, form in self._forms().items()}

    def _forms(self) -> dict[str, str]:
        return {"assessment": "sr_assessment", "plan": "sr_plan", "first_log": "sr_case_log",
                "second_log": "sr_case_log"}

    def run_steps(self, cases: int) -> tuple[int, float]:
        states = []
        for _ in range(cases):
            workflow = BpmnWorkflow(self.spec, self.subprocesses)
            workflow.do_engine_steps()
            states.append(json.dumps(runtime.SERIALIZER.to_dict(workflow)))
        steps, elapsed = 0, 0.0
        start = time.perf_counter()
        for n, state in enumerate(states):
            while True:
                workflow = runtime.SERIALIZER.from_dict(json.loads(state))
                ready = workflow.get_tasks(state=TaskState.READY, manual=True)
                if not ready:
                    break
                task = ready[0]
                task.data.update(ANSWERS[self.forms[task.task_spec.bpmn_id]])
                task.run()
                workflow.do_engine_steps()
                state = json.dumps(runtime.SERIALIZER.to_dict(workflow))
                steps += 1
            states[n] = state
        elapsed = time.perf_counter() - start
        return steps, elapsed


PEER_TABLES = (
    "CREATE TABLE instance (id {pk}, state {json} NOT NULL, status TEXT NOT NULL, "
    "version INTEGER NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE task (id {pk}, instance_id INTEGER NOT NULL REFERENCES instance (id), "
    "spiff_task_id TEXT NOT NULL, name TEXT NOT NULL, form_id TEXT, state TEXT NOT NULL, "
    "completed_at TEXT, record_id INTEGER)",
    "CREATE INDEX task_ready ON task (instance_id, state)",
    "CREATE TABLE record (id {pk}, form_id TEXT NOT NULL, subject_id INTEGER, "
    "data {json} NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL, "
    "created_at TEXT NOT NULL)",
    "CREATE TABLE audit (id {pk}, action TEXT NOT NULL, target TEXT NOT NULL, "
    "detail {json} NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL UNIQUE)",
)


class Durable:
    """The durable peer: the platform's work by hand, on stdlib sqlite3 or psycopg."""

    def __init__(self, bpmn: Path, registry, connect, dialect: str) -> None:  # noqa: ANN001
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(bpmn))
        self.spec = parser.get_spec(PROCESS)
        self.subprocesses = parser.get_subprocess_specs(PROCESS)
        self.validators = {form_id: Draft202012Validator(
            for_validation(registry.forms[form_id].schema_dict()), format_checker=FORMATS)
            for form_id in ANSWERS}
        self.forms = RawSpiff._forms(self)
        self.connect = connect
        self.mark = "?" if dialect == "sqlite" else "%s"
        kinds = ({"pk": "INTEGER PRIMARY KEY", "json": "TEXT"} if dialect == "sqlite"
                 else {"pk": "SERIAL PRIMARY KEY", "json": "JSONB"})
        self.db = connect()
        for statement in PEER_TABLES:
            self.db.execute(statement.format(**kinds))
        self.db.commit()

    def sql(self, statement: str) -> str:
        return statement.replace("?", self.mark)

    def _ready_rows(self, instance_id: int, workflow: BpmnWorkflow, known: set[str]) -> None:
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            if str(task.id) not in known:
                self.db.execute(self.sql(
                    "INSERT INTO task (instance_id, spiff_task_id, name, form_id, state) "
                    "VALUES (?, ?, ?, ?, 'ready')"),
                    (instance_id, str(task.id), task.task_spec.bpmn_id,
                     self.forms[task.task_spec.bpmn_id]))

    def start_cases(self, count: int) -> None:
        for _ in range(count):
            workflow = BpmnWorkflow(self.spec, self.subprocesses)
            workflow.do_engine_steps()
            state = json.dumps(runtime.SERIALIZER.to_dict(workflow))
            instance_id = self.db.execute(self.sql(
                "INSERT INTO instance (state, status, version, updated_at) "
                "VALUES (?, 'running', 1, ?) RETURNING id"),
                (state, dt.datetime.now(dt.UTC).isoformat())).fetchone()[0]
            self._ready_rows(instance_id, workflow, set())
            self.db.commit()

    def ready_tasks(self) -> list[tuple[int, str]]:
        rows = [tuple(row) for row in self.db.execute(
            "SELECT id, form_id FROM task WHERE state = 'ready' ORDER BY id").fetchall()]
        self.db.commit()  # no transaction left open between steps (psycopg opens one)
        return rows

    def complete(self, task_id: int, form_id: str, subject_id: int) -> None:
        db = self.db
        answers = ANSWERS[form_id]
        row = db.execute(self.sql(
            "SELECT t.instance_id, t.spiff_task_id, i.state, i.version FROM task t "
            "JOIN instance i ON i.id = t.instance_id WHERE t.id = ? AND t.state = 'ready'"),
            (task_id,)).fetchone()
        instance_id, spiff_id, state, version = row
        errors = list(self.validators[form_id].iter_errors(answers))
        if errors:
            raise RuntimeError(errors[0].message)
        now = dt.datetime.now(dt.UTC).isoformat()
        record_id = db.execute(self.sql(
            "INSERT INTO record (form_id, subject_id, data, status, version, created_at) "
            "VALUES (?, ?, ?, 'final', 1, ?) RETURNING id"),
            (form_id, subject_id, json.dumps(answers, ensure_ascii=False), now)).fetchone()[0]
        workflow = runtime.SERIALIZER.from_dict(
            json.loads(state) if isinstance(state, str) else state)
        task = workflow.get_task_from_id(uuid.UUID(spiff_id))
        task.data.update(answers)
        task.run()
        workflow.do_engine_steps()
        db.execute(self.sql("UPDATE task SET state = 'completed', completed_at = ?, "
                            "record_id = ? WHERE id = ?"), (now, record_id, task_id))
        known = {r[0] for r in db.execute(self.sql(
            "SELECT spiff_task_id FROM task WHERE instance_id = ?"), (instance_id,)).fetchall()}
        self._ready_rows(instance_id, workflow, known)
        status = "completed" if workflow.is_completed() else "running"
        db.execute(self.sql("UPDATE instance SET state = ?, status = ?, version = ?, "
                            "updated_at = ? WHERE id = ? AND version = ?"),
                   (json.dumps(runtime.SERIALIZER.to_dict(workflow)), status, version + 1,
                    now, instance_id, version))
        last = db.execute("SELECT hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
        previous = last[0] if last else "0" * 64
        detail = json.dumps({"task": task_id, "record": record_id, "form": form_id})
        digest = hashlib.sha256(f"{previous}|task.complete|{task_id}|{detail}".encode())
        db.execute(self.sql("INSERT INTO audit (action, target, detail, prev_hash, hash) "
                            "VALUES ('task.complete', ?, ?, ?, ?)"),
                   (str(task_id), detail, previous, digest.hexdigest()))
        db.commit()

    def run_steps(self, cases: int) -> tuple[int, float]:
        self.start_cases(cases)
        steps, elapsed = 0, 0.0
        while True:
            ready = self.ready_tasks()
            if not ready:
                return steps, elapsed
            start = time.perf_counter()
            for task_id, form_id in ready:
                self.complete(task_id, form_id, 1)
            elapsed += time.perf_counter() - start
            steps += len(ready)

    def close(self) -> None:
        self.db.close()


def sqlite_peer(folder: Path, bpmn: Path, registry) -> Durable:  # noqa: ANN001
    path = folder / "peer.db"

    def connect() -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level="DEFERRED")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # as the platform's default
        db.execute("PRAGMA foreign_keys=ON")
        return db

    return Durable(bpmn, registry, connect, "sqlite")


def postgres_schema(base: str, prefix: str) -> tuple[str, Any]:
    """A throwaway schema; returns its SQLAlchemy URL and a function that drops it."""
    base = normalise_database_url(base)
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def postgres_peer(url: str, bpmn: Path, registry) -> Durable:  # noqa: ANN001
    import psycopg

    parsed = make_url(url)
    options = parsed.query.get("options")
    dsn = parsed.set(drivername="postgresql", query={}).render_as_string(hide_password=False)

    def connect():  # noqa: ANN202
        return psycopg.connect(dsn, options=options)

    return Durable(bpmn, registry, connect, "postgresql")


def measure_pair(platform: Platform, peer: Durable, cases: int) -> tuple[float, float]:
    """Steps/s of the platform and of the peer, back to back on the same machine state."""
    steps, seconds = platform.run_steps(cases)
    if steps != cases * STEPS_PER_CASE:
        raise RuntimeError(f"platform ran {steps} steps, expected {cases * STEPS_PER_CASE}")
    peer_steps, peer_seconds = peer.run_steps(cases)
    if peer_steps != cases * STEPS_PER_CASE:
        raise RuntimeError(f"peer ran {peer_steps} steps, expected {cases * STEPS_PER_CASE}")
    return steps / seconds, peer_steps / peer_seconds


def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    cases = 5 if quick else 25
    ours, raws, raw_ratios, peers, ratios = [], [], [], [], []
    pg_ours, pg_peers, pg_ratios = [], [], []
    base = postgres_url()
    with tempfile.TemporaryDirectory(prefix="ieum-bench-workflow-") as folder:
        root = content_root.build(Path(folder) / "content")
        bpmn = root / "workflows" / "bpmn" / "sr_case_flow.bpmn"
        registry = load_registry([root], plugins=False)
        raw = RawSpiff(bpmn)
        raw.run_steps(2)  # warm up imports and caches
        for n in range(repeats):
            target = Path(folder) / f"run{n}"
            target.mkdir()
            platform = Platform(target, root)
            peer = sqlite_peer(target, bpmn, registry)
            platform.run_steps(1)  # warm up
            peer.run_steps(1)
            try:
                mine, theirs = measure_pair(platform, peer, cases)
                statements = platform.statements_per_step()
            finally:
                platform.database.dispose()
                peer.close()
            raw_steps, raw_seconds = raw.run_steps(cases)
            ours.append(mine)
            peers.append(theirs)
            ratios.append(mine / theirs)
            raws.append(raw_steps / raw_seconds)
            raw_ratios.append(mine / raws[-1])
            if base:
                platform_url, drop_platform = postgres_schema(base, "bench_wf")
                peer_url, drop_peer = postgres_schema(base, "bench_peer")
                try:
                    platform = Platform(target, root, platform_url)
                    peer = postgres_peer(peer_url, bpmn, registry)
                    platform.run_steps(1)
                    peer.run_steps(1)
                    try:
                        mine, theirs = measure_pair(platform, peer, cases)
                        pg_statements = platform.statements_per_step()
                    finally:
                        platform.database.dispose()
                        peer.close()
                finally:
                    drop_platform()
                    drop_peer()
                pg_ours.append(mine)
                pg_peers.append(theirs)
                pg_ratios.append(mine / theirs)
    ratio = summary(ratios, 3)
    result: dict[str, Any] = {
        "process": PROCESS, "steps_per_run": cases * STEPS_PER_CASE,
        "database": "sqlite file (synchronous=FULL)",
        "platform_steps_per_second": summary(ours, 1),
        "durable_steps_per_second": summary(peers, 1),
        "raw_spiff_steps_per_second": summary(raws, 1),
        # the peer sends 8 per step (see Durable.complete), and commits
        "platform_statements_per_step": statements,  # on 5 more cases, untimed
        "ratio_vs_durable": ratio["median"], "ratio_vs_durable_runs": ratio,
        "ratio_vs_raw_spiff": summary(raw_ratios, 3)["median"],
        "ratio": ratio["median"], "ratio_runs": ratio, "target": ">= 0.8 (vs durable peer)",
        "pass": ratio["median"] >= 0.8}
    if base:
        pg_ratio = summary(pg_ratios, 3)
        result["postgresql"] = {"platform_steps_per_second": summary(pg_ours, 1),
                                "durable_steps_per_second": summary(pg_peers, 1),
                                "platform_statements_per_step": pg_statements}
        result["postgres_ratio_vs_durable"] = {"value": pg_ratio["median"], "runs": pg_ratio,
                                               "target": ">= 0.8",
                                               "pass": pg_ratio["median"] >= 0.8}
    else:
        result["postgres_ratio_vs_durable"] = {
            "value": None, "target": ">= 0.8", "pass": None,
            "unavailable": "PostgreSQL not available: set IEUM_BENCH_POSTGRES_URL or "
                           "IEUM_TEST_POSTGRES_URL"}
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
