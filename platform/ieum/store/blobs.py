"""Where file bytes live: one small interface, three places.

* ``LocalBlobs``: a folder (``instance/attachments``), the embedded default; only the server
  that has the folder sees the files.
* ``DatabaseBlobs``: the ``stored_blob`` table, so every app server that reaches the database
  reaches the files (PostgreSQL keeps them as ``bytea``, TOAST-compressed and out of line).
* ``S3Blobs``: an S3-compatible object store (AWS S3, MinIO, Ceph); needs ``boto3``.

A store keeps bytes as it is given them: encryption at rest happens before
(``ieum.access.files_at_rest``). Keys are ``<facility id>/<random hex>`` or ``jobs/...``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlparse

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ieum.store.db import Database
from ieum.store.models_jobs import StoredBlob


class BlobStore(Protocol):
    """What the services need of a place for file bytes."""

    kind: str

    def put(self, key: str, chunks: Iterable[bytes], session: Session | None = None) -> int:
        """Keep the bytes of ``chunks`` under ``key``; returns how many were kept. If
        ``chunks`` raises, nothing stays under ``key``. A store in the database writes in
        ``session`` when given (so a rolled-back upload leaves nothing), else in its own."""

    def get(self, key: str) -> bytes | None:
        """The bytes under ``key``, or None when there are none."""

    def delete(self, key: str, session: Session | None = None) -> None:
        """Forget ``key`` (nothing happens when it is not there); in ``session`` when given,
        as ``put``."""


def _safe(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"unsafe storage key {key!r}")
    return key


class LocalBlobs:
    """A folder on this server (the embedded default)."""

    kind = "local"

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / _safe(key)

    def put(self, key: str, chunks: Iterable[bytes], session: Session | None = None) -> int:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        try:
            with target.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return size

    def get(self, key: str) -> bytes | None:
        path = self.path(key)
        return path.read_bytes() if path.is_file() else None

    def delete(self, key: str, session: Session | None = None) -> None:
        self.path(key).unlink(missing_ok=True)


class DatabaseBlobs:
    """The ``stored_blob`` table: every app server on the same database sees the files."""

    kind = "database"

    def __init__(self, database: Database) -> None:
        self.database = database

    def put(self, key: str, chunks: Iterable[bytes], session: Session | None = None) -> int:
        data = b"".join(chunks)  # an upload is bounded by its field's limit (MAX_CONTENT_LENGTH)
        blob = StoredBlob(key=_safe(key), data=data, size=len(data))
        if session is not None:
            session.merge(blob)
            session.flush()
        else:
            with self.database.session() as own:
                own.merge(blob)
        return len(data)

    def get(self, key: str) -> bytes | None:
        with self.database.session() as session:
            return session.scalar(select(StoredBlob.data).where(StoredBlob.key == key))

    def delete(self, key: str, session: Session | None = None) -> None:
        if session is not None:
            session.execute(delete(StoredBlob).where(StoredBlob.key == key))
            return
        with self.database.session() as own:
            own.execute(delete(StoredBlob).where(StoredBlob.key == key))


class S3Blobs:
    """An S3-compatible bucket: ``s3://bucket/prefix?endpoint_url=https://minio:9000``.
    Credentials come the usual boto3 way (``AWS_ACCESS_KEY_ID`` ..., or the instance role)."""

    kind = "s3"

    def __init__(self, url: str) -> None:
        try:
            import boto3  # noqa: PLC0415 - optional: only installations that configure S3
        except ImportError:
            raise RuntimeError("IEUM_FILE_STORE가 s3://이면 boto3를 설치해야 합니다 "
                               "(pip install boto3).") from None
        parsed = urlparse(url)
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client = boto3.client("s3", endpoint_url=options.get("endpoint_url"),
                                   region_name=options.get("region"))

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{_safe(key)}" if self.prefix else _safe(key)

    def put(self, key: str, chunks: Iterable[bytes], session: Session | None = None) -> int:
        data = b"".join(chunks)
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        return len(data)

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        return answer["Body"].read()

    def delete(self, key: str, session: Session | None = None) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))


FILE_STORES = ("local", "database", "s3://...")


def open_blob_store(spec: str | None, folder: str | Path, database: Database) -> BlobStore:
    """The store named by ``spec`` (``IEUM_FILE_STORE``): ``local`` (default, ``folder``),
    ``database``, or an ``s3://bucket/prefix`` URL."""
    value = (spec or "local").strip()
    if value == "local":
        return LocalBlobs(folder)
    if value == "database":
        return DatabaseBlobs(database)
    if value.startswith("s3://"):
        return S3Blobs(value)
    raise RuntimeError(f"IEUM_FILE_STORE는 local, database, s3://버킷 중 하나여야 합니다 "
                       f"(받은 값: {value!r}).")

