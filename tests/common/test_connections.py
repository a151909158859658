"""What a request pays for its database connection (tracker/common/connections.py): reads without a transaction, a
ping only after the connection lay idle, and a connection that dies under a request answered with a 503.

The requests go to an application of the test's own, used as gunicorn uses it: no application context is held
between requests (the `db` fixture holds one for the session's app), and its pool is its own, so killing its
connections touches nothing else. Its pooled connections are killed as a restarted server kills them: on
PostgreSQL by terminating their backends, on SQLite by closing them underneath the pool.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.conftest import PASSWORD
from tests.factories import d, published
from tracker import create_app
from tracker.auth.api_tokens import ApiToken
from tracker.auth.tokens import create_token
from tracker.common.stamp import RecordStamp
from tracker.extensions import db as _db


def _in_transaction(dbapi_connection) -> bool:
    if hasattr(dbapi_connection, "in_transaction"):  # sqlite3
        return dbapi_connection.in_transaction
    from psycopg import pq

    return dbapi_connection.info.transaction_status != pq.TransactionStatus.IDLE


class Served:
    """An application of its own with a logged-in clerk, its statements watched and its pooled connections known."""

    def __init__(self, app, **config):
        self.app = create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            UPLOAD_DIR=app.config["UPLOAD_DIR"],
            WTF_CSRF_ENABLED=False,
            **config,
        )
        with self.app.app_context():
            self.engine = _db.engine
        self.after: list[tuple[str, bool]] = []  # (statement, a transaction open on the server after it)
        self.pooled: list = []  # the DBAPI connections given back to the pool, latest last
        self.pings = 0
        sa.event.listen(self.engine, "after_cursor_execute", self._statement)
        sa.event.listen(self.engine, "checkin", lambda dbapi, record: self.pooled.append(dbapi))
        ping = self.engine.dialect.do_ping

        def counted_ping(dbapi_connection):
            self.pings += 1
            return ping(dbapi_connection)

        self.engine.dialect.do_ping = counted_ping
        self.client = self.app.test_client()
        assert self.client.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302

    def _statement(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.after.append((statement, _in_transaction(conn.connection.dbapi_connection)))

    def kill_pooled(self) -> None:
        """What a restarted server does to the connections the pool holds."""
        if self.engine.dialect.name == "postgresql":
            with sa.create_engine(self.engine.url, poolclass=sa.pool.NullPool).connect() as outside:
                for c in self.pooled:
                    if not c.closed:
                        outside.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": c.info.backend_pid})
        else:
            for c in self.pooled:
                c.close()

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def served(app, world):
    made: list[Served] = []

    def _make(**config) -> Served:
        made.append(Served(app, **config))
        return made[-1]

    yield _make
    for s in made:
        s.close()


def test_a_read_only_request_reads_outside_a_transaction_and_a_write_inside_one(served):
    s = served()
    s.after.clear()
    assert s.client.get("/").status_code == 200
    assert s.after, "the home page reads the database"
    assert [statement for statement, open_ in s.after if open_] == []  # no BEGIN … ROLLBACK around the reads

    s.after.clear()
    assert s.client.post("/logout").status_code == 302  # a write (the session's version): inside a transaction
    assert any(open_ for _, open_ in s.after)


def test_after_a_read_only_request_a_held_session_writes_in_a_transaction_again(login_as, db, world):
    """A test holds one application context across requests, so the session outlives the request: it must not keep
    the read's connection (in autocommit mode), or a write after it could no longer be rolled back."""
    clerk = login_as("clerk")
    db.session.commit()  # nothing under way: the request takes the session's connection for its reads
    assert clerk.get("/").status_code == 200
    db.session.add(RecordStamp(scope="test-rollback", stamp="x"))
    db.session.flush()
    db.session.rollback()
    assert db.session.get(RecordStamp, "test-rollback") is None


def test_a_connection_in_steady_use_is_not_pinged(served):
    s = served(DB_PING_AFTER_IDLE_SECONDS=3600)
    s.pings = 0
    for _ in range(3):
        assert s.client.get("/").status_code == 200
    assert s.pings == 0


def test_an_idle_connection_that_died_is_pinged_and_replaced_before_the_request_uses_it(served):
    s = served(DB_PING_AFTER_IDLE_SECONDS=0)  # every pooled connection counts as idle
    assert s.client.get("/").status_code == 200
    s.kill_pooled()
    s.pings = 0
    response = s.client.get("/")
    assert response.status_code == 200
    assert s.pings >= 1
    assert "测试镇" in response.get_data(as_text=True)


def test_a_connection_that_dies_under_a_request_answers_503_and_the_next_request_works(served):
    s = served(DB_PING_AFTER_IDLE_SECONDS=3600)  # no ping: the request itself meets the dead connection
    assert s.client.get("/").status_code == 200
    s.kill_pooled()
    response = s.client.get("/")
    assert response.status_code == 503
    assert "与数据库的连接刚刚中断" in response.get_data(as_text=True)
    assert s.client.get("/").status_code == 200


def test_any_other_database_error_is_not_taken_for_a_lost_connection(app, world):
    """Only a connection that died is answered 503 ("connected again, try again"); any other database error stays
    an error (a 500 in production; under TESTING it reaches the test)."""
    own = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        WTF_CSRF_ENABLED=False,
    )
    invalidated = {"now": False}

    def failing():
        error = sa.exc.OperationalError("SELECT 1", {}, Exception("服务器出错"))
        error.connection_invalidated = invalidated["now"]
        raise error

    own.add_url_rule("/failing", "failing", failing)
    client = own.test_client()
    try:
        assert client.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302
        with pytest.raises(sa.exc.OperationalError):
            client.get("/failing")
        invalidated["now"] = True
        assert client.get("/failing").status_code == 503
    finally:
        with own.app_context():
            _db.engine.dispose()


def test_the_register_export_streams_its_rows_inside_a_transaction(served, world, now):
    """The export reads its rows from a server-side cursor while the workbook is sent, which PostgreSQL keeps only
    inside a transaction: its view is marked `reads_in_a_transaction`, and the whole register arrives."""
    for n in range(3):
        published(world, f"导出测试办法{n}", d("2026-09-01"), d("2026-10-10"), d("2026-11-10"))
    _db.session.commit()
    s = served()
    response = s.client.get("/documents/export.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {f"导出测试办法{n}" for n in range(3)} <= titles


def test_an_api_token_records_its_use_from_a_read_only_request(served, world, now):
    """The one write a read-only request may make, an API token's last use (a single UPDATE), is kept when the
    request reads without a transaction."""
    clerk = world["clerk"]
    token = create_token(clerk, actor=clerk, now=now, name="连接测试")
    _db.session.commit()
    s = served()
    anonymous = s.app.test_client()  # no session cookie: the token is what logs the request in
    response = anonymous.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    _db.session.expire_all()
    assert _db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.name == "连接测试")) is not None
