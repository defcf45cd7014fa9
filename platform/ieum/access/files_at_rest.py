"""Attachments encrypted at rest (health certificates and the like), with the same key
management as resident numbers: a key derived from the installation's master key
(``ieum.access.privacy``), never stored in the database.

A file is ``MAGIC`` + an 8-byte random prefix, then chunks of at most ``CHUNK`` plaintext
bytes, each ``length (4 bytes) + AES-GCM ciphertext``. Chunk ``i`` uses the nonce
``prefix + i`` and authenticates the storage key, its index and whether it is the last chunk,
so chunks cannot be swapped between files, reordered or cut off. A file without ``MAGIC`` is
one stored before encryption: it is read as it is and encrypted in place (``migrate``).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ieum.access import privacy

MAGIC = b"IEUMENC1"
CHUNK = 1024 * 1024


def _cipher() -> AESGCM:
    return AESGCM(privacy.derived_key(b"attachment encryption"))


def _aad(key: str, index: int, last: bool) -> bytes:
    return f"ieum:file:v1:{key}:{index}:{int(last)}".encode()


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def seal(key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The sealed form of the plaintext ``chunks`` (each at most ``CHUNK`` bytes), as it
    streams: whatever stores it (a folder, the database, S3) keeps only these bytes."""
    cipher = _cipher()
    prefix = os.urandom(8)
    yield MAGIC + prefix
    index, pending = 0, None
    for chunk in chunks:
        if pending is not None:
            yield _sealed(cipher, prefix, key, index, pending, last=False)
            index += 1
        pending = chunk
    yield _sealed(cipher, prefix, key, index, pending or b"", last=True)


def write(path: Path, key: str, chunks: Iterator[bytes]) -> None:
    """Encrypt the plaintext ``chunks`` (each at most ``CHUNK`` bytes) into ``path``."""
    with path.open("wb") as out:
        for part in seal(key, chunks):
            out.write(part)


def _sealed(cipher: AESGCM, prefix: bytes, key: str, index: int, data: bytes, *,
            last: bool) -> bytes:
    sealed = cipher.encrypt(prefix + struct.pack(">I", index), data, _aad(key, index, last))
    return struct.pack(">I", len(sealed)) + sealed


def read(path: Path, key: str) -> bytes:
    """The plaintext of a stored file (an unencrypted legacy file as it is)."""
    return unseal(key, path.read_bytes())


def unseal(key: str, data: bytes) -> bytes:
    """The plaintext of sealed bytes (bytes without ``MAGIC``, kept before encryption, as
    they are); a changed, reordered or cut-off file raises."""
    if data[:len(MAGIC)] != MAGIC:
        return data
    cipher = _cipher()
    prefix = data[len(MAGIC):len(MAGIC) + 8]
    position = len(MAGIC) + 8
    parts: list[bytes] = []
    index = 0
    while True:
        if position + 4 > len(data):
            raise ValueError("truncated attachment")
        size = struct.unpack(">I", data[position:position + 4])[0]
        sealed = data[position + 4:position + 4 + size]
        if len(sealed) < size:
            raise ValueError("truncated attachment")
        position += 4 + size
        last = position >= len(data)
        parts.append(cipher.decrypt(prefix + struct.pack(">I", index), sealed,
                                    _aad(key, index, last)))
        if last:
            return b"".join(parts)
        index += 1


def migrate(path: Path, key: str) -> bool:
    """Encrypt a file stored before encryption, in place (atomically); True when it was."""
    if not path.exists() or is_encrypted(path):
        return False
    data = path.read_bytes()
    temporary = path.with_name(path.name + ".enc-tmp")
    write(temporary, key, iter([data[i:i + CHUNK] for i in range(0, len(data), CHUNK)] or [b""]))
    os.replace(temporary, path)
    return True
