"""An audit event's town is in its hash from the chain head's `town_from` on: moving an event to another town shows;
events sealed before an install had towns keep verifying with the content they were sealed with."""

from __future__ import annotations

import sqlalchemy as sa

from tests.audit.test_chain import _record, _verify, tamper
from tracker.audit import chain
from tracker.audit.models import AuditChainHead, AuditEvent
from tracker.auth.towns import create_town, ensure_town
from tracker.extensions import db as _db


def _towns(now) -> tuple[int, int]:
    home = ensure_town(city="中山市", town="测试镇", now=now)
    other = create_town(name="邻镇", kind=home.kind, parent=home.parent, now=now)
    _db.session.commit()
    return home.id, other.id


def _set_town(db, event_id: int, town_id: int) -> None:
    tamper(db, "UPDATE audit_events SET town_id = :t WHERE id = :id", t=town_id, id=event_id)


def test_a_new_chain_covers_every_events_town(db, now):
    home, _ = _towns(now)
    ids = _record(now, 3)
    _set_town(db, ids[0], home)  # the events of _record name no town: give the first one a town by hand
    report = _verify(db)
    assert not report.ok and report.broken.event_id == ids[0] and "已被改动" in report.broken.line()
    assert db.session.get(AuditChainHead, 1).town_from == 1


def test_events_sealed_before_the_towns_keep_their_hash_and_later_ones_cover_the_town(db, now):
    home, other = _towns(now)
    old = _record(now, 2, prefix="旧事件")
    # As an install upgraded by migration 0020: the first two were sealed without their town, the head says so.
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.chain_seq)).all()
    prev = chain.GENESIS
    for row in rows:
        digest = chain.link_hash(prev, row, row.chain_seq, with_town=False)
        tamper(
            db, "UPDATE audit_events SET chain_prev = :p, chain_hash = :h WHERE id = :id", p=prev, h=digest, id=row.id
        )
        prev = digest
    tamper(db, "UPDATE audit_chain_heads SET hash = :h, town_from = 3 WHERE id = 1", h=prev)
    _db.session.expire_all()
    new = _record(now, 2, prefix="新事件")
    assert _verify(db).ok
    # An old event's town was set afterwards (migration 0013 did so): outside its hash, as before.
    _set_town(db, old[0], other)
    assert _verify(db).ok
    # A new event's town is in its hash: moving it to another town breaks the chain there.
    _set_town(db, new[1], home)
    report = _verify(db)
    assert not report.ok and report.broken.event_id == new[1]
