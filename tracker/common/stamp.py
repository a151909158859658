"""The records' stamp, and figures remembered until it changes.

Some figures summarise every record: the year's statistics, the documents by state. Computed afresh they cost a
read of every document on every home page. They change only when a record does, so they are remembered in the
worker, under the stamp of the records they were computed from:

- `record_stamps` holds one random stamp. Every flush that writes a record, and every bulk INSERT, UPDATE or
  DELETE run through the session, gives it a new random value in the same transaction (so the figures and the
  stamp commit, or roll back, together). Only the tables in UNSTAMPED (digests sent, job runs, token and login
  bookkeeping: nothing a remembered figure reads) leave it as it is. Alerts count: the boards' counts of open
  deadlines are remembered too, and the morning scan, which moves them, runs once a day.
- `remembered(key, compute)` reads the stamp (once per read-only request) and returns the value computed under it,
  computing it the first time. A write anywhere gives a new stamp, so no page shows a figure older than the last
  write. The stamp is read before the figure is computed: what is remembered is never older than its stamp.

Because the stamp is random, not a counter, a database emptied and filled again (the tests), or restored from a
backup, can never meet a stamp the worker remembers from other records. Writes made outside the session (a raw
connection, psql) do not change the stamp; restart the workers after such a repair.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker import tenancy
from tracker.common.readcache import once_per_read
from tracker.extensions import db

T = TypeVar("T")

SCOPE = "records"
# Tables whose writes change no remembered figure: the stamp stays. (Anything else, even a table added later,
# changes the stamp: forgetting to list a table costs a recomputation, never a stale figure.)
UNSTAMPED = frozenset({"record_stamps", "reminder_sends", "job_runs", "api_tokens", "login_failures"})
MEMORY = 32  # figures kept per worker (the oldest is forgotten first)


class RecordStamp(db.Model):
    __tablename__ = "record_stamps"

    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32))


def new_stamp() -> str:
    return secrets.token_hex(16)


def _restamp(connection) -> None:
    table = RecordStamp.__table__
    done = connection.execute(table.update().where(table.c.scope == SCOPE).values(stamp=new_stamp()))
    if done.rowcount == 0:
        connection.execute(table.insert().values(scope=SCOPE, stamp=new_stamp()))


def _record(obj) -> bool:
    return getattr(obj, "__tablename__", None) not in UNSTAMPED


@event.listens_for(Session, "after_flush")
def _stamp_flush(session, flush_context) -> None:
    # In after_flush the new/dirty/deleted collections still hold what this flush wrote.
    if (
        any(_record(o) for o in session.new)
        or any(_record(o) for o in session.deleted)
        or any(_record(o) and session.is_modified(o) for o in session.dirty)
    ):
        _restamp(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _stamp_bulk(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNSTAMPED:
            _restamp(state.session.connection())


def ensure_stamp() -> int:
    """The stamp's row (migration 0012 writes it; an emptied database gets it back here). Returns rows added."""
    if db.session.get(RecordStamp, SCOPE) is not None:
        return 0
    db.session.add(RecordStamp(scope=SCOPE, stamp=new_stamp()))
    return 1


def current_stamp() -> str | None:
    return once_per_read(
        "record_stamp", lambda: db.session.scalar(sa.select(RecordStamp.stamp).where(RecordStamp.scope == SCOPE))
    )


_memory: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """compute(), or what it returned under the records' current stamp. The value is shared: never change it."""
    stamp = current_stamp()
    if stamp is None:
        return compute()
    scope = tenancy.current()  # what a town computed is that town's: never handed to another
    full = (str(db.engine.url), stamp, scope.towns if scope else None, key)
    with _lock:
        if full in _memory:
            _memory.move_to_end(full)
            return _memory[full]  # type: ignore[return-value]
    value = compute()
    with _lock:
        _memory[full] = value
        while len(_memory) > MEMORY:
            _memory.popitem(last=False)
    return value


def forget() -> None:
    """Empty this worker's memory (tests)."""
    with _lock:
        _memory.clear()
