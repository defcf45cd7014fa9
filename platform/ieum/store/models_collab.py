"""Tables of the collab area (filled in by its issue)."""

from __future__ import annotations

from ieum.store.models import Base  # noqa: F401 - the shared declarative base
