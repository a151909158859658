"""Requests whose writes are undone, so one world can serve many tests that post.

Inside `sandbox()` the application's session is bound to one connection holding an outer transaction; every commit
of a request releases a savepoint inside it, and everything is rolled back at the end. `Sandbox.writes` lists the
INSERT/UPDATE/DELETE statements sent meanwhile (a GET must send none).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from tracker.extensions import db
from tracker.tenancy import TownReads

_WRITES = ("insert", "update", "delete", "replace")


class SandboxSession(TownReads, Session):
    """Reads within the request's town as the application's session does (tracker/tenancy.py)."""


@dataclass
class Sandbox:
    connection: sa.Connection
    writes: list[str] = field(default_factory=list)

    def reset_writes(self) -> None:
        self.writes.clear()


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    conn = db.engine.connect()
    box = Sandbox(conn)
    driver = conn.connection.driver_connection
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # pysqlite opens transactions on its own and a SAVEPOINT outside one would commit on release: take over.
        isolation = driver.isolation_level
        driver.isolation_level = None
    outer = conn.begin()
    if sqlite:
        conn.exec_driver_sql("BEGIN")

    def record(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().lower().startswith(_WRITES):
            box.writes.append(statement.split("\n", 1)[0][:120])

    sa.event.listen(conn, "before_cursor_execute", record)
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=conn, class_=SandboxSession, join_transaction_mode="create_savepoint")
    )
    try:
        yield box
    finally:
        db.session.remove()
        db.session = original
        sa.event.remove(conn, "before_cursor_execute", record)
        outer.rollback()
        if sqlite:
            driver.isolation_level = isolation
        conn.close()
