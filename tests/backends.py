"""Fresh databases for tests that need one of their own: a new SQLite file always, a new PostgreSQL database
when the suite runs against PostgreSQL (TEST_DATABASE_URL), so the same test runs on both."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


SUITE_BACKEND = "postgresql" if postgres_url() else "sqlite"
# SQLite always; PostgreSQL whenever the suite runs against it (CI's second run).
BACKENDS = ["sqlite"] + (["postgresql"] if postgres_url() else [])


@contextlib.contextmanager
def fresh_database(backend: str, directory: Path, name: str = "fresh") -> Iterator[str]:
    """The URL of a database that exists and holds nothing; a PostgreSQL one is dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / f'{name}.sqlite3'}"
        return
    server = sa.make_url(postgres_url())
    db_name = f"tracker_{name}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    try:
        yield server.set(database=db_name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()
