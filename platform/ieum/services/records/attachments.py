"""Files attached to records: kept in the installation's file store (``instance/attachments``
by default, the database or an S3 bucket when app servers share nothing; ``ieum.store.blobs``),
never in the web root, and encrypted at rest (``ieum.access.files_at_rest``)."""

from __future__ import annotations

import hashlib
import mimetypes
import os
import uuid
from collections.abc import Iterable
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ieum.access import files_at_rest
from ieum.forms.fields import Field
from ieum.i18n import gettext as _
from ieum.i18n import josa
from ieum.services import ServiceError, is_id
from ieum.services.transactions import transaction
from ieum.store.blobs import BlobStore, LocalBlobs
from ieum.store.db import Database
from ieum.store.models import Attachment, Facility, User

CHUNK = 1024 * 1024


def _human(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}MB" if size >= 1024 * 1024 else f"{size // 1024}KB"


def store_upload(session: Session, store: BlobStore, facility: Facility, user: User, field: Field,
                 filename: str, stream: BinaryIO) -> Attachment:
    """Check the file against the field's limits and keep it; the row joins a record on save."""
    # Only the last part of the name: "../" and Windows "..\\" never choose where it goes.
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise ServiceError(_("파일 이름이 없습니다."), field=field.path)
    extension = os.path.splitext(name)[1].lower()
    if extension not in field.accept:
        raise ServiceError(_("올릴 수 없는 파일 형식입니다 (%(extension)s). 가능한 형식: "
                             "%(allowed)s", extension=extension or _("확장자 없음"),
                             allowed=', '.join(field.accept)), field=field.path)
    key = f"{facility.id}/{uuid.uuid4().hex}"
    digest, size = hashlib.sha256(), 0

    def chunks():  # noqa: ANN202 - the plaintext, checked against the limit as it streams
        nonlocal size
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > field.max_size:
                limit = _human(field.max_size)
                raise ServiceError(_("파일이 너무 큽니다. %(limit)s 이하만 올릴 수 있습니다.",
                                     limit=limit),
                                   field=field.path)
            digest.update(chunk)
            yield chunk

    store.put(key, files_at_rest.seal(key, chunks()), session=session)
    if size == 0:
        store.delete(key, session=session)
        raise ServiceError(_("빈 파일은 올릴 수 없습니다."), field=field.path)
    attachment = Attachment(
        facility_id=facility.id, field=field.path, filename=name[:255],
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=size, sha256=digest.hexdigest(), storage_key=key, uploaded_by_id=user.id)
    session.add(attachment)
    session.flush()
    return attachment


def claim(session: Session, facility: Facility, user: User, record_id: int,
          ids: Iterable[int]) -> list[str]:
    """Join uploaded files to a record; returns the problems. A file may join only if it is
    already this record's, or an unsaved upload of this user: another record's file, another
    person's upload or another facility's file is refused as if it did not exist."""
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return []
    rows = session.scalars(select(Attachment).where(
        Attachment.id.in_([i for i in wanted if is_id(i)]),
        Attachment.facility_id == facility.id)).all()
    usable = {a.id: a for a in rows
              if a.record_id == record_id or (a.record_id is None and a.uploaded_by_id == user.id)}
    for attachment in usable.values():
        attachment.record_id = record_id
    return [_("첨부파일 %(id)s 찾을 수 없습니다.", id=josa(i, '을'))
            for i in sorted(wanted - set(usable))]


def detach(session: Session, record_id: int, ids: Iterable[int]) -> None:
    """Files a record no longer names stop belonging to it (the file and row are kept; only
    their uploader can still fetch them)."""
    wanted = {i for i in ids if is_id(i)}
    if not wanted:
        return
    for attachment in session.scalars(select(Attachment).where(
            Attachment.id.in_(wanted), Attachment.record_id == record_id)):
        attachment.record_id = None


def attachments_of(session: Session, facility: Facility, ids: Iterable[int]
                   ) -> dict[int, Attachment]:
    wanted = {i for i in ids if is_id(i)}
    if not wanted:
        return {}
    rows = session.scalars(select(Attachment).where(
        Attachment.id.in_(wanted), Attachment.facility_id == facility.id))
    return {a.id: a for a in rows}


def file_content(store: BlobStore, attachment: Attachment) -> bytes:
    """The file's bytes, decrypted; a file kept in a local folder before encryption is
    encrypted in place on this first read (the transparent migration)."""
    if isinstance(store, LocalBlobs):
        files_at_rest.migrate(store.path(attachment.storage_key), attachment.storage_key)
    data = store.get(attachment.storage_key)
    if data is None:
        raise ServiceError(_("파일을 찾을 수 없습니다. 관리자에게 문의하세요."), status=404)
    return files_at_rest.unseal(attachment.storage_key, data)


def encrypt_stored_files(session: Session, store: BlobStore) -> int:
    """Encrypt every attachment still stored in plain form (``ieum encrypt-files``); only a
    local folder can hold such files (the other stores began encrypted)."""
    if not isinstance(store, LocalBlobs):
        return 0
    done = 0
    for key in session.scalars(select(Attachment.storage_key)):
        done += files_at_rest.migrate(store.path(key), key)
    return done


def copy_stored_files(session: Session, source: BlobStore, target: BlobStore) -> int:
    """Copy every attachment's bytes, sealed as they are, from ``source`` to ``target`` under
    the same keys (moving from the local folder to the database or S3: ``ieum copy-files``).
    A file still stored in plain form is sealed first. Returns how many were copied."""
    done = 0
    for key in session.scalars(select(Attachment.storage_key).order_by(Attachment.id)):
        if isinstance(source, LocalBlobs):
            files_at_rest.migrate(source.path(key), key)
        data = source.get(key)
        if data is None:
            continue
        target.put(key, iter([data]))
        done += 1
    return done


@transaction
def keep_upload(session: Session, store: BlobStore, facility: Facility, user: User,
                field: Field, filename: str, stream: BinaryIO) -> Attachment:
    """``store_upload`` on its own, committed: a file uploaded before the record that will
    name it is saved (the API's upload)."""
    return store_upload(session, store, facility, user, field, filename, stream)


def discard_unsaved(database: Database, store: BlobStore,
                    uploads: Iterable[tuple[int, str]]) -> None:
    """After a request: of its uploads (attachment id, storage key), remove from disk the
    files whose row was rolled back (the form did not save), so a refused form leaves
    nothing behind (a store in the database rolled back with the row)."""
    uploads = list(uploads)
    if store.kind == "database":  # its bytes were written in the request's transaction
        return
    with database.session() as session:
        kept = set(session.scalars(select(Attachment.id).where(
            Attachment.id.in_([attachment_id for attachment_id, _ in uploads]))))
    for attachment_id, key in uploads:
        if attachment_id not in kept:
            store.delete(key)
