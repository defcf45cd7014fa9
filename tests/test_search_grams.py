"""Free-text list search served by an index (ieum.store.search): the same rows as the plain
``ILIKE`` scan, for one- and two-syllable Korean searches, Latin text in any case and the
characters ``ILIKE`` treats specially; on PostgreSQL the gram index serves the search."""

from __future__ import annotations

from sqlalchemy import event, select, text

from ieum.access.audit import Actor
from ieum.services import records
from ieum.services.database import sync_indexes
from ieum.services.records import _filtered
from ieum.services.workspace import open_workspace
from ieum.store.models import Record, User
from ieum.store.search import GRAM_TABLE, grams_contain, sqlite_indexed
from tests.formlab import API, GOOD, TODAY, api_token, seed_lab

TITLES = ("대학 진학 상담", "진학", "생활기술 점검", "주거 지원 신청", "점", "학", "Case Review",
          "case REVIEW 2", "CASE", "100% 완료", "a_b", "ab", r"back\slash", "İstanbul 방문",
          "ΣΟΦΙΑ 상담", "진 학", "  공백  ", "대학진학")
SEARCHES = ("진로", "고친", "대학 진학", "진학", "진", "학", "점검", "학 상", "case", "CASE r",
            "Review 2", "%", "_", "a_b", "\\", "100%", "istanbul", "İ", "σοφια", "Σ", "공백",
            "  ", "없는말", "대학진학", "상담", "ab")


def _scope(app, session):  # noqa: ANN001, ANN202
    registry = app.extensions["ieum.registry"]
    user = session.query(User).filter_by(login="admin").one()
    workspace = open_workspace(session, registry, user, "lab", TODAY)
    return records.open_form(registry, workspace, "casebook", "casebook", TODAY,
                             Actor(user_id=user.id))


def test_search_finds_what_the_plain_scan_finds(make_app, migrated_url) -> None:
    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    database = app.extensions["ieum.database"]
    client = app.test_client()
    headers = api_token(client, "admin")
    saved = []
    for n, title in enumerate(TITLES):
        if n == len(TITLES) // 2:  # the index step: earlier records are filled in (SQLite)
            sync_indexes(database.engine, app.extensions["ieum.registry"], min_rows=0)
        answer = client.post(f"{API}/records", headers=headers, json={"data": {
            **GOOD, "title": title, "written_on": f"2026-02-{n + 1:02d}"}})
        assert answer.status_code == 201, answer.get_json()
        saved.append(answer.get_json())
    # An edited title is searched by its new text only, a deleted record not at all.
    first = saved[0]
    answer = client.put(f"{API}/records/{first['id']}", headers=headers, json={
        "data": {**GOOD, "title": "고친 제목 진로", "written_on": "2026-02-01"},
        "version": first["version"]})
    assert answer.status_code == 200, answer.get_json()
    assert client.delete(f"{API}/records/{saved[1]['id']}?version={saved[1]['version']}",
                         headers=headers).status_code == 204
    with database.session() as session:
        scope = _scope(app, session)
        dialect = session.get_bind().dialect.name
        hits = 0
        for searched in SEARCHES:
            query = records.parse_list_query(scope.tree, {"title": searched, "per_page": 100})
            listed = records.list_records(session, scope, query)
            plain = session.scalars(_filtered(scope, query).with_only_columns(Record.id)
                                    .order_by(Record.id)).all()
            assert sorted(r.id for r in listed.items) == list(plain), searched
            assert listed.total == len(plain)
            hits += bool(plain)
        assert hits >= 15  # the searches find something, not only agree on nothing
        one = records.parse_list_query(scope.tree, {"title": "진"})
        assert {r.data["title"] for r in records.list_records(session, scope, one).items} == {
            "진 학", "대학진학", "고친 제목 진로"}
        if dialect == "sqlite":  # the gram table serves the search, kept by its triggers
            assert sqlite_indexed(session, "casebook", "title")
            kept = set(session.execute(text(
                f"SELECT gram FROM {GRAM_TABLE} WHERE record_id = :id"),
                {"id": first["id"]}).scalars())
            assert {"진로", "고친", " 제"} <= kept and "대학" not in kept
            plan = " ".join(str(row) for row in session.execute(text(
                "EXPLAIN QUERY PLAN " + str(records._filtered(scope, records.parse_list_query(
                    scope.tree, {"title": "진학"}), session).compile(
                    dialect=session.get_bind().dialect,
                    compile_kwargs={"literal_binds": True})))))
            assert GRAM_TABLE in plan, plan
        if dialect != "postgresql":
            return
        # Enough other records that the planner weighs its indexes.
        session.execute(text(
            "INSERT INTO record (facility_id, unit_function, form_id, form_version, data, "
            "status, author_id, created_at, updated_at, version) SELECT facility_id, "
            "unit_function, form_id, form_version, data, status, author_id, created_at, "
            "updated_at, version FROM record, generate_series(1, 1000) WHERE data ->> 'title' "
            "IN ('CASE', 'ab', 'a_b')"))
        session.commit()
        session.execute(text("ANALYZE record"))
        session.commit()
        _walked_pages_are_the_lists(database, session, scope)
        # The gram condition as the service writes it (bound JSON key and search) matches
        # the gram index: with sequential scans off PostgreSQL reads it, for one- and
        # two-syllable Korean searches alike (pg_trgm has no trigram for either).
        for searched in ("진학", "진"):
            column = Record.data["title"].as_string()
            statement = select(Record.id).where(
                Record.form_id == "casebook", Record.deleted_at.is_(None),
                column.ilike(f"%{searched}%"),
                grams_contain(Record.facility_id, column, scope.facility.id, searched))
            seen: list[tuple[str, object]] = []

            def keep(conn, cursor, statement, parameters, context, executemany,  # noqa: ANN001
                     seen=seen):  # noqa: ANN001
                seen.append((statement, parameters))

            event.listen(database.engine, "before_cursor_execute", keep)
            try:
                found = session.scalars(statement).all()
            finally:
                event.remove(database.engine, "before_cursor_execute", keep)
            assert len(found) == 3 - 2 * (searched == "진학")  # "진 학" has no pair 진학
            cursor = session.connection().connection.driver_connection.cursor()
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + seen[-1][0], seen[-1][1])
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Bitmap Index Scan on ixf_casebook__title_g_" in plan, plan
            session.rollback()


def _walked_pages_are_the_lists(database, session, scope) -> None:  # noqa: ANN001
    """A common word (more matches than the list counts) is read along the sort's index
    (``records._walked``): every page, in every order, is the full query's page, and a
    word too rare for the walk falls back to the plain statement."""
    statements: list[str] = []

    def keep(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        statements.append(statement)

    sorts = [c.name for c in scope.tree.list_columns][:2] + ["updated_at", "created_at",
                                                             "status"]
    walked = 0
    for searched, pages in (("case", (1, 2, 7)), ("ab", (1, 3)), ("진학", (1,))):
        for sort in sorts:
            for direction in ("asc", "desc"):
                for number in pages:
                    query = records.parse_list_query(scope.tree, {
                        "title": searched, "sort": sort, "dir": direction, "page": number,
                        "per_page": 5})
                    event.listen(database.engine, "before_cursor_execute", keep)
                    try:
                        listed = records.list_records(session, scope, query, count_cap=20,
                                                      rows=True)
                    finally:
                        event.remove(database.engine, "before_cursor_execute", keep)
                    walked += any("walk" in statement for statement in statements)
                    statements.clear()
                    plain = records._filtered(scope, query).order_by(
                        *records._order(scope, query)).with_only_columns(Record.id)
                    every = session.scalars(plain).all()
                    first = (listed.page - 1) * 5
                    assert [r.id for r in listed.items] == every[first:first + 5], (
                        searched, sort, direction, number)
                    cap = max(4, number) * 5  # the cap, or up to the asked page
                    assert (listed.total, listed.more) == ((cap, True) if len(every) > cap
                                                           else (len(every), False))
    assert walked >= 20  # the common words were walked, not only the rare one
