"""Resident registration numbers at rest: AES-GCM sealed, found by a keyed hash, shown masked.

The master key comes from ``IEUM_RRN_KEY`` (base64 of 32 bytes) or from ``instance/rrn.key``,
created once with owner-only permissions; it is never in the repository. Two keys are derived
from it with HKDF: one encrypts, one keys the HMAC that finds the same person again without
decrypting anything.

A sealed value in a record's data is ``{"masked": "900101-1******", "sealed": "<base64>",
"hmac": "<hex>"}``: screens and exports read ``masked``; only ``reveal`` decrypts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ieum import config

KEY_FILE = "rrn.key"
_ASSOCIATED = b"ieum:rrn:v1"


@dataclass(frozen=True)
class Keys:
    encryption: bytes
    lookup: bytes


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ieum", info=purpose).derive(master)


def _master(folder: Path, configured: str | None) -> bytes:
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise RuntimeError("IEUM_RRN_KEY는 32바이트 키의 base64여야 합니다.")
        return key
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(base64.b64encode(os.urandom(32)).decode())
    return base64.b64decode(path.read_text().strip())


@lru_cache(maxsize=8)
def _keys(folder: str, configured: str | None) -> Keys:
    master = _master(Path(folder), configured)
    return Keys(_derive(master, b"rrn encryption"), _derive(master, b"rrn lookup"))


@lru_cache(maxsize=32)
def _purpose_key(folder: str, configured: str | None, purpose: bytes) -> bytes:
    return _derive(_master(Path(folder), configured), purpose)


def derived_key(purpose: bytes) -> bytes:
    """A key for another purpose (attachments at rest, audit checkpoints) from the same master
    key as resident numbers: one key to keep outside the database and its backups."""
    return _purpose_key(str(key_folder()), os.environ.get("IEUM_RRN_KEY"), purpose)


def key_folder() -> Path:
    """Where ``rrn.key`` is kept: ``IEUM_KEY_DIR`` or the instance folder. In production set
    ``IEUM_RRN_KEY`` or ``IEUM_KEY_DIR`` so the key is not beside the SQLite file and not in
    the same backup as the data (``ieum check`` warns when it is)."""
    configured = os.environ.get("IEUM_KEY_DIR")
    return Path(configured) if configured else config.instance_path()


KEY_BESIDE_DATABASE = (
    "주민등록번호·첨부파일 암호화 키(rrn.key)가 SQLite 데이터베이스와 같은 폴더에 있습니다. "
    "데이터와 함께 복사·백업되면 암호화가 소용없습니다: IEUM_RRN_KEY 또는 IEUM_KEY_DIR로 "
    "다른 곳에 두세요.")


def key_beside_database(database_url: str) -> bool:
    """True when the master key would live in the folder of the SQLite database file (so a
    copy of that folder carries data and key together), i.e. ``IEUM_RRN_KEY`` is not set and
    ``IEUM_KEY_DIR`` is the database's folder."""
    if os.environ.get("IEUM_RRN_KEY") or not database_url.startswith("sqlite:///"):
        return False
    database = Path(database_url[len("sqlite:///"):]).resolve()
    return database.parent == key_folder().resolve()


def current_keys() -> Keys:
    """The keys of this installation (instance folder / ``IEUM_RRN_KEY``)."""
    return _keys(str(key_folder()), os.environ.get("IEUM_RRN_KEY"))


def digits(rrn: str) -> str:
    return re.sub(r"\D", "", rrn)


def mask(rrn: str) -> str:
    """``900101-1234567`` -> ``900101-1******`` (birth date and gender digit stay)."""
    number = digits(rrn)
    return f"{number[:6]}-{number[6]}******" if len(number) == 13 else "*" * len(rrn)


def lookup_hash(rrn: str, keys: Keys | None = None) -> str:
    """The keyed hash (HMAC-SHA256) that finds the same person without decrypting."""
    keys = keys or current_keys()
    return hmac.new(keys.lookup, digits(rrn).encode(), hashlib.sha256).hexdigest()


def seal(rrn: str, keys: Keys | None = None) -> dict[str, str]:
    keys = keys or current_keys()
    nonce = os.urandom(12)
    sealed = AESGCM(keys.encryption).encrypt(nonce, digits(rrn).encode(), _ASSOCIATED)
    return {"masked": mask(rrn), "sealed": base64.b64encode(nonce + sealed).decode(),
            "hmac": lookup_hash(rrn, keys)}


def is_sealed(value: Any) -> bool:
    return isinstance(value, Mapping) and "sealed" in value and "masked" in value


def reveal(value: Mapping[str, str], keys: Keys | None = None) -> str:
    """The full number ``900101-1234567`` (callers check the grant and audit it)."""
    keys = keys or current_keys()
    raw = base64.b64decode(value["sealed"])
    number = AESGCM(keys.encryption).decrypt(raw[:12], raw[12:], _ASSOCIATED).decode()
    return f"{number[:6]}-{number[6:]}"


def shown(value: Any) -> Any:
    """What screens and exports show for a value of a resident-number field."""
    if is_sealed(value):
        return value["masked"]
    if isinstance(value, str):
        return mask(value)
    return value
