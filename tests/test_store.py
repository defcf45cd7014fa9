"""The migrations build the schema on both engines and agree with the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.orm.exc import StaleDataError

from ieum.store import Database
from ieum.store.indexes import include_object
from ieum.store.migrate import current_revision, head_revision, is_up_to_date, upgrade
from ieum.store.models import Base, Facility, Record, User

CORE_TABLES = {
    "facility", "person", "subject", "record", "process_instance", "task", "closing",
    "audit_event", "attachment", "app_user", "role_assignment", "api_token",
}


def test_empty_database_migrates_to_head(db_url: str) -> None:
    assert not is_up_to_date(db_url)
    upgrade(db_url)
    database = Database(db_url)
    try:
        tables = set(inspect(database.engine).get_table_names())
        assert CORE_TABLES <= tables
        assert current_revision(database.engine) == head_revision()
    finally:
        database.dispose()
    assert is_up_to_date(db_url)


def test_models_and_migrations_agree(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        with database.engine.connect() as connection:
            # the list screens' indexes follow the content (ieum.store.indexes), not the models
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": include_object})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.dispose()


def test_stale_update_is_refused(migrated_url: str) -> None:
    """Two sessions load the same record; the second writer gets StaleDataError."""
    database = Database(migrated_url)
    try:
        with database.session() as session:
            facility = Facility(code="f1", name="시설", profile_code="p", region_code="11110")
            author = User(login="u1", name="작성자", password_hash="x")
            session.add_all([facility, author])
            session.flush()
            record = Record(facility_id=facility.id, unit_function="u", form_id="f",
                            form_version=1, data={"내용": "처음"}, author_id=author.id,
                            entry_date=dt.date(2026, 1, 2))
            session.add(record)
        first, second = database.sessions(), database.sessions()
        mine, theirs = first.get(Record, record.id), second.get(Record, record.id)
        mine.data = {"내용": "먼저 저장"}
        first.commit()
        theirs.data = {"내용": "나중 저장"}
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
        first.close()
        second.close()
        with database.session() as session:
            stored = session.get(Record, record.id)
            assert stored.data == {"내용": "먼저 저장"}
            assert stored.version == 2
    finally:
        database.dispose()


@pytest.mark.postgres
def test_an_idle_connection_is_tested_and_a_dead_one_replaced(postgres_url: str) -> None:
    """PostgreSQL: a connection back from a request a moment ago is used without a ping; one
    that sat idle is pinged first, and when the server closed it meanwhile the pool gives a
    new one instead of failing the request (what ``pool_pre_ping`` did at every checkout)."""
    from sqlalchemy import event, text

    from ieum.store import db as store_db

    engine = store_db.make_engine(postgres_url)
    sent: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    pings: list[int] = []
    real_ping = engine.dialect.do_ping

    def counted_ping(dbapi_connection) -> bool:  # noqa: ANN001
        pings.append(1)
        return real_ping(dbapi_connection)

    engine.dialect.do_ping = counted_ping
    try:
        with engine.connect() as connection:
            first_pid = connection.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as connection:  # straight back: no ping
            assert connection.scalar(text("SELECT pg_backend_pid()")) == first_pid
        assert pings == []
        # The server closes the idle connection (as a restart or an idle timeout would).
        with store_db.make_engine(postgres_url).connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
            admin.commit()
        for record in engine.pool._pool.queue:  # noqa: SLF001 - age the idle connection
            record.info[store_db._RETURNED] -= store_db.PING_AFTER_IDLE + 1  # noqa: SLF001
        with engine.connect() as connection:  # pinged, found dead, replaced: no error
            assert connection.scalar(text("SELECT pg_backend_pid()")) != first_pid
        assert len(pings) == 1
    finally:
        engine.dispose()
    assert sent.count("SELECT pg_backend_pid()") == 3
