"""The audit trail as evidence: a hash chain sealed at commit, `flask audit verify` naming the first broken event,
no fork under concurrent writers, and on PostgreSQL a trigger that refuses any change or removal."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.backends import BACKENDS, SUITE_BACKEND, fresh_database
from tests.threads import race_ok
from tracker import create_app
from tracker.audit import chain
from tracker.audit import services as audit
from tracker.audit.models import AuditChainHead, AuditEvent
from tracker.auth.models import User
from tracker.extensions import db as _db


def _record(now, n: int, *, actor=None, prefix: str = "事件") -> list[int]:
    events = [
        audit.record(
            "test.step",
            actor=actor,
            now=now + timedelta(minutes=i),
            summary=f"{prefix}{i}",
            object_type="document",
            object_id=i,
            before={"状态": "起草中"},
            after={"状态": "已送审", "说明": "含<特殊>&字符"},
        )
        for i in range(n)
    ]
    _db.session.commit()
    return [e.id for e in events]


def _chain(db) -> list[tuple[int, int, str, str]]:
    return db.session.execute(
        sa.select(AuditEvent.id, AuditEvent.chain_seq, AuditEvent.chain_prev, AuditEvent.chain_hash).order_by(
            AuditEvent.chain_seq
        )
    ).all()


def _verify(db, **kwargs) -> chain.ChainReport:
    with db.engine.connect() as conn:
        return chain.verify(conn, **kwargs)


def tamper(db, statement: str, **params) -> None:
    """What someone with the database password (or the file) could do, bypassing the application.

    On PostgreSQL the append-only trigger refuses this; a superuser can switch triggers off, as here."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(statement), params)


def test_events_are_sealed_in_order_at_commit(db, now):
    ids = _record(now, 3)
    rows = _chain(db)
    assert [r.id for r in rows] == ids
    assert [r.chain_seq for r in rows] == [1, 2, 3]
    assert rows[0].chain_prev == chain.GENESIS
    assert [r.chain_prev for r in rows[1:]] == [r.chain_hash for r in rows[:-1]]
    head = db.session.get(AuditChainHead, 1)
    assert (head.seq, head.hash) == (3, rows[-1].chain_hash)
    report = _verify(db)
    assert report.ok and report.count == 3 and report.head_hash == rows[-1].chain_hash


def test_the_hash_covers_the_content_and_the_previous_hash(db, now):
    _record(now, 2)
    first, second = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.chain_seq)).all()
    expected = hashlib.sha256((first.chain_hash + chain.canonical(second, 2)).encode()).hexdigest()
    assert second.chain_hash == expected
    assert '"summary":"事件1"' in chain.canonical(second, 2)  # readable Chinese, not escapes


def test_an_event_written_and_rolled_back_leaves_no_trace_in_the_chain(db, now):
    audit.record("test.step", actor=None, now=now, summary="回滚", object_type="x", object_id=None)
    _db.session.flush()
    _db.session.rollback()
    _record(now, 1)
    assert [r.chain_seq for r in _chain(db)] == [1]
    assert _verify(db).ok


def test_events_in_a_rolled_back_savepoint_are_not_sealed_and_the_rest_are(db, now):
    audit.record("test.outer", actor=None, now=now, summary="外层", object_type="x", object_id=None)
    savepoint = _db.session.begin_nested()
    audit.record("test.inner", actor=None, now=now, summary="内层", object_type="x", object_id=None)
    _db.session.flush()
    savepoint.rollback()
    _db.session.commit()
    actions = _db.session.execute(sa.select(AuditEvent.action, AuditEvent.chain_seq)).all()
    assert actions == [("test.outer", 1)]
    assert _verify(db).ok


def test_verify_command_says_the_chain_holds(app, db, now):
    _record(now, 4)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "审计链完整：共 4 条事件" in result.output


def test_an_empty_trail_verifies(db):
    assert _verify(db).ok


# Each way of changing the trail behind the application's back, and the event verify must name.
def _edit_summary(db, ids):
    tamper(db, "UPDATE audit_events SET summary = '改过的记录' WHERE id = :id", id=ids[2])
    return ids[2], "内容与封存时不一致"


def _edit_json(db, ids):
    tamper(db, """UPDATE audit_events SET "after" = '{"状态": "已撤回"}' WHERE id = :id""", id=ids[1])
    return ids[1], "内容与封存时不一致"


def _edit_object(db, ids):
    tamper(db, "UPDATE audit_events SET object_id = 99 WHERE id = :id", id=ids[3])
    return ids[3], "内容与封存时不一致"


def _edit_time(db, ids):
    earlier = "'2026-11-01 02:00:00.000000'" if db.engine.dialect.name == "sqlite" else "occurred_at - INTERVAL '1 day'"
    tamper(db, f"UPDATE audit_events SET occurred_at = {earlier} WHERE id = :id", id=ids[1])
    return ids[1], "内容与封存时不一致"


def _delete_middle(db, ids):
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=ids[2])
    return ids[3], "之前的第 3 条事件已被删除"


def _delete_first(db, ids):
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=ids[0])
    return ids[1], "之前的第 1 条事件已被删除"


def _delete_newest(db, ids):
    tamper(db, "DELETE FROM audit_events WHERE id >= :id", id=ids[3])
    return None, "第 4 条起的事件已被删除"


def _rewrite_one_with_its_hash(db, ids):
    """Edited and re-hashed: the event itself looks sound, the next one's link does not."""
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(AuditEvent.__table__).where(AuditEvent.id == ids[1])).one()
    forged = dict(row._mapping, summary="伪造的记录")
    digest = chain.link_hash(row.chain_prev, _Obj(forged), row.chain_seq)
    tamper(db, "UPDATE audit_events SET summary = '伪造的记录', chain_hash = :h WHERE id = :id", h=digest, id=ids[1])
    return ids[2], f"前一条事件 #{ids[1]}"


def _insert_unsealed(db, ids):
    tamper(
        db,
        "INSERT INTO audit_events (occurred_at, action, object_type, summary) "
        "VALUES (CURRENT_TIMESTAMP, 'test.forged', 'x', '补写的记录')",
    )
    forged = db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "test.forged"))
    return forged, "不在链中"


class _Obj:
    def __init__(self, mapping):
        self.__dict__.update(mapping)


TAMPERING = {
    "edit-summary": _edit_summary,
    "edit-json": _edit_json,
    "edit-object": _edit_object,
    "edit-time": _edit_time,
    "delete-middle": _delete_middle,
    "delete-first": _delete_first,
    "delete-newest": _delete_newest,
    "rewrite-with-hash": _rewrite_one_with_its_hash,
    "insert-unsealed": _insert_unsealed,
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_verify_names_the_first_broken_event(app, db, now, how):
    ids = _record(now, 5)
    assert _verify(db).ok
    event_id, words = TAMPERING[how](db, ids)
    report = _verify(db)
    assert not report.ok
    assert report.broken.event_id == event_id
    assert words in report.line()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith("审计链断裂：") and words in result.output
    if event_id is not None:
        assert f"事件 #{event_id}" in result.output


def test_an_anchor_kept_earlier_catches_a_rewritten_chain(app, db, now):
    _record(now, 3)
    head = _verify(db)
    anchor = f"{head.head_seq}:{head.head_hash}"
    assert app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", anchor]).exit_code == 0
    # Everything rewritten from the first event on, hashes recomputed and the head moved: only the anchor tells.
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.chain_seq)).all()
    prev = chain.GENESIS
    for row in rows:
        forged = dict(row._mapping, summary=row.summary + "（改）")
        digest = chain.link_hash(prev, _Obj(forged), row.chain_seq)
        tamper(
            db,
            "UPDATE audit_events SET summary = :s, chain_prev = :p, chain_hash = :h WHERE id = :id",
            s=forged["summary"],
            p=prev,
            h=digest,
            id=row.id,
        )
        prev = digest
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_chain_heads SET hash = :h"), {"h": prev})
    assert _verify(db).ok  # a chain rewritten whole is consistent in itself …
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 1 and "核对点" in result.output  # … but not with the head printed before


def test_a_malformed_anchor_is_refused_in_chinese(app, db):
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", "abc"])
    assert result.exit_code == 2 and "链序号:哈希" in result.output


def test_concurrent_writers_never_fork_the_chain(app, db, world, now):
    """Eight sessions committing five events each at once: one chain without gaps, every link sound."""
    clerk_id = world["clerk"].id
    db.session.commit()
    db.session.close()

    def write(i: int, barrier) -> None:
        clerk = _db.session.get(User, clerk_id)
        barrier.wait()
        for j in range(5):
            summary = f"线程{i}第{j}条"
            audit.record("test.concurrent", actor=clerk, now=now, summary=summary, object_type="x", object_id=i)
            _db.session.commit()

    race_ok(app, write, 8)
    rows = _chain(db)
    assert len(rows) == 6 + 40  # the world's six users were created with an event each
    assert [r.chain_seq for r in rows] == list(range(1, 47))
    assert len({r.chain_prev for r in rows}) == 46  # no two events follow the same one
    report = _verify(db)
    assert report.ok and report.count == 46


@pytest.mark.parametrize("backend", BACKENDS)
def test_migration_seals_the_events_written_before_it(backend, tmp_path):
    """A database at 0004 with events: after `upgrade`, the old events are in the chain and verify holds."""
    with fresh_database(backend, tmp_path, "chainmig") as url:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "uploads"))
        with app.app_context():
            flask_migrate.upgrade(revision="0004")
            with _db.engine.begin() as conn:
                for i, (when, after) in enumerate(
                    [("2026-03-01 08:00:00.123456", None), ("2026-03-02 09:30:00", '{"说明": "含中文"}')]
                ):
                    conn.execute(
                        sa.text(
                            'INSERT INTO audit_events (occurred_at, action, object_type, summary, "after")'
                            " VALUES (:at, 'legacy.step', 'x', :s, :a)"
                        ),
                        {"at": when, "s": f"旧记录{i}", "a": after},
                    )
            flask_migrate.upgrade()
            report = _verify(_db)
            assert report.ok, report.line()
            assert report.count == 2
            # New events continue the same chain.
            audit.record("test.after", actor=None, now=chain.utcnow(), summary="新记录", object_type="x", object_id=1)
            _db.session.commit()
            report = _verify(_db)
            assert report.ok and report.count == 3
            _db.session.remove()
            _db.engine.dispose()


if SUITE_BACKEND == "postgresql":
    # The database's own guard; SQLite has none (there the chain above is what shows a change).

    @pytest.mark.parametrize(
        "statement",
        [
            "UPDATE audit_events SET summary = '改过的记录'",
            "UPDATE audit_events SET chain_hash = repeat('0', 64)",
            "UPDATE audit_events SET chain_seq = NULL, chain_prev = NULL, chain_hash = NULL",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events CASCADE",
        ],
        ids=["update-content", "update-hash", "unseal", "delete", "truncate"],
    )
    def test_postgresql_refuses_to_change_or_remove_an_event(db, now, statement):
        _record(now, 2)
        before = _chain(db)
        db.session.rollback()  # TRUNCATE would wait for this session's read
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(statement))
        assert _chain(db) == before
        assert _verify(db).ok

    def test_postgresql_lets_the_seal_fill_the_chain_columns_and_nothing_else(db, now):
        with db.engine.begin() as conn:
            event_id = conn.execute(
                sa.text(
                    "INSERT INTO audit_events (occurred_at, action, object_type, summary)"
                    " VALUES (now(), 'test.raw', 'x', '未封存') RETURNING id"
                )
            ).scalar()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:  # sealing while changing the content: refused
                conn.execute(
                    sa.text("UPDATE audit_events SET summary = '改', chain_hash = repeat('1', 64) WHERE id = :id"),
                    {"id": event_id},
                )
        with db.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE audit_events SET chain_seq = 1, chain_hash = repeat('1', 64) WHERE id = :id"),
                {"id": event_id},
            )
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:  # sealed once: never again
                conn.execute(
                    sa.text("UPDATE audit_events SET chain_hash = repeat('2', 64) WHERE id = :id"), {"id": event_id}
                )

    def test_migrations_create_the_trigger(tmp_path):
        with fresh_database("postgresql", tmp_path, "trigger") as url:
            app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "uploads"))
            with app.app_context():
                flask_migrate.upgrade()
                with _db.engine.begin() as conn:
                    conn.execute(
                        sa.text(
                            "INSERT INTO audit_events (occurred_at, action, object_type, summary)"
                            " VALUES (now(), 'test.raw', 'x', '记录')"
                        )
                    )
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    with _db.engine.begin() as conn:
                        conn.execute(sa.text("DELETE FROM audit_events"))
                flask_migrate.downgrade(revision="0004")
                with _db.engine.begin() as conn:
                    conn.execute(sa.text("DELETE FROM audit_events"))  # the trigger went with the downgrade
                _db.engine.dispose()
