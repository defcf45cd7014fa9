"""``/health``: is the app up, can it reach its database, what content did it load."""

from __future__ import annotations

import platform

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ieum import __version__
from ieum.web.context import db_session, registry

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    try:
        db_session().execute(text("SELECT 1"))
        database_ok = True
    except SQLAlchemyError:
        database_ok = False
    content = registry()
    body = {
        "status": "ok" if database_ok else "degraded",
        "version": __version__,
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
