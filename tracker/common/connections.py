"""How a request uses its database connection: what each request pays before its first query.

On PostgreSQL every statement is a round trip to the server, and a page that reads two statements used to pay six:
the pool's liveness ping (`;`), `BEGIN`, the person, the page's query, `ROLLBACK` when the connection went back to
the pool. Two of them are needed. So:

- **A read-only request reads without a transaction** (`begin_request`). A GET, HEAD or OPTIONS request
  never commits (common/views.py), and PostgreSQL's READ COMMITTED gives every statement its own snapshot inside a
  transaction as well as outside one: the page sees what it saw before, minus the `BEGIN` and the `ROLLBACK`. The
  one write a read-only request may make (an API token's `last_used_at`, at most once an hour) is a single UPDATE,
  which commits on its own. A view whose reads need a transaction (a server-side cursor) says so with
  `reads_in_a_transaction`. SQLite's driver opens a transaction only before a write, so its reads already take
  none; nothing changes there.
- **A connection is pinged only after it has been idle** (`ping_after_idle`, DB_PING_AFTER_IDLE_SECONDS). The pool
  used to ping on every checkout; a connection the worker used a moment ago is alive as far as a ping can tell, and
  one that lay idle (the database was restarted overnight, a firewall dropped it) is pinged and replaced before the
  request sees it.
- **A connection that dies under a request** (the server restarted within the idle window) fails that one request;
  the pool then replaces every connection it held. The request answers 503 (tracker/errors.py), never a 500: its
  transaction died with the connection, unless the connection broke during the commit itself, so the message asks
  to look at the page again before trying again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, current_app, g, request
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

from tracker.common.views import READ_ONLY_METHODS
from tracker.extensions import db

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}
_IDLE_SINCE = "tracker.idle_since"
_READING = "_reading_without_transaction"
_IN_TRANSACTION = "reads_in_a_transaction"


def ping_after_idle(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection at checkout when it has been idle for `seconds` or more; a dead one is replaced (the
    pool retries the checkout with a new connection)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < seconds:
            return  # new, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"pooled connection failed its ping: {error}") from error
        if not alive:
            raise exc.DisconnectionError("pooled connection failed its ping")


def reads_in_a_transaction(view: Callable) -> Callable:
    """Mark a read-only view whose reads need a transaction on PostgreSQL: a server-side cursor (`yield_per`, the
    register's export streamed row by row) lives only inside one."""
    setattr(view, _IN_TRANSACTION, True)
    return view


def begin_request(skip: frozenset[str] = frozenset()) -> None:
    """On PostgreSQL, a read-only request's session reads on a connection in autocommit mode (not for the endpoints
    in `skip`, which read no database: static files). Called by the application before anything of the request
    reads (the URL's values are checked against the logged-in person, who is read first)."""
    if request.method not in READ_ONLY_METHODS or request.endpoint in skip:
        return
    if getattr(current_app.view_functions.get(request.endpoint), _IN_TRANSACTION, False):
        return
    session = db.session()
    if db.engine.dialect.name != "postgresql" or session.in_transaction() or not isinstance(session.get_bind(), Engine):
        return  # a session already at work, or bound to a connection of its own: a test's (tests/sandbox.py)
    # The session's first connection of the request, taken now with the option (it cannot change once a
    # transaction has begun on it); the pool resets it when the session gives it back.
    db.session.connection(execution_options=AUTOCOMMIT)
    g.setdefault(_READING, True)


def end_request(error: BaseException | None = None) -> None:
    """Give the read-only request's connection back, so that nothing after it (the next request in a test that
    holds one application context) writes through a connection in autocommit mode."""
    if g.pop(_READING, False):
        db.session.rollback()  # no transaction on the server: nothing is sent


def install(app: Flask) -> None:
    with app.app_context():
        ping_after_idle(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    app.teardown_request(end_request)
