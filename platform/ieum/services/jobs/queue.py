"""The queue jobs wait in: huey, on Redis when ``IEUM_REDIS_URL`` is set (production: every
app server and worker shares it), else on a SQLite file in the instance folder (the embedded
default: ``make run`` needs no other server).

A message carries only the job's id; the job's parameters, owner and progress live in the
``job`` table, so the queue holds nothing personal and losing it loses no result
(``ieum worker`` puts rows still queued back on start: ``jobs.requeue_waiting``).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from ieum import config
from ieum.services.jobs import core as jobs

log = logging.getLogger(__name__)

QUEUE_NAME = "ieum-jobs"
_lock = threading.Lock()
_queues: dict[str, tuple[Huey, object]] = {}  # by location: (huey, the task of ``_run``)


def _current() -> tuple[Huey, object]:
    """The huey of the configured location (made on first use): one per Redis URL or SQLite
    file, so a process whose environment changes (tests) never writes to an old queue."""
    url = config.redis_url()
    location = url or str(sqlite_file())
    with _lock:
        if location not in _queues:
            huey = (RedisHuey(QUEUE_NAME, url=url, results=False) if url
                    else SqliteHuey(QUEUE_NAME, filename=location, results=False))
            _queues[location] = (huey, huey.task(name="ieum.job")(_run))
        return _queues[location]


def describe() -> str:
    """Where the queue is, for people (no password)."""
    url = config.redis_url()
    if url:
        return "Redis " + url.rsplit("@", 1)[-1]
    return f"SQLite {sqlite_file()}"


def sqlite_file() -> Path:
    return config.instance_path() / "jobs-queue.db"


def queue() -> Huey:
    """This process's huey for the configured location."""
    return _current()[0]


def _run(job_id: int) -> None:
    """The task a worker runs: the job of ``job_id``, with the runtime this process bound."""
    jobs.execute(jobs.bound(), job_id)


def enqueue(job_id: int) -> None:
    _current()[1](job_id)  # calling a huey task wrapper puts a message on the queue


class EmbeddedConsumer(Consumer):
    """A consumer inside another program (``ieum serve``): threads only, and it leaves the
    program's signal handlers alone."""

    def _set_signal_handlers(self) -> None:
        return None


def consumer(workers: int = 2, *, embedded: bool = False) -> Consumer:
    """A consumer of the queue; periodic work is ticked by ``ieum.services.jobs.periodic``."""
    kind = EmbeddedConsumer if embedded else Consumer
    return kind(queue(), workers=workers, periodic=False, worker_type="thread",
                max_delay=1.0)
