"""The list screens' indexes follow the content (ieum.store.indexes) and the list page keeps
filtering, sorting and counting the same with them and with its capped count."""

from __future__ import annotations

import json
import shutil

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import event, text

from ieum.access.audit import Actor
from ieum.definitions import load_registry
from ieum.services import records
from ieum.services.database import sync_indexes, wanted
from ieum.services.workspace import open_workspace
from ieum.store import Database
from ieum.store.indexes import (
    INDEX_PREFIX,
    STATISTICS_PREFIX,
    existing,
    include_object,
)
from ieum.store.models import Base, User
from ieum.store.search import GRAM_TABLE
from tests.conftest import TEST_CONTENT
from tests.formlab import API, BASE, GOOD, TODAY, api_token, seed_lab
from tests.webutil import login


def _registry(root=TEST_CONTENT):  # noqa: ANN001, ANN202
    return load_registry([root], plugins=False)


def test_indexes_are_created_once_and_follow_the_forms(migrated_url, tmp_path) -> None:
    database = Database(migrated_url)
    try:
        report = sync_indexes(database.engine, _registry(), min_rows=0)  # every form
        if database.engine.dialect.name == "sqlite":
            # No list indexes; only the search's gram table (ieum.store.search), which
            # holds the casebook's searched text field.
            assert report.skipped and report.created == (f"{GRAM_TABLE}:casebook.title",)
            with database.engine.connect() as connection:
                names = connection.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'index'")).scalars().all()
            assert not [n for n in names if n.startswith(INDEX_PREFIX)
                        and not n.startswith(GRAM_TABLE)]
            again = sync_indexes(database.engine, _registry(), min_rows=0)
            assert again.created == () and again.dropped == () and again.kept == 1
            return
        wanted_names = {w.name for w in wanted(_registry(), database.engine.dialect)}
        assert set(report.created) == wanted_names and not report.dropped
        assert set(existing(database.engine)) == wanted_names
        # the casebook's filter fields, sortable columns and the default order are covered
        assert any(n.startswith("ixf_casebook__written_on_a_") for n in wanted_names)
        assert any(n.startswith("ixf_casebook__written_on_d_") for n in wanted_names)
        assert any(n.startswith("ixf_casebook__consent_f_") for n in wanted_names)
        assert any(n.startswith("stf_casebook__method_s_") for n in wanted_names)
        assert {n.rsplit("_", 1)[0] for n in wanted_names if n.startswith("ixf___")} == {
            "ixf___updated_at_a", "ixf___created_at_a", "ixf___status_a"}

        again = sync_indexes(database.engine, _registry(), min_rows=0)
        assert again.created == () and again.dropped == () and again.kept == len(wanted_names)

        # The models comparison ignores them (the hook Alembic's environment uses too).
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": include_object})
            assert compare_metadata(context, Base.metadata) == []

        # A field no longer filtered loses its index and statistics; the rest stay.
        content = tmp_path / "content"
        shutil.copytree(TEST_CONTENT, content)
        path = content / "forms" / "casebook.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        schema["x-ui"]["consent"]["filter"] = False
        schema["x-ui"]["method"]["filter"] = False
        path.write_text(json.dumps(schema, ensure_ascii=False), encoding="utf-8")
        changed = sync_indexes(database.engine, _registry(content), min_rows=0)
        gone = {n for n in wanted_names if n.startswith(
            ("ixf_casebook__consent_", "stf_casebook__consent_", "stf_casebook__method_"))}
        assert len(gone) == 3 and changed.created == () and set(changed.dropped) == gone
        # method stays a sortable list column: its two ordered indexes are kept
        assert set(existing(database.engine)) == wanted_names - gone
    finally:
        database.dispose()


def test_db_upgrade_runs_the_index_step(migrated_url, monkeypatch) -> None:
    from ieum.cli import main

    monkeypatch.setenv("IEUM_DATABASE_URL", migrated_url)
    runner = CliRunner()
    answer = runner.invoke(main, ["db", "upgrade"])
    assert answer.exit_code == 0, answer.output
    assert "목록 색인" in answer.output
    if migrated_url.startswith("sqlite"):
        assert "건너뜀" in answer.output
        return
    database = Database(migrated_url)
    try:
        found = existing(database.engine)
        assert found and all(n.startswith((INDEX_PREFIX, STATISTICS_PREFIX)) for n in found)
        assert "0개 만듦" in runner.invoke(main, ["db", "index"]).output
    finally:
        database.dispose()


def _seed(app, count: int) -> None:  # noqa: ANN001
    client = app.test_client()
    headers = api_token(client, "admin")
    for day in range(1, count + 1):
        data = {**GOOD, "written_on": f"2026-02-{day:02d}", "title": f"기록 {day:02d}",
                "method": "phone" if day % 5 == 0 else "visit", "score_a": day % 10}
        assert client.post(f"{API}/records", json={"data": data},
                           headers=headers).status_code == 201


def test_list_page_uses_the_indexes_and_caps_its_count(make_app, migrated_url,
                                                      monkeypatch) -> None:
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    database = app.extensions["ieum.database"]
    sync_indexes(database.engine, app.extensions["ieum.registry"], min_rows=0)
    _seed(app, 25)
    client = app.test_client()
    login(client, "admin")

    # The same answers as without a cap while the count stays under it.
    first = client.get(f"{BASE}/?sort=written_on&dir=desc").get_data(as_text=True)
    assert "총 25건 · 1/2쪽" in first and first.count("data-record=") == 20
    assert first.index("기록 25") < first.index("기록 24")
    phoned = client.get(f"{BASE}/?method=phone&sort=written_on&dir=asc").get_data(as_text=True)
    assert "총 5건 · 1/1쪽" in phoned
    assert phoned.index("기록 05") < phoned.index("기록 10") < phoned.index("기록 25")
    ranged = client.get(f"{BASE}/?written_on__from=2026-02-10&written_on__to=2026-02-12")
    assert "총 3건" in ranged.get_data(as_text=True)

    # Over the cap: "N건 이상", a next page; the next page counts on and finds the end.
    monkeypatch.setattr(records, "COUNT_CAP", 10)
    capped = client.get(f"{BASE}/").get_data(as_text=True)
    assert "총 20건 이상 · 1쪽" in capped and capped.count("data-record=") == 20
    assert f'<li class="page-item"><a class="page-link" href="{BASE}/?page=2">다음' in capped
    last = client.get(f"{BASE}/?page=2").get_data(as_text=True)
    assert "총 25건 · 2/2쪽" in last and last.count("data-record=") == 5
    # The API still counts exactly.
    api = client.get(f"{API}/records?per_page=5", headers=api_token(client, "admin")).get_json()
    assert api["total"] == 25 and api["pages"] == 5

    if database.engine.dialect.name != "postgresql":
        return
    # The page's own SQL (bound JSON keys and all) matches the expression indexes: with
    # sequential scans off, PostgreSQL reads the filtered, sorted page from an ixf_ index.
    with database.session() as session:
        user = session.query(User).filter_by(login="admin").one()
        workspace = open_workspace(session, app.extensions["ieum.registry"], user, "lab", TODAY)
        scope = records.open_form(app.extensions["ieum.registry"], workspace, "casebook",
                                  "casebook", TODAY, Actor(user_id=user.id))
        query = records.parse_list_query(scope.tree, {"method": "visit", "sort": "written_on",
                                                      "dir": "desc"})
        seen: list[tuple[str, object]] = []

        def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
            seen.append((statement, parameters))

        event.listen(database.engine, "before_cursor_execute", keep)
        try:
            page = records.list_records(session, scope, query, count_cap=1000)
        finally:
            event.remove(database.engine, "before_cursor_execute", keep)
        assert page.total == 20 and not page.more
        statement, parameters = next(s for s in seen if "ORDER BY" in s[0])
        cursor = session.connection().connection.driver_connection.cursor()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Index Scan using ixf_casebook__written_on_d_" in plan, plan


def test_only_forms_with_enough_records_get_their_indexes(make_app, migrated_url) -> None:
    """A form's list indexes cost every statement on ``record`` its planning: they are made
    once a facility holds ``min_rows`` of the form's records, not before."""
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    database = app.extensions["ieum.database"]
    registry = app.extensions["ieum.registry"]
    every = {w.name for w in wanted(registry, database.engine.dialect)}
    default_order = {n for n in every if n.startswith(INDEX_PREFIX + "__")}  # every form's
    _seed(app, 3)
    small = sync_indexes(database.engine, registry, min_rows=4)
    if database.engine.dialect.name != "postgresql":
        assert small.skipped  # SQLite: the search's gram table only, whatever the size
        return
    assert set(small.created) == default_order and len(default_order) == 3
    assert set(existing(database.engine)) == default_order
    _seed(app, 1)  # four casebook records in lab: the casebook's indexes are made
    grown = sync_indexes(database.engine, registry, min_rows=4)
    casebook = {n for n in grown.created if "casebook__" in n}
    assert casebook and set(grown.created) == casebook and not grown.dropped
    assert any(n.startswith("ixf_casebook__written_on_a_") for n in casebook)
    assert any(n.startswith("stf_casebook__method_s_") for n in casebook)
    assert not {n for n in every - default_order if "casebook__" not in n} & set(
        existing(database.engine))  # the forms without records have none
    # Kept while the form holds half the threshold; dropped below it.
    assert sync_indexes(database.engine, registry, min_rows=8).dropped == ()
    below = sync_indexes(database.engine, registry, min_rows=9)
    assert set(below.dropped) == casebook and below.created == ()
    assert set(existing(database.engine)) == default_order


def test_needed_keeps_a_form_that_hovers_at_the_threshold() -> None:
    from ieum.store.indexes import Wanted, needed

    want = [Wanted("ixf___updated_at_a", "index", ""), Wanted("ixf_a__x", "index", "", "a"),
            Wanted("stf_a__x", "statistics", "", "a"), Wanted("ixf_b__y", "index", "", "b")]
    names = lambda items: [w.name for w in items]  # noqa: E731
    assert names(needed(want, [], {"a": 9, "b": 10}, 10)) == ["ixf___updated_at_a",
                                                               "ixf_b__y"]
    # a has one of its objects already: kept (and completed) from half the threshold
    assert names(needed(want, ["ixf_a__x"], {"a": 5, "b": 4}, 10)) == [
        "ixf___updated_at_a", "ixf_a__x", "stf_a__x"]
    assert names(needed(want, ["ixf_a__x"], {"a": 4}, 10)) == ["ixf___updated_at_a"]
    assert names(needed(want, [], {}, 0)) == names(want)  # 0: every form
