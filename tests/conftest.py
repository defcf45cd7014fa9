"""Shared fixtures: fresh databases on SQLite and PostgreSQL, apps, a live server, a browser.

PostgreSQL tests run when ``IEUM_TEST_POSTGRES_URL`` is set, browser tests when a Chromium is
found; otherwise they are skipped, except under ``CI=true`` where a skip fails the run.
"""

from __future__ import annotations

import functools
import os

os.environ.setdefault("IEUM_TEST_FAST_HASHING", "1")  # before ieum.access.passwords loads
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from ieum.store.db import make_engine
from ieum.store.migrate import upgrade

TESTS = Path(__file__).resolve().parent
TEST_CONTENT = TESTS / "content"
ARTIFACTS = TESTS / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytest_plugins = ["tests.vendor_fixture"] if (TESTS / "vendor_fixture.py").exists() else []


def unavailable(reason: str) -> None:
    """Skip locally, fail in CI: CI must run every PostgreSQL and browser test."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: skipping is not allowed)")
    pytest.skip(reason)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        print(f"\nCI=true: {len(skipped)} test(s) were skipped; failing the run.")
        session.exitstatus = 1


# ---------------------------------------------------------------- databases


def postgres_base_url() -> str:
    url = os.environ.get("IEUM_TEST_POSTGRES_URL")
    if not url:
        unavailable("IEUM_TEST_POSTGRES_URL is not set")
    from ieum.config import normalise_database_url

    return normalise_database_url(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ieum-test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty schema in the test database, dropped afterwards."""
    with postgres_schema() as url:
        yield url


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh, empty schema in the test database, dropped on leaving (for
    fixtures of a wider scope than ``postgres_url``)."""
    base = postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``: what ``db_url`` and ``migrated_url`` are parametrized
    by (the test ids stay ``[sqlite]`` / ``[postgres]``)."""
    return request.param


@pytest.fixture
def db_url(db_backend: str, request: pytest.FixtureRequest) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{db_backend}_url")


@pytest.fixture
def migrated_url(db_backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database at the migrations' head with no rows, once on SQLite and once on PostgreSQL.

    The migrations run once per session (``sqlite_template`` / ``postgres_pool``); each test
    gets a copy of the SQLite file, or a PostgreSQL schema of the pool emptied (every table's
    rows deleted, sequences restarted) — a fresh ``upgrade`` per test cost 0.3–2 s of DDL.
    A test that changed a pooled schema's objects (an index, a table, the revision) gets its
    schema dropped instead of returned to the pool."""
    if db_backend == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        request.getfixturevalue("sqlite_template").copy_to(url)
        yield url
        return
    pool = request.getfixturevalue("postgres_pool")
    url = pool.acquire()
    try:
        yield url
    finally:
        pool.release(url)


def checkpoint_sqlite(path: Path) -> None:
    """Fold the write-ahead log into the file, so that the file alone is the database."""
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


class SqliteTemplate:
    """A SQLite file migrated to head once per session; tests get byte copies of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        upgrade(f"sqlite:///{path}")
        checkpoint_sqlite(path)

    def copy_to(self, url: str) -> None:
        target = Path(make_url(url).database)
        shutil.copyfile(self.path, target)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("template") / "ieum-template.db")


@pytest.fixture
def migrated_sqlite_url(sqlite_url: str, sqlite_template: SqliteTemplate) -> str:
    """A SQLite database at the migrations' head with no rows (a copy of the template)."""
    sqlite_template.copy_to(sqlite_url)
    return sqlite_url


class SeededTemplates:
    """SQLite databases with data in them, each made once per session and copied per test.

    ``copy_to(name, build, url, instance)`` makes the template ``name`` the first time it is
    asked for: a copy of the migrated template, an app on it (built by ``build(make)``, where
    ``make(roots=None, **config)`` builds an app with ``make_app``'s settings, its instance
    folder the template's own), the write-ahead log folded into the file. Every call then
    copies the file to ``url`` and the template's instance folder (the ``rrn.key`` that sealed
    its resident numbers and attachments and keys its audit checkpoints, published studio
    packages) to ``instance``: the test gets a fresh database of its own, byte for byte what
    ``build`` made, as if it had made it itself — loading the demo costs 4–10 s per test."""

    def __init__(self, root: Path, migrated: SqliteTemplate) -> None:
        self.root = root
        self.migrated = migrated
        self.built: dict[str, Path] = {}

    def _build(self, name: str, build) -> Path:  # noqa: ANN001 - build(make)
        folder = self.root / name
        shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
        folder.mkdir()
        path = folder / "ieum.db"
        url = f"sqlite:///{path}"
        self.migrated.copy_to(url)
        apps: list = []
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("IEUM_INSTANCE_PATH", str(folder / "instance"))
            _share_registries(patch)

            def make(roots: list[Path] | None = None, **config):  # noqa: ANN202
                from ieum import create_app

                app = create_app(app_settings(url, roots, **config))
                apps.append(app)
                return app

            try:
                build(make)
            finally:
                for app in apps:
                    app.extensions["ieum.database"].dispose()
        checkpoint_sqlite(path)
        return folder

    def copy_to(self, name: str, build, url: str, instance: Path) -> None:  # noqa: ANN001
        if name not in self.built:
            self.built[name] = self._build(name, build)
        folder = self.built[name]
        shutil.copyfile(folder / "ieum.db", Path(make_url(url).database))
        if (folder / "instance").exists():
            shutil.copytree(folder / "instance", instance, dirs_exist_ok=True)


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory: pytest.TempPathFactory,
                     sqlite_template: SqliteTemplate) -> SeededTemplates:
    return SeededTemplates(tmp_path_factory.mktemp("seeded"), sqlite_template)


class PostgresPool:
    """Schemas of the test database migrated to head, reused from test to test.

    A released schema is emptied in one round trip (``DELETE`` per table, children first,
    sequences restarted: much cheaper than ``TRUNCATE``, which makes new files for every table
    and index) and goes back to the pool — unless its objects differ from a freshly migrated
    schema's (a test made an index, dropped a table, moved the revision), then it is dropped
    like ``postgres_url`` drops its schema. A schema still in use when released (a connection
    left in a transaction) blocks the cleanup exactly as ``DROP SCHEMA`` would."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.admin = make_engine(base)
        self.free: list[str] = []
        self.schemas: dict[str, str] = {}  # url -> schema
        self.signature: tuple | None = None
        self.revision: str | None = None
        self.reset_sql: str | None = None

    def _url(self, schema: str) -> str:
        url = make_url(self.base).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def _signature(self, connection, schema: str) -> tuple:
        rows = connection.execute(text(
            "SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "UNION ALL SELECT s.stxname, 'x' FROM pg_statistic_ext s WHERE s.stxnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "UNION ALL SELECT t.typname, 'y' FROM pg_type t WHERE t.typnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) AND t.typrelid = 0 "
            "AND t.typelem = 0 "
            "UNION ALL SELECT p.proname, 'f' FROM pg_proc p WHERE p.pronamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "UNION ALL SELECT k.conname || ' ' || pg_get_constraintdef(k.oid), 'k' "
            "FROM pg_constraint k WHERE k.connamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "UNION ALL SELECT c.relname || '.' || a.attname || ' ' "
            "|| format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull "
            "|| ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), 'a' "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "AND a.attnum > 0 AND NOT a.attisdropped "
            "UNION ALL SELECT t.tgname, 't' FROM pg_trigger t JOIN pg_class c "
            "ON c.oid = t.tgrelid WHERE c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = :s) "
            "ORDER BY 1, 2"), {"s": schema}).all()
        revision = connection.execute(text(
            f'SELECT version_num FROM "{schema}".alembic_version')).scalars().all()
        return tuple(map(tuple, rows)), tuple(revision)

    def _prepare(self, schema: str) -> None:
        """Learn, from the first migrated schema, its objects and how to empty it."""
        import graphlib

        with self.admin.connect() as connection:
            self.signature = self._signature(connection, schema)
            tables = connection.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s "
                "AND tablename <> 'alembic_version'"), {"s": schema}).scalars().all()
            edges = connection.execute(text(
                "SELECT child.relname, parent.relname FROM pg_constraint k "
                "JOIN pg_class child ON child.oid = k.conrelid "
                "JOIN pg_class parent ON parent.oid = k.confrelid "
                "WHERE k.contype = 'f' AND child.relnamespace = "
                "(SELECT oid FROM pg_namespace WHERE nspname = :s)"), {"s": schema}).all()
            sequences = connection.execute(text(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                {"s": schema}).scalars().all()
        graph = graphlib.TopologicalSorter({table: set() for table in tables})
        for child, parent in edges:
            if child != parent:
                graph.add(parent, child)  # a parent is emptied after its children
        order = list(graph.static_order())
        with self.admin.connect() as connection:
            seeded = any(connection.execute(text(
                f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}")')).scalar()
                for table in tables)
        if seeded:  # a migration that writes rows: emptying would not give a fresh schema
            self.reset_sql = None
            return
        statements = [f'DELETE FROM "{table}"' for table in order]
        statements += [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences]
        self.reset_sql = "; ".join(statements)

    def acquire(self) -> str:
        if self.free:
            return self.free.pop()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = self._url(schema)
        self.schemas[url] = schema
        upgrade(url)
        if self.signature is None:
            self._prepare(schema)
        return url

    def release(self, url: str) -> None:
        schema = self.schemas[url]
        try:
            with self.admin.begin() as connection:
                if self.reset_sql and self._signature(connection, schema) == self.signature:
                    connection.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
                    connection.exec_driver_sql(self.reset_sql)
                    self.free.append(url)
                    return
        except Exception:  # noqa: BLE001 - a schema we cannot verify is dropped, not reused
            pass
        self._drop(url)

    def _drop(self, url: str) -> None:
        schema = self.schemas.pop(url)
        with self.admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    def close(self) -> None:
        for url in list(self.free):
            self._drop(url)
        self.free.clear()
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_pool() -> Iterator[PostgresPool]:
    pool = PostgresPool(postgres_base_url())
    yield pool
    pool.close()


# ---------------------------------------------------------------- apps


#: Registries of the content roots no test writes to (the test content, the repository's
#: library), loaded once per session: a ``Registry`` is immutable (frozen dataclasses,
#: read-only mappings), and loading the library costs ~1.4 s per app on the shared machine.
#: Only without plug-ins (``IEUM_PLUGINS: False``, the default here): a test may install one.
_SHARED_ROOTS = frozenset({str(TEST_CONTENT), str(TESTS.parent)})
_registries: dict[tuple, object] = {}


def _shared_registry_loader(load):  # noqa: ANN001, ANN202
    """``load_registry`` remembering what it loaded from the shared roots; any other root
    (content a test writes to ``tmp_path``) is loaded every time, as before."""
    def cached(roots, *, plugins: bool = True):  # noqa: ANN001, ANN202
        key = tuple(str(Path(r).resolve()) for r in roots)
        if plugins or not set(key) <= _SHARED_ROOTS:  # plug-ins: a test may install one
            return load(roots, plugins=plugins)
        if key not in _registries:
            _registries[key] = load(roots, plugins=plugins)
        return _registries[key]
    return cached


def _remember_url_builders() -> None:
    """Every app of every test registers the same ~200 URL rules, and werkzeug compiles two
    Python functions per rule to build its URLs (``Rule._compile_builder``: an AST, then
    ``compile``): 70–80 % of ``create_app`` once the registry is shared. The function depends
    only on the rule's text, domain part, defaults and ``append_unknown``, and reaches the
    rule's converters through ``self`` when called, so one compiled function serves every
    ``Rule`` with the same inputs (each rule still binds it to itself). Nothing else of the
    routing changes: matching, converters and ``url_for`` are werkzeug's own."""
    from werkzeug.routing.rules import Rule

    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "remembered", False):
        return
    compiled: dict[tuple, object] = {}

    def compile_builder(self, append_unknown: bool = True):  # noqa: ANN001, ANN202
        try:
            key = (self.rule, self.host, self.subdomain, self.merge_slashes,
                   self.map.host_matching if self.map is not None else None,
                   repr(sorted((self.defaults or {}).items())), tuple(self._trace),
                   append_unknown)
            hash(key)
        except (AttributeError, TypeError):
            return original(self, append_unknown)
        if key not in compiled:
            compiled[key] = original(self, append_unknown)
        return compiled[key]

    compile_builder.remembered = True
    Rule._compile_builder = compile_builder


_remember_url_builders()


def _remember_the_head_revision() -> None:
    """``create_app`` checks the database against the migrations' head, and alembic reads every
    migration file to find it (~0.35 s per app); the files do not change during a run, so the
    head is read once per session. The database's own revision is still read every time."""
    import ieum.store.migrate as migrate

    if not hasattr(migrate.head_revision, "cache_info"):
        migrate.head_revision = functools.cache(migrate.head_revision)


_remember_the_head_revision()


def _share_registries(patch: pytest.MonkeyPatch) -> None:
    import ieum.web.app as web_app

    if hasattr(web_app, "load_registry"):
        patch.setattr(web_app, "load_registry", _shared_registry_loader(web_app.load_registry))


def app_settings(url: str, roots: list[Path] | None = None, **config) -> dict:
    """The settings of a test app on ``url`` (the small test content by default)."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "IEUM_DATABASE_URL": url,
        "IEUM_CONTENT_ROOTS": [str(r) for r in (roots or [TEST_CONTENT])],
        "IEUM_PLUGINS": False,
        # Tests sign in far faster than people; test_security_headers sets a low limit.
        "IEUM_LOGIN_RATE_LIMIT": "1000 per minute",
        # Jobs run inside the request (tests/test_jobs.py also runs a real worker).
        "IEUM_JOBS_MODE": "immediate",
    }
    settings.update(config)
    return settings


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Build an app on a given database and content (the small test content by default)."""
    monkeypatch.setenv("IEUM_INSTANCE_PATH", str(tmp_path / "instance"))
    _share_registries(monkeypatch)

    def build(url: str, roots: list[Path] | None = None, **config):
        from ieum import create_app

        app = create_app(app_settings(url, roots, **config))
        built.append(app)
        return app

    built: list = []
    yield build
    for app in built:
        app.extensions["ieum.database"].dispose()


def load_the_demo(today):  # noqa: ANN001, ANN201 - a date; SeededTemplates' build
    """``ieum demo``: every package's demo on the repository's content, as of ``today``."""
    from ieum.config import REPOSITORY_ROOT
    from ieum.services.demo import load_demo

    def build(make) -> None:  # noqa: ANN001
        app = make([REPOSITORY_ROOT])
        with app.extensions["ieum.database"].session() as session:
            load_demo(session, app.extensions["ieum.registry"], today)

    return build


@pytest.fixture
def demo_app(make_app, sqlite_url: str, tmp_path: Path, seeded_templates: SeededTemplates):
    """An app on a fresh SQLite database holding the whole demo (``ieum demo``) as of today,
    on the repository's content. The demo is loaded once per session (once per day, should
    the run pass midnight) and copied for each test."""
    import datetime as dt

    from ieum.config import REPOSITORY_ROOT

    today = dt.date.today()
    seeded_templates.copy_to(f"demo-{today.isoformat()}", load_the_demo(today), sqlite_url,
                             tmp_path / "instance")
    return make_app(sqlite_url, roots=[REPOSITORY_ROOT])


@pytest.fixture
def demo_server(demo_app, live_server) -> LiveServer:
    """``demo_app`` served on a loopback port (``.app`` is the app)."""
    server = live_server(demo_app)
    server.app = demo_app
    return server


@pytest.fixture
def lab_app(make_app, migrated_url):
    """The form-lab facilities of the test content (tests/formlab.py) on both databases."""
    from tests.formlab import TODAY, seed_lab

    app = make_app(migrated_url, IEUM_TODAY=TODAY.isoformat())
    seed_lab(app)
    return app


@pytest.fixture
def lab_client(lab_app):
    return lab_app.test_client()


# ---------------------------------------------------------------- browser


def chromium_path() -> str | None:
    for candidate in (os.environ.get("IEUM_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        unavailable("no Chromium found (set IEUM_CHROMIUM or install Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield instance
        instance.close()


class LiveServer:
    """A Flask app served by werkzeug on a free loopback port, in a background thread."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_server():
    servers: list[LiveServer] = []

    def start(app) -> LiveServer:
        server = LiveServer(app)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh browser page; a screenshot of it is kept under tests/artifacts/."""
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()
