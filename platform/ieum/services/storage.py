"""Where the installation keeps file bytes (attachments, the files jobs produce), chosen by
``IEUM_FILE_STORE`` (``ieum.store.blobs``), and the check that servers sharing files also
share the encryption key."""

from __future__ import annotations

import os
from pathlib import Path

from ieum.store.blobs import BlobStore, DatabaseBlobs, LocalBlobs, S3Blobs, open_blob_store
from ieum.store.db import Database

__all__ = ["BlobStore", "DatabaseBlobs", "LocalBlobs", "S3Blobs", "open_file_store",
           "shared_key_problem"]

SHARED_WITHOUT_KEY = (
    "여러 서버가 파일을 나누어 쓰도록 설정했지만(IEUM_FILE_STORE={store}) 암호화 키가 "
    "서버마다 따로 만들어집니다. 모든 서버에 같은 IEUM_RRN_KEY(32바이트 키의 base64)를 "
    "설정하거나, 모든 서버가 보는 IEUM_KEY_DIR을 지정하세요.")


def open_file_store(spec: str | None, instance: str | Path, database: Database) -> BlobStore:
    """The file store of ``spec``; a local one under ``<instance>/attachments``."""
    return open_blob_store(spec, Path(instance) / "attachments", database)


def shared_key_problem(spec: str | None) -> str | None:
    """A message when files are shared between servers (``database`` or ``s3://``) but the
    master key would be a file each server creates for itself: a file encrypted on one server
    could not be read on another. None when the configuration is consistent."""
    value = (spec or "local").strip()
    if value == "local" or os.environ.get("IEUM_RRN_KEY") or os.environ.get("IEUM_KEY_DIR"):
        return None
    return SHARED_WITHOUT_KEY.format(store=value)
