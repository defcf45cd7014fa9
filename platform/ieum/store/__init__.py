"""Storage: SQLAlchemy 2 models, engines and sessions, Alembic migrations."""

# Every model module, so that Base.metadata knows every table.
from ieum.store import (  # noqa: E402, F401, I001
    models_care,
    models_catalog,
    models_collab,
    models_compare,
    models_decisions,
    models_jobs,
    models_notify,
    models_public,
    models_reports,
    models_studio,
)
from ieum.store.db import Database, make_engine
from ieum.store.migrate import upgrade

__all__ = ["Database", "make_engine", "upgrade"]
