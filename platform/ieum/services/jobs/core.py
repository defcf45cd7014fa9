"""The state of jobs: rows, progress, cancel, running one (``ieum.services.jobs`` is the
entry; this module knows no kind and no queue, so the kinds and the queue can import it).

Long work off the web request: jobs with an owner, progress, a result, and cancel.

A job is a row (``ieum.store.models_jobs.Job``) and a message on a queue
(``ieum.services.jobs.queue``: huey, a SQLite file by default, Redis when
``IEUM_REDIS_URL`` is set). ``submit`` writes the row and queues it; a worker (``ieum worker``,
or the threads ``ieum serve`` starts when there is no Redis) runs ``execute``, which calls the
job's kind with a ``JobContext``. The kind reports progress with ``context.progress(percent,
message)``: every server sees it at once (it is a committed row), and it raises
``JobCancelled`` once the owner asked to cancel. With ``IEUM_JOBS_MODE=immediate`` (tests) a
job runs inside ``submit``.

Kinds: the kernel's own (``ieum.services.jobs.builtin``) and those packages register in the
entry-point group ``ieum.jobs``. Submitting, cancelling, finishing and downloading a result are
audited; the minute ticks only when they moved something (``ieum.services.jobs.periodic``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import Registry
from ieum.i18n import gettext as _
from ieum.i18n import lazy_gettext as _l
from ieum.services import ServiceError, is_id
from ieum.services import notifications as notices
from ieum.store.blobs import BlobStore
from ieum.store.db import Database
from ieum.store.models import User, utcnow
from ieum.store.models_jobs import FINISHED, Job

log = logging.getLogger(__name__)

#: Shown in the request's language (``str()`` one); a job's ``message``, ``result`` and
#: ``error`` are stored (written by the worker, in Korean) and shown as stored.
STATUS_TITLES = {"queued": _l("대기 중"), "running": _l("진행 중"), "done": _l("완료"),
                 "failed": _l("실패"), "cancelled": _l("취소됨")}
MODES = ("queue", "immediate")
SYSTEM = "system"


class JobCancelled(Exception):  # noqa: N818 - a request, not an error
    """Raised by ``report_progress`` when the job's owner asked to cancel it."""


@dataclass
class JobRuntime:
    """What a worker needs to run jobs: the app's database, content and settings."""

    database: Database
    registry: Registry
    functions: Mapping[str, Any]
    config: Mapping[str, Any]
    instance_path: Path
    files: BlobStore
    mode: str = "queue"
    kinds: Mapping[str, Any] = field(default_factory=dict)  # name -> Kind

    def today(self) -> dt.date:
        pinned = self.config.get("IEUM_TODAY")
        return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


_bound: list[JobRuntime] = []


def bind(runtime: JobRuntime) -> None:
    """Make ``runtime`` the one this process's queue consumer runs jobs with."""
    _bound[:] = [runtime]


def bound() -> JobRuntime:
    if not _bound:
        raise RuntimeError("no ieum app is bound to the job queue (ieum worker binds one)")
    return _bound[0]


@dataclass
class JobContext:
    """What a job kind sees: its row's values, the runtime, and progress reporting."""

    job_id: int
    kind: str
    params: Mapping[str, Any]
    owner_id: int | None
    facility_id: int | None
    runtime: JobRuntime
    _last: tuple[int, str] = field(default=(-1, ""), repr=False)

    def progress(self, percent: float, message: str = "") -> None:
        """Report ``percent`` (0-100) and a Korean message; raises ``JobCancelled`` when the
        owner cancelled. Unchanged reports are not written again."""
        value = max(0, min(100, int(percent)))
        if (value, message) == self._last:
            return
        self._last = (value, message)
        report_progress(self.runtime.database, self.job_id, value, message)

    def session(self) -> Session:
        """A new session of the job's database (the caller closes it; ``with`` works)."""
        return self.runtime.database.sessions()


Kind = Callable[[JobContext], Mapping[str, Any] | None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


# --- submit, progress, cancel -------------------------------------------------------------

def report_progress(database: Database, job_id: int, percent: int, message: str) -> None:
    """Write the progress in its own transaction (every server sees it at once); raise
    ``JobCancelled`` when cancel was requested."""
    with database.session() as session:
        session.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(
            progress=max(0, min(100, int(percent))), message=message[:300],
            updated_at=utcnow()))
        wanted = session.scalar(select(Job.cancel_requested).where(Job.id == job_id))
    if wanted:
        raise JobCancelled


def cancel(session: Session, job: Job, actor: Actor) -> Job:
    """Cancel a job: a queued one at once; a running one when it next reports progress.
    A finished job is refused (409)."""
    if job.finished:
        raise ServiceError(_("이미 끝난 작업입니다 (%(value)s).",
                             value=str(STATUS_TITLES[job.status])), status=409)
    if job.status == "queued":
        claimed = session.execute(update(Job).where(Job.id == job.id, Job.status == "queued")
                                  .values(status="cancelled", cancel_requested=True,
                                          message="취소했습니다.", finished_at=utcnow(),
                                          updated_at=utcnow())).rowcount
        if not claimed:  # a worker took it meanwhile: ask it to stop
            job.cancel_requested = True
    else:
        job.cancel_requested = True
        job.message = "취소를 요청했습니다."
    job.updated_at = utcnow()
    session.flush()
    record_event(session, "job.cancel", actor, facility_id=job.facility_id, target_type="job",
                 target_id=job.id, detail={"kind": job.kind})
    session.commit()
    session.refresh(job)
    return job


# --- reading ------------------------------------------------------------------------------

def get_job(session: Session, user: User, job_id: int) -> Job:
    """The user's own job; anyone else's (and a missing one) is 404 alike."""
    job = session.get(Job, job_id) if is_id(job_id) else None
    if job is None or job.owner_id is None or job.owner_id != user.id:
        raise ServiceError(_("작업을 찾을 수 없습니다."), status=404)
    return job


def jobs_of(session: Session, user: User, limit: int = 50) -> list[Job]:
    """The user's jobs, newest first (내 작업)."""
    return list(session.scalars(select(Job).where(Job.owner_id == user.id)
                                .order_by(Job.id.desc()).limit(limit)))


def as_json(job: Job) -> dict[str, Any]:
    """A job as the API and the page's progress bar read it."""
    stamp = (lambda value: value.isoformat() if value else None)  # noqa: E731
    return {"id": job.id, "kind": job.kind, "title": job.title, "status": job.status,
            "status_title": str(STATUS_TITLES[job.status]), "progress": job.progress,
            "message": job.message, "result": job.result, "error": job.error,
            "cancel_requested": job.cancel_requested, "finished": job.finished,
            "created_at": stamp(job.created_at), "started_at": stamp(job.started_at),
            "finished_at": stamp(job.finished_at)}


# --- running --------------------------------------------------------------------------------

def execute(runtime: JobRuntime, job_id: int) -> str | None:
    """Run one queued job to its end; returns its final status (None when it was not queued
    any more: cancelled before it started, or taken by another worker)."""
    database = runtime.database
    with database.session() as session:
        taken = session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                                .values(status="running", started_at=utcnow(),
                                        updated_at=utcnow(), worker=worker_name(),
                                        message="시작했습니다.")).rowcount
        job = session.get(Job, job_id) if taken else None
        if job is None:
            return None
        context = JobContext(job.id, job.kind, dict(job.params or {}), job.owner_id,
                             job.facility_id, runtime)
    kind = runtime.kinds.get(context.kind)
    status, result, error = "done", None, None
    try:
        if kind is None:
            raise ServiceError(_("이 작업 종류를 실행할 수 없습니다: %(kind)s", kind=context.kind))
        result = kind(context)
    except JobCancelled:
        status = "cancelled"
    except ServiceError as refused:
        status, error = "failed", refused.message
        result = {"status": refused.status, "field": refused.field}
    except Exception:  # a bug in a kind: logged with its trace, the owner sees a plain message
        log.exception("job %s (%s) failed", job_id, context.kind)
        status, error = "failed", "작업 중 오류가 발생했습니다. 관리자에게 문의하세요."
    finish(runtime, job_id, status, result, error)
    return status


MESSAGES = {"done": "끝났습니다.", "cancelled": "취소했습니다.", "failed": "실패했습니다."}


def finish(runtime: JobRuntime, job_id: int, status: str, result: Mapping[str, Any] | None,
           error: str | None, *, audit: bool = True) -> None:
    with runtime.database.session() as session:
        job = session.get(Job, job_id)
        job.status = status
        job.result = dict(result) if result is not None else None
        job.error = error
        job.finished_at = job.updated_at = utcnow()
        job.message = MESSAGES[status]
        if status == "done":
            job.progress = 100
        if audit:
            record_event(session, f"job.{status}", Actor(login=SYSTEM + ":" + worker_name()),
                         facility_id=job.facility_id, target_type="job", target_id=job.id,
                         detail={"kind": job.kind, "error": error})
        if audit and job.owner_id is not None and status in ("done", "failed"):
            # the owner may have left the page: a notice (and e-mail, if they chose it)
            notices.notify(session, job.owner_id, "job_done",
                           f"{job.title[:150]}: {MESSAGES[status]}",
                           ("jobs.page", {"job_id": job.id}), facility_id=job.facility_id,
                           key=f"job:{job.id}")


KEEP_FILES = dt.timedelta(days=7)


def expire_files(runtime: JobRuntime, older_than: dt.timedelta = KEEP_FILES) -> int:
    """Remove the files of jobs finished longer ago than ``older_than`` (an export holds
    personal data: it is not kept for ever); the job row stays, saying the file expired."""
    cutoff = utcnow() - older_than
    with runtime.database.session() as session:
        done = 0
        for job in session.scalars(select(Job).where(Job.status == "done",
                                                     Job.finished_at < cutoff)):
            key = (job.result or {}).get("file")
            if not key:
                continue
            runtime.files.delete(key)
            job.result = {**job.result, "file": None, "expired": True,
                          "label": "파일 보관 기간이 지났습니다"}
            done += 1
    return done


ORPHANED = "작업을 실행하던 작업자가 멈춰 작업이 중단되었습니다. 다시 실행하세요."


def fail_orphans(runtime: JobRuntime) -> int:
    """Jobs left ``running`` by a worker process of this machine that no longer exists (it was
    killed mid-job) are marked failed, so their owners see it and can start them again.
    Returns how many. A worker on another machine is never judged from here."""
    host = socket.gethostname()
    with runtime.database.session() as session:
        running = list(session.scalars(select(Job).where(Job.status == "running")))
        orphans = []
        for job in running:
            name, _, pid = (job.worker or "").rpartition(":")
            if name == host and pid.isdigit() and not _alive(int(pid)):
                orphans.append(job.id)
    for job_id in orphans:
        finish(runtime, job_id, "failed", None, ORPHANED)
    return len(orphans)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prune(session: Session, kind: str, older_than: dt.timedelta) -> int:
    """Forget finished jobs of ``kind`` older than ``older_than`` (the minute ticks)."""
    from sqlalchemy import delete  # noqa: PLC0415

    cutoff = utcnow() - older_than
    return session.execute(delete(Job).where(Job.kind == kind, Job.status.in_(FINISHED),
                                             Job.created_at < cutoff)).rowcount
