"""Example ieum vendor package: content shipped as a plug-in (entry-point group ieum.content)."""

from __future__ import annotations

from pathlib import Path

CONTENT = Path(__file__).resolve().parent / "content"


def content_root() -> Path:
    """The content folder of this package (forms/ and unit_functions/)."""
    return CONTENT
