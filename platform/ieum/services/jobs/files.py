"""The files jobs produce (an Excel export): kept sealed in the installation's file store
under ``jobs/<id>/...``, so the server that serves the download need not be the worker that
wrote it; every download is audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ieum.access import files_at_rest
from ieum.access.audit import Actor, record_event
from ieum.i18n import gettext as _
from ieum.services import ServiceError
from ieum.store.blobs import BlobStore
from ieum.store.models_jobs import Job


@dataclass(frozen=True)
class ResultFile:
    filename: str
    content_type: str
    data: bytes


def result_file(session: Session, store: BlobStore, job: Job, actor: Actor) -> ResultFile:
    """The job's file for its owner (the caller checked ownership), audited."""
    result = job.result or {}
    key = result.get("file")
    if job.status != "done" or not key:
        raise ServiceError(_("내려받을 파일이 없습니다."), status=404)
    sealed = store.get(key)
    if sealed is None:
        raise ServiceError(_("파일을 찾을 수 없습니다. 작업을 다시 실행하세요."), status=404)
    record_event(session, "job.download", actor, facility_id=job.facility_id,
                 target_type="job", target_id=job.id,
                 detail={"kind": job.kind, "filename": result.get("filename")})
    session.commit()
    return ResultFile(result.get("filename") or "result", result.get("content_type")
                      or "application/octet-stream", files_at_rest.unseal(key, sealed))
