"""Storage: SQLAlchemy 2 models, engines and sessions, Alembic migrations."""

from ieum.store.db import Database, make_engine
from ieum.store.migrate import upgrade

__all__ = ["Database", "make_engine", "upgrade"]
