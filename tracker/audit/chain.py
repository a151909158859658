"""The hash chain over audit events: sealed at commit, verified by `flask audit verify`.

Each event, when its transaction commits, gets the next place in the chain (chain_seq), the previous event's
hash (chain_prev) and chain_hash = SHA-256(chain_prev + its canonical content). Changing a stored event breaks
its own hash; removing one leaves a gap in the places and a wrong chain_prev on the next; removing the newest
ones leaves the chain head (audit_chain_heads) ahead of the last event.

Appends never fork the chain: the seal runs last in the transaction and locks the head row first (SELECT … FOR
UPDATE on PostgreSQL; SQLite runs one writer at a time anyway), so two transactions seal one after the other.
Taking that lock last, after every other row the transaction touches, means no deadlock with other locks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.audit.models import AuditChainHead, AuditEvent
from tracker.db import utcnow

GENESIS = "0" * 64
HEAD_ID = 1
_PENDING = "audit_events_to_seal"
_CHUNK = 500

_events = AuditEvent.__table__
_heads = AuditChainHead.__table__


def canonical(row, seq: int, *, with_town: bool = True) -> str:
    """The event's content as hashed: every column but the chain's own, with its place in the chain. The town an
    event belongs to is part of it from the head's `town_from` on (events sealed before an install had towns were
    given their town afterwards, outside what they were sealed with)."""
    occurred_at = row.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    content = {
        "seq": seq,
        "id": row.id,
        "occurred_at": occurred_at,
        "actor_id": row.actor_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "document_id": row.document_id,
        "summary": row.summary,
        "before": row.before,
        "after": row.after,
    }
    if with_town:
        content["town_id"] = row.town_id
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def link_hash(prev: str, row, seq: int, *, with_town: bool = True) -> str:
    return hashlib.sha256((prev + canonical(row, seq, with_town=with_town)).encode("utf-8")).hexdigest()


def _covers_town(seq: int, town_from: int | None) -> bool:
    return town_from is not None and seq >= town_from


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


def _lock_head(connection: sa.Connection, now: datetime) -> tuple[int, str, int | None]:
    """The head (seq, hash, town_from), locked until the transaction ends; created on the first seal of a database
    (every event sealed from then on covers its town)."""
    locked = sa.select(_heads.c.seq, _heads.c.hash, _heads.c.town_from).where(_heads.c.id == HEAD_ID).with_for_update()
    row = connection.execute(locked).first()
    if row is None:
        last = connection.execute(
            sa.select(_events.c.chain_seq, _events.c.chain_hash)
            .where(_events.c.chain_seq.is_not(None))
            .order_by(_events.c.chain_seq.desc())
            .limit(1)
        ).first()
        seq, digest = (last.chain_seq, last.chain_hash) if last else (0, GENESIS)
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(_heads)
            .values(id=HEAD_ID, seq=seq, hash=digest, sealed_at=now, town_from=seq + 1)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = connection.execute(locked).first()
    return row.seq, row.hash, row.town_from


def seal(connection: sa.Connection, event_ids: Iterable[int], *, now: datetime) -> int:
    """Give these unsealed events (of the current transaction) their places in the chain; returns how many."""
    ids = list(event_ids)
    if not ids:
        return 0
    seq, prev, town_from = _lock_head(connection, now)
    updates = []
    for chunk in _chunks(ids):
        rows = connection.execute(
            sa.select(_events).where(_events.c.id.in_(chunk), _events.c.chain_hash.is_(None)).order_by(_events.c.id)
        ).all()
        for row in rows:
            seq += 1
            digest = link_hash(prev, row, seq, with_town=_covers_town(seq, town_from))
            updates.append({"event_id": row.id, "chain_seq": seq, "chain_prev": prev, "chain_hash": digest})
            prev = digest
    if updates:
        connection.execute(_events.update().where(_events.c.id == sa.bindparam("event_id")), updates)
        connection.execute(_heads.update().where(_heads.c.id == HEAD_ID).values(seq=seq, hash=prev, sealed_at=now))
    return len(updates)


# --- sealing every session's events at its commit -------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_new_events(session: Session, flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, AuditEvent)]
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _seal_at_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the events are sealed when the whole transaction commits
    session.flush()
    ids = session.info.pop(_PENDING, None)
    if ids:
        seal(session.connection(), ids, now=utcnow())


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


# --- verification ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place where the stored events differ from what was sealed."""

    event_id: int | None
    seq: int | None
    reason: str

    def line(self) -> str:
        where = f"事件 #{self.event_id}" if self.event_id is not None else "链头"
        place = f"（链序号 {self.seq}）" if self.seq is not None else ""
        return f"审计链断裂：{where}{place}{self.reason}。"


@dataclass
class ChainReport:
    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def line(self) -> str:
        if self.broken:
            return self.broken.line()
        return f"审计链完整：共 {self.count} 条事件，链头为第 {self.head_seq} 条，哈希 {self.head_hash}。"


def verify(connection: sa.Connection, *, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the chain from the first event; report the first event whose place, link or content is wrong.

    The head is read first and the walk stops at it, so events sealed while the walk runs are not mistaken for a
    break. `anchor` (seq, hash), e.g. a head printed earlier or kept with a backup, must still be in the chain.
    """
    report = ChainReport()
    head = connection.execute(
        sa.select(_heads.c.seq, _heads.c.hash, _heads.c.town_from).where(_heads.c.id == HEAD_ID)
    ).first()
    town_from = head.town_from if head else None
    head_seq = head.seq if head else 0
    expected, prev, prev_id = 1, GENESIS, None
    rows = connection.execution_options(yield_per=1000).execute(
        sa.select(_events)
        .where(_events.c.chain_seq.is_not(None), _events.c.chain_seq <= head_seq)
        .order_by(_events.c.chain_seq)
    )
    for row in rows:
        seq = row.chain_seq
        if seq != expected:
            missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            report.broken = Break(row.id, seq, f"之前的{missing}事件已被删除")
        elif row.chain_prev != prev:
            before = f"前一条事件 #{prev_id}" if prev_id is not None else "链的起点"
            report.broken = Break(row.id, seq, f"记录的上一条哈希与{before}不符（{before}被改动）")
        elif link_hash(prev, row, seq, with_town=_covers_town(seq, town_from)) != row.chain_hash:
            report.broken = Break(row.id, seq, "的内容与封存时不一致（已被改动）")
        elif anchor and anchor[0] == seq and anchor[1] != row.chain_hash:
            report.broken = Break(row.id, seq, "与核对点记录的哈希不一致（链被重写）")
        if report.broken:
            rows.close()
            return report
        prev, prev_id, expected = row.chain_hash, row.id, expected + 1
        report.count += 1
    report.head_seq, report.head_hash = report.count, prev
    if head is None:
        sealed_any = connection.execute(sa.select(_events.c.id).where(_events.c.chain_seq.is_not(None)).limit(1))
        if sealed_any.scalar() is not None:
            report.broken = Break(None, None, "记录缺失，无法确认最新的事件是否被删除")
    elif report.count < head.seq:
        report.broken = Break(None, head.seq, f"记录到第 {head.seq} 条，但第 {report.count + 1} 条起的事件已被删除")
    elif head.hash != prev:
        report.broken = Break(None, head.seq, "记录的哈希与最后一条事件不符")
    if report.broken:
        return report
    unsealed = connection.execute(
        sa.select(_events.c.id)
        .where(sa.or_(_events.c.chain_hash.is_(None), _events.c.chain_seq.is_(None)))
        .order_by(_events.c.id)
        .limit(1)
    ).scalar()
    if unsealed is not None:
        report.broken = Break(unsealed, None, "不在链中（未经应用写入，或链字段被清除）")
    elif anchor and anchor[0] > report.count:
        deleted = f"核对点为第 {anchor[0]} 条，但链只到第 {report.count} 条（事件已被删除）"
        report.broken = Break(None, anchor[0], deleted)
    return report
