"""Periodic work, once across every server: the minute tick (workflow timers, then the
``ieum.tickers`` of packages) runs as a job, and only the worker that claims the minute in
the database runs it.

Every worker (``ieum worker``, or ``ieum serve`` with its embedded worker) calls ``tick`` every
``interval`` seconds. ``claim`` inserts ``(name, slot)`` into ``job_slot``: the primary key lets
exactly one insert per slot commit, on SQLite and PostgreSQL alike (a second server's insert
waits for the first and then fails), so two, ten or no other servers change nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ieum.access.audit import Actor, record_event
from ieum.services.jobs import core as jobs
from ieum.store.models import utcnow
from ieum.store.models_jobs import Job, JobSlot

log = logging.getLogger(__name__)

TICK = "timers.tick"
KEEP_TICKS = dt.timedelta(days=2)
#: The list indexes follow the forms' sizes (``ieum.store.indexes``: a form gets its own once
#: a facility holds 1,000 of its records): checked once an hour, by one worker.
INDEXES = "indexes.sync"
INDEXES_EVERY = 3600.0


def slot_of(moment: dt.datetime, interval: float) -> str:
    """The slot ``moment`` falls in, for work every ``interval`` seconds (UTC, stable on every
    server)."""
    seconds = max(1, int(interval))
    start = int(moment.timestamp()) // seconds * seconds
    return dt.datetime.fromtimestamp(start, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def claim(runtime: jobs.JobRuntime, name: str, slot: str) -> bool:
    """True for the one caller, across every server, that claims ``(name, slot)``."""
    try:
        with runtime.database.session() as session:
            session.add(JobSlot(name=name, slot=slot, holder=jobs.worker_name()))
    except IntegrityError:
        return False
    return True


def tick(runtime: jobs.JobRuntime, now: dt.datetime | None = None, interval: float = 60.0
         ) -> Job | None:
    """Run the tick of the slot ``now`` falls in, unless another worker has; returns its job
    (None when the slot was taken)."""
    moment = now or dt.datetime.now(dt.UTC)
    slot = slot_of(moment, interval)
    if not claim(runtime, TICK, slot):
        return None
    with runtime.database.session() as session:
        job = Job(kind=TICK, title="타이머·주기 작업", owner_id=None, facility_id=None,
                  workspace=jobs.SYSTEM, params={"now": moment.isoformat(), "slot": slot},
                  status="running", progress=0, message="시작했습니다.",
                  cancel_requested=False, started_at=utcnow(), worker=jobs.worker_name())
        session.add(job)
        session.flush()
        job_id = job.id
        jobs.prune(session, TICK, KEEP_TICKS)
        session.execute(delete(JobSlot).where(JobSlot.claimed_at < utcnow() - KEEP_TICKS))
    context = jobs.JobContext(job_id, TICK, {"now": moment.isoformat()}, None, None, runtime)
    try:
        result = run_tick(context)
    except Exception:
        log.exception("timer tick failed")
        jobs.finish(runtime, job_id, "failed", None, "타이머 처리 중 오류가 발생했습니다.")
        raise
    moved = result["moved"]
    result["expired_files"] = jobs.expire_files(runtime)
    result["indexes"] = sync_list_indexes(runtime, moment)
    # A minute with nothing to do is not worth an audit row; one that moved work is.
    jobs.finish(runtime, job_id, "done", result, None, audit=False)
    if moved:
        with runtime.database.session() as session:
            record_event(session, "job.done", Actor(login=f"{jobs.SYSTEM}:tick"),
                         target_type="job", target_id=job_id,
                         detail={"kind": TICK, "moved": moved, "slot": slot})
    with runtime.database.session() as session:
        return session.get(Job, job_id)


def run_tick(context: jobs.JobContext) -> dict:
    """Fire the due workflow timers, then every ``ieum.tickers`` entry point."""
    from ieum.services.workflows import tick as fire  # noqa: PLC0415 - heavy, only here

    runtime = context.runtime
    moment = dt.datetime.fromisoformat(context.params["now"])
    with runtime.database.session() as session:
        moved = fire(session, runtime.registry, runtime.functions, moment)
    return {"moved": moved}


def sync_list_indexes(runtime: jobs.JobRuntime, moment: dt.datetime) -> dict | None:
    """Once an hour across every server: make the list indexes of forms that grew past the
    threshold, drop those of forms that shrank (what ``ieum db index`` does). ``None`` when
    another worker has this hour; a failure is logged and the tick goes on."""
    from ieum.services.database import sync_indexes  # noqa: PLC0415 - only once an hour

    if not claim(runtime, INDEXES, slot_of(moment, INDEXES_EVERY)):
        return None
    try:
        report = sync_indexes(runtime.database.engine, runtime.registry)
    except Exception:  # the next hour tries again; timers must not wait for an index
        log.exception("list index sync failed")
        return {"failed": True}
    return {"created": len(report.created), "dropped": len(report.dropped)}


def start_ticking(runtime: jobs.JobRuntime, interval: float = 60.0) -> threading.Event:
    """Tick every ``interval`` seconds in a thread until the returned event is set (each
    worker runs one; the slots keep the tick single across workers)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                tick(runtime, interval=interval)
            except Exception:  # keep ticking; the next round may succeed
                log.exception("timer tick failed")

    threading.Thread(target=loop, name="ieum-ticker", daemon=True).start()
    return stop
