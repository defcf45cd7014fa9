"""``/health``: is the app up, can it reach its database, what content did it load."""

from __future__ import annotations

import platform

from flask import Blueprint, jsonify

from ieum.config import VERSION
from ieum.services.database import is_reachable
from ieum.web.context import db_session, registry

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    database_ok = is_reachable(db_session())
    content = registry()
    body = {
        "status": "ok" if database_ok else "degraded",
        "version": VERSION,
        "database": "ok" if database_ok else "unreachable",
        "python": platform.python_version(),  # the standard library's platform module
        "content": {
            "forms": len(content.forms),
            "processes": len(content.processes),
            "unit_functions": len(content.unit_functions),
            "profiles": len(content.profiles),
        },
    }
    return jsonify(body), 200 if database_ok else 503
