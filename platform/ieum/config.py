"""Settings: defaults, environment variables (``IEUM_*``) and the instance folder.

Secrets never live in the repository: the session secret is read from ``IEUM_SECRET_KEY`` or
from a file created once in the instance folder.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

#: The platform's version (``ieum.__version__``, shown by /health).
VERSION = "0.1.0"

#: Korea keeps one offset all year (no daylight saving): dates people see are in KST.
KST = dt.timezone(dt.timedelta(hours=9), "KST")

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def instance_path() -> Path:
    """The writable folder for the SQLite file, keys and uploads (``instance/`` by default)."""
    configured = os.environ.get("IEUM_INSTANCE_PATH")
    path = Path(configured) if configured else REPOSITORY_ROOT / "instance"
    path.mkdir(parents=True, exist_ok=True)
    return path


def studio_packages_path() -> Path:
    """Where the content studio publishes packages (``IEUM_STUDIO_PACKAGES``, else
    ``<instance>/studio_packages``); each sub-folder is a content root the app loads."""
    configured = os.environ.get("IEUM_STUDIO_PACKAGES")
    return Path(configured) if configured else instance_path() / "studio_packages"


def database_url() -> str:
    """``IEUM_DATABASE_URL`` or a SQLite file in the instance folder."""
    configured = os.environ.get("IEUM_DATABASE_URL")
    if configured:
        return normalise_database_url(configured)
    return f"sqlite:///{instance_path() / 'ieum.db'}"


def normalise_database_url(url: str) -> str:
    """Let people write ``postgresql://`` and still get the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(folder: Path) -> str:
    """``IEUM_SECRET_KEY`` or a random key kept in ``<instance>/secret_key`` (mode 0600)."""
    configured = os.environ.get("IEUM_SECRET_KEY")
    if configured:
        return configured
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


def smtp_url() -> str | None:
    """``IEUM_SMTP_URL``: where notification e-mail is sent, e.g.
    ``smtp://user:password@mail.example.org:587?starttls=true&from=ieum@example.org``
    (``smtps://`` for TLS from the start); unset: no e-mail is sent (it waits in the outbox)."""
    return os.environ.get("IEUM_SMTP_URL") or None


def public_url() -> str:
    """``IEUM_PUBLIC_URL``: the address people open ieum at, for links in e-mail."""
    return (os.environ.get("IEUM_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")


def file_store() -> str:
    """``IEUM_FILE_STORE``: ``local`` (the instance folder, default), ``database`` or an
    ``s3://bucket/prefix`` URL: where attachments and job results are kept."""
    return os.environ.get("IEUM_FILE_STORE", "local")


def redis_url() -> str | None:
    """``IEUM_REDIS_URL``: the job queue's Redis (production); without it the queue is a
    SQLite file in the instance folder (the embedded default)."""
    return os.environ.get("IEUM_REDIS_URL") or None
