"""Shared fixtures: the app (one per session), a clean database per test, a client, users per role, a fixed now.

The database comes from TEST_DATABASE_URL (PostgreSQL in CI's second run) or a SQLite file in a temp dir.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

from config import TestConfig
from tests.factories import build_world
from tracker import create_app
from tracker.common import timeutil
from tracker.demo import load_demo
from tracker.extensions import db as _db

# 2026-11-02 10:00 in Beijing: a Monday, a working day.
FIXED_NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
PASSWORD = "Test-pass-2026"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright (SQLite run only)")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


# In CI a skipped test is a failure: nothing may be silently left out.
_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI", "").lower() == "true" and _skipped:
        session.exitstatus = 1
        print(f"\nCI=true: {len(_skipped)} skipped test(s) count as failures:")
        for nodeid in _skipped:
            print("  SKIPPED", nodeid)


def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and url.startswith("postgresql"):
        # Under pytest-xdist every worker drops and truncates its tables: each needs its own database.
        base = sa.make_url(url)
        name = f"{base.database}_{worker}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return base.set(database=name).render_as_string(hide_password=False)
    return url


class IsolatedClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as each request does in production.

    The db fixture keeps an app context pushed and Flask reuses it for requests, so without this the user that
    Flask-Login caches in g (and Flask-WTF's CSRF token) leaked from one client's request into the next request of
    any other client: after login_as("drafter"), an anonymous client and login_as("leader") both acted as the drafter.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(vars(g)):
                delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    uploads, backups = tmp_path_factory.mktemp("uploads"), tmp_path_factory.mktemp("backups")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path_factory),
        UPLOAD_DIR=str(uploads),
        BACKUP_DIR=str(backups),
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _truncate_all() -> None:
    """Empty every table, children first; on PostgreSQL also restart the sequences that were used.

    DELETE, not TRUNCATE: on the few rows a test leaves, PostgreSQL's TRUNCATE of ~30 tables costs 50-100 ms
    (new files for every table), DELETE under 10 ms; the PostgreSQL run takes about a quarter less time.
    """
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        postgresql = conn.dialect.name == "postgresql"
        if postgresql:
            # The append-only trigger refuses to delete audit events: triggers off for this transaction only (the
            # test server's user is a superuser). Unlike ALTER TABLE … DISABLE TRIGGER this takes no table lock.
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for t in tables:
            conn.execute(t.delete())
        if postgresql:
            used = conn.execute(
                sa.text(
                    "SELECT sequencename FROM pg_sequences"
                    " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
                )
            ).scalars()
            for name in used.all():
                conn.execute(sa.text(f'ALTER SEQUENCE "{name}" RESTART'))


@pytest.fixture(scope="module")
def city(app):
    """The demo city (three towns, the bureau, the city leader), loaded afresh for the module: the city's tests and
    those that go over every demo document."""
    with app.app_context():
        _truncate_all()
        load_demo(now=timeutil.now_utc())
        _db.session.commit()
        _db.session.remove()
    return app


@pytest.fixture
def db(app):
    """A clean database (every table emptied) inside an app context."""
    with app.app_context():
        _truncate_all()
        from tracker.setup import ensure_reference_data

        ensure_reference_data(FIXED_NOW)
        _db.session.commit()
        yield _db
        _db.session.remove()


@pytest.fixture
def now():
    return FIXED_NOW


class Clock:
    """The wall clock of views, jobs and commands (tracker.common.timeutil.now_utc), pinned by a test."""

    def __init__(self, at: datetime):
        self.at = at

    def set(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock():
    """Pins now_utc() to FIXED_NOW for the test (the one place time is patched); clock.set(at) moves it."""
    pinned = Clock(FIXED_NOW)
    with timeutil.clock_set_to(pinned):
        yield pinned


@pytest.fixture
def world(db):
    """A small town: the units of every kind and one active user per role (plus a second drafting unit)."""

    w = build_world(FIXED_NOW)
    db.session.commit()
    return w


@pytest.fixture
def uploads(app, tmp_path, monkeypatch) -> Path:
    """An upload folder of this test's own (the session's is shared by every test)."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login_as(app, db):
    """login_as('clerk') -> a test client logged in as that user of the world fixture."""

    def _login(username: str):
        c = app.test_client()
        r = c.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 302, f"login as {username} failed"
        return c

    return _login
