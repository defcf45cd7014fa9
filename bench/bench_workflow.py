"""User-task steps per second on the self-reliance case process (bench/content).

Platform: ``ieum.services.workflows.complete_task`` on a SQLite file — validate the form,
save the record, load the instance, advance SpiffWorkflow, store state, task rows and the
audit event, bump the version: one transaction per step.
Baseline: raw SpiffWorkflow on the same BPMN, the form's data put into the task, one
serialize + deserialize per step, no database, no validation.
``ratio`` = platform / baseline (target >= 0.5).

Each instance walks four user tasks (자립기술평가 -> 자립지원계획 -> 사례관리일지 x 2).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from bench import content_root
from bench.timing import summary
from ieum.access.audit import Actor
from ieum.definitions import load_registry
from ieum.services import workflows as flows
from ieum.services.admin.facilities import create_facility
from ieum.services.admin.users import create_user, grant_role
from ieum.services.workspace import open_workspace
from ieum.store.db import Database
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

    def __init__(self, folder: Path, root: Path) -> None:
        url = f"sqlite:///{folder / 'workflow.db'}"
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


def run(repeats: int = 3, quick: bool = False) -> dict[str, Any]:
    cases = 5 if quick else 25
    ours, theirs, ratios = [], [], []
    with tempfile.TemporaryDirectory(prefix="ieum-bench-workflow-") as folder:
        root = content_root.build(Path(folder) / "content")
        raw = RawSpiff(root / "workflows" / "bpmn" / "sr_case_flow.bpmn")
        raw.run_steps(2)  # warm up imports and caches
        for n in range(repeats):
            target = Path(folder) / f"run{n}"
            target.mkdir()
            platform = Platform(target, root)
            platform.run_steps(1)  # warm up
            steps, seconds = platform.run_steps(cases)
            platform.database.dispose()
            if steps != cases * STEPS_PER_CASE:
                raise RuntimeError(f"platform ran {steps} steps, expected "
                                   f"{cases * STEPS_PER_CASE}")
            raw_steps, raw_seconds = raw.run_steps(cases)
            ours.append(steps / seconds)
            theirs.append(raw_steps / raw_seconds)
            ratios.append(ours[-1] / theirs[-1])
    ratio = summary(ratios, 3)
    return {"process": PROCESS, "steps_per_run": cases * STEPS_PER_CASE,
            "database": "sqlite file",
            "platform_steps_per_second": summary(ours, 1),
            "baseline_steps_per_second": summary(theirs, 1),
            "ratio": ratio["median"], "ratio_runs": ratio, "target": ">= 0.5",
            "pass": ratio["median"] >= 0.5}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
