"""Long work off the web request: jobs with an owner, progress, a result, and cancel.

A job is a row (``ieum.store.models_jobs.Job``) and a message on a queue
(``ieum.services.jobs.queue``: huey, a SQLite file by default, Redis when ``IEUM_REDIS_URL``
is set). ``submit`` writes the row and queues it; a worker (``ieum worker``, or the threads
``ieum serve`` starts when there is no Redis) runs ``execute``, which calls the job's kind
with a ``JobContext``. The kind reports progress with ``context.progress(percent, message)``:
every server sees it at once (it is a committed row), and it raises ``JobCancelled`` once the
owner asked to cancel. With ``IEUM_JOBS_MODE=immediate`` (tests) a job runs inside
``submit``.

Kinds: the kernel's own (``ieum.services.jobs.builtin``) and those packages register in the
entry-point group ``ieum.jobs`` (``run(context) -> dict | None``). Submitting, cancelling,
finishing and downloading a result are audited; the minute ticks only when they moved
something (``ieum.services.jobs.periodic``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access.audit import Actor, record_event
from ieum.definitions import extensions
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.services.jobs import builtin, queue
from ieum.services.jobs.core import (
    MODES,
    STATUS_TITLES,
    SYSTEM,
    JobCancelled,
    JobContext,
    JobRuntime,
    Kind,
    as_json,
    bind,
    bound,
    cancel,
    execute,
    expire_files,
    fail_orphans,
    finish,
    get_job,
    jobs_of,
    report_progress,
    worker_name,
)
from ieum.store.models import Facility, User, utcnow
from ieum.store.models_jobs import Job

__all__ = ["MODES", "STATUS_TITLES", "SYSTEM", "JobCancelled", "JobContext", "JobRuntime",
           "Kind", "as_json", "bind", "bound", "cancel", "dispatch", "execute", "expire_files",
           "fail_orphans",
           "finish",
           "get_job", "jobs_of", "kinds", "report_progress", "requeue_waiting", "submit",
           "worker_name"]


def kinds(*, plugins: bool = True) -> dict[str, Kind]:
    """The kinds of job: the kernel's, then those of packages (``ieum.jobs``)."""
    found: dict[str, Kind] = dict(builtin.KINDS)
    if plugins:
        for name, kind in extensions.objects(extensions.JOBS).items():
            found.setdefault(name, kind)
    return found


def submit(session: Session, runtime: JobRuntime, kind: str, params: Mapping[str, Any], *,
           owner: User | None, actor: Actor, title: str, facility: Facility | None = None,
           workspace: str = "facility") -> Job:
    """Record a job and queue it (commits). With ``mode == "immediate"`` it has run when this
    returns; otherwise a worker picks it up."""
    if kind not in runtime.kinds:
        raise ServiceError(_("알 수 없는 작업 종류입니다: %(kind)s", kind=kind))
    job = Job(kind=kind, title=title[:200], owner_id=owner.id if owner else None,
              facility_id=facility.id if facility else None, workspace=workspace,
              params=dict(params), status="queued", progress=0, message="대기 중입니다.",
              cancel_requested=False)
    session.add(job)
    session.flush()
    record_event(session, "job.submit", actor, facility_id=job.facility_id,
                 target_type="job", target_id=job.id, detail={"kind": kind, "title": job.title})
    session.commit()
    dispatch(runtime, job.id)
    if runtime.mode == "immediate":
        session.refresh(job)
    return job


def dispatch(runtime: JobRuntime, job_id: int) -> None:
    """Hand the job to the queue, or run it now in immediate mode."""
    if runtime.mode == "immediate":
        execute(runtime, job_id)
    else:
        queue.enqueue(job_id)


def requeue_waiting(runtime: JobRuntime, older_than: dt.timedelta = dt.timedelta(minutes=1)
                    ) -> int:
    """Queue again the jobs still ``queued`` after ``older_than`` (a lost Redis, a queue file
    removed); a job queued twice runs once, since ``execute`` takes it only while queued."""
    with runtime.database.session() as session:
        waiting = list(session.scalars(select(Job.id).where(
            Job.status == "queued", Job.created_at < utcnow() - older_than)))
    for job_id in waiting:
        dispatch(runtime, job_id)
    return len(waiting)
