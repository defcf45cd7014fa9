"""Shared fixtures: fresh databases on SQLite and PostgreSQL, apps, a live server, a browser.

PostgreSQL tests run when ``IEUM_TEST_POSTGRES_URL`` is set, browser tests when a Chromium is
found; otherwise they are skipped, except under ``CI=true`` where a skip fails the run.
"""

from __future__ import annotations

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
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def migrated_url(db_url: str) -> str:
    upgrade(db_url)
    return db_url


# ---------------------------------------------------------------- apps


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Build an app on a given database and content (the small test content by default)."""
    monkeypatch.setenv("IEUM_INSTANCE_PATH", str(tmp_path / "instance"))

    def build(url: str, roots: list[Path] | None = None, **config):
        from ieum import create_app

        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "IEUM_DATABASE_URL": url,
            "IEUM_CONTENT_ROOTS": [str(r) for r in (roots or [TEST_CONTENT])],
            "IEUM_PLUGINS": False,
            # Tests sign in far faster than people; test_security_headers sets a low limit.
            "IEUM_LOGIN_RATE_LIMIT": "1000 per minute",
        }
        settings.update(config)
        app = create_app(settings)
        built.append(app)
        return app

    built: list = []
    yield build
    for app in built:
        app.extensions["ieum.database"].dispose()


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
