"""The records' stamp, and figures remembered until it changes.

Some figures summarise every record: the year's statistics, the documents by state. Computed afresh they cost a
read of every document on every home page. They change only when a record does, so they are remembered in the
worker, under the stamp of the records they were computed from:

- `record_stamps` holds one random stamp for the install ("records") and one per town and for the city
  ("records:<town id>"). Every flush that writes a record, and every bulk INSERT, UPDATE or DELETE run through the
  session, gives a new random value in the same transaction (so the figures and the stamp commit, or roll back,
  together): to the stamps of the towns whose records it wrote, when every record written names its town (a
  town's own record, a person or unit of the town or the city, a part of a document); to the install's stamp
  otherwise (rules, calendar, templates, a bulk statement, a town without its stamp row yet). Only the tables in
  UNSTAMPED (digests sent, job runs, token and login bookkeeping, stored file bytes: nothing a remembered figure
  reads) leave the stamps as they are. Alerts count: the boards' counts of open deadlines are remembered too.
- `remembered(key, compute)` reads the stamps (once per read-only request) and returns the value computed under the
  ones the request's scope reads (the install's, and its towns' and city's; all of them outside a town's scope;
  with `install=True` the install's alone: the calendar, which no town writes), computing it the first time. A
  write gives its towns a new stamp, so no page shows a figure older than the last write it could read; a write
  in one town leaves the figures of the city's other towns remembered (the city's view counts 25 towns: only the
  one that changed is counted again). The stamps are read before the figure is
  computed: what is remembered is never older than its stamps.

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

SCOPE = "records"  # the install's stamp: what belongs to no one town
# Tables whose writes change no remembered figure: the stamp stays. (Anything else, even a table added later,
# changes a stamp: forgetting to list a table costs a recomputation, never a stale figure.)
UNSTAMPED = frozenset({"record_stamps", "reminder_sends", "job_runs", "api_tokens", "login_failures", "stored_files"})
# Figures kept per worker (the oldest is forgotten first): enough for a city's view, which remembers each of its
# (some 25) towns' annual figures, beside the towns' own pages, their people's home pages and the register pages
# last asked (rendered fragments of up to some 60 KB: at most about 15 MB a worker).
MEMORY = 256


class RecordStamp(db.Model):
    __tablename__ = "record_stamps"

    scope: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    stamp: Mapped[str] = mapped_column(sa.String(32))


def new_stamp() -> str:
    return secrets.token_hex(16)


def town_scope(town_id: int) -> str:
    return f"{SCOPE}:{town_id}"


def _restamp(connection, towns: frozenset[int] | None = None) -> None:
    """New stamps for the towns' figures; for every figure (the install's stamp) when `towns` is None or one of
    them has no stamp row."""
    table = RecordStamp.__table__
    if towns:
        names = [town_scope(t) for t in towns]
        done = connection.execute(table.update().where(table.c.scope.in_(names)).values(stamp=new_stamp()))
        if done.rowcount == len(names):
            return
    done = connection.execute(table.update().where(table.c.scope == SCOPE).values(stamp=new_stamp()))
    if done.rowcount == 0:
        connection.execute(table.insert().values(scope=SCOPE, stamp=new_stamp()))


def _record(obj) -> bool:
    return getattr(obj, "__tablename__", None) not in UNSTAMPED


def _towns_written(connection, written: list) -> frozenset[int] | None:
    """The towns whose records these are; None when one of them belongs to no one town."""
    towns: set[int] = set()
    documents: set[int] = set()
    for obj in written:
        if isinstance(obj, tenancy.TownScoped | tenancy.TownShared) and obj.town_id is not None:
            towns.add(obj.town_id)
        elif getattr(obj, "document_id", None) is not None:  # a part of a document (its search row too)
            documents.add(obj.document_id)
        else:
            return None
    if documents:
        docs = tenancy.DOCUMENTS
        found = dict(connection.execute(sa.select(docs.c.id, docs.c.town_id).where(docs.c.id.in_(documents))).all())
        if len(found) != len(documents):
            return None  # a document deleted in this very flush: say it to every figure
        towns.update(found.values())
    return frozenset(towns)


@event.listens_for(Session, "after_flush")
def _stamp_flush(session, flush_context) -> None:
    # In after_flush the new/dirty/deleted collections still hold what this flush wrote.
    written = [o for o in session.new if _record(o)]
    written += [o for o in session.deleted if _record(o)]
    written += [o for o in session.dirty if _record(o) and session.is_modified(o)]
    if written:
        connection = session.connection()
        _restamp(connection, _towns_written(connection, written))


@event.listens_for(Session, "do_orm_execute")
def _stamp_bulk(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNSTAMPED:
            _restamp(state.session.connection())


def ensure_stamp(town_ids: tuple[int, ...] = ()) -> int:
    """The install's stamp row (migration 0012 writes it; an emptied database gets it back here) and those of the
    towns named (auth/towns adds a new town's). Returns rows added."""
    have = set(db.session.scalars(sa.select(RecordStamp.scope)))
    missing = [name for name in (SCOPE, *(town_scope(t) for t in town_ids)) if name not in have]
    db.session.add_all(RecordStamp(scope=name, stamp=new_stamp()) for name in missing)
    return len(missing)


def stamps() -> dict[str, str]:
    """Every stamp by scope (read once per read-only request)."""
    return once_per_read(
        "record_stamps", lambda: dict(db.session.execute(sa.select(RecordStamp.scope, RecordStamp.stamp)).all())
    )


def current_stamp(*, install: bool = False) -> tuple[tuple[str, str], ...] | None:
    """The stamps the request's figures depend on: the install's, and those of the towns (and city) its scope
    reads; every stamp outside a town's scope (the public library, a command); with `install`, the install's alone.
    None: no stamp (nothing is kept)."""
    now = stamps()
    if SCOPE not in now:
        return None
    if install:
        return ((SCOPE, now[SCOPE]),)
    scope = tenancy.current()
    if scope is None:
        return tuple(sorted(now.items()))
    names = [SCOPE, *(town_scope(t) for t in sorted({*scope.shared, *scope.towns}))]
    return tuple((name, now.get(name, "")) for name in names)


_memory: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def remembered(key: Hashable, compute: Callable[[], T], *, install: bool = False) -> T:
    """compute(), or what it returned under the records' current stamp. The value is shared: never change it.

    With `install`, a value computed from the install's own records alone (tables without a town: the working-day
    calendar): kept under the install's stamp, the same for every town, and left as it is by a town's writes."""
    stamp = current_stamp(install=install)
    if stamp is None:
        return compute()
    scope = tenancy.current()  # what a town computed is that town's: never handed to another
    full = (str(db.engine.url), stamp, None if install or scope is None else scope.towns, key)
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
