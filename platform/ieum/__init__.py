"""ieum (이음): a low-code form and workflow platform for social-service facilities."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app", "__version__"]

from ieum.config import VERSION as __version__


def create_app(config: dict[str, Any] | None = None):  # noqa: ANN201 - Flask is imported lazily
    """Build the Flask application (see ``ieum.web.app``)."""
    from ieum.web.app import create_app as _create_app

    return _create_app(config)
