"""audit chain: hash chain over audit events, its head, and (PostgreSQL) the append-only trigger

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 (written by hand: two tables changed, existing events sealed in id order, a trigger)

"""
import hashlib
import json
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

# Same function and triggers as tracker/audit/models.py (a migration imports nothing from the application).
APPEND_ONLY_DDL = (
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.chain_hash IS NULL AND NEW.chain_hash IS NOT NULL
           AND to_jsonb(NEW) - 'chain_seq' - 'chain_prev' - 'chain_hash'
             = to_jsonb(OLD) - 'chain_seq' - 'chain_prev' - 'chain_hash' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused';
END $$""",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events"
    " FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
    " FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)
APPEND_ONLY_DROP = (
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
)

events = sa.table(
    'audit_events',
    sa.column('id', sa.Integer()),
    sa.column('occurred_at', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer()),
    sa.column('action', sa.String()),
    sa.column('object_type', sa.String()),
    sa.column('object_id', sa.Integer()),
    sa.column('document_id', sa.Integer()),
    sa.column('summary', sa.String()),
    sa.column('before', sa.JSON()),
    sa.column('after', sa.JSON()),
    sa.column('chain_seq', sa.Integer()),
    sa.column('chain_prev', sa.String()),
    sa.column('chain_hash', sa.String()),
)
heads = sa.table(
    'audit_chain_heads',
    sa.column('id', sa.Integer()),
    sa.column('seq', sa.Integer()),
    sa.column('hash', sa.String()),
    sa.column('sealed_at', sa.DateTime(timezone=True)),
)


def _canonical(row, seq):
    """tracker/audit/chain.py: canonical(); the hashes made here are checked by `flask audit verify`."""
    occurred_at = row.occurred_at
    occurred_at = occurred_at.replace(tzinfo=UTC) if occurred_at.tzinfo is None else occurred_at.astimezone(UTC)
    content = {
        "seq": seq,
        "id": row.id,
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "document_id": row.document_id,
        "summary": row.summary,
        "before": row.before,
        "after": row.after,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _seal_existing_events(conn):
    """Events written before the chain existed are sealed in the order they were written (by id)."""
    seq, prev = 0, GENESIS
    rows = conn.execute(sa.select(events).order_by(events.c.id)).all()
    updates = []
    for row in rows:
        seq += 1
        digest = hashlib.sha256((prev + _canonical(row, seq)).encode("utf-8")).hexdigest()
        updates.append({"event_id": row.id, "chain_seq": seq, "chain_prev": prev, "chain_hash": digest})
        prev = digest
    if updates:
        conn.execute(events.update().where(events.c.id == sa.bindparam("event_id")), updates)
    conn.execute(heads.insert().values(id=1, seq=seq, hash=prev, sealed_at=datetime.now(UTC)))


def upgrade():
    op.create_table('audit_chain_heads',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_audit_chain_heads_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_heads'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chain_prev', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('chain_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_chain_seq'), ['chain_seq'])

    conn = op.get_bind()
    _seal_existing_events(conn)
    if conn.dialect.name == "postgresql":
        for statement in APPEND_ONLY_DDL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for statement in APPEND_ONLY_DROP:
            op.execute(statement)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_chain_seq'), type_='unique')
        batch_op.drop_column('chain_hash')
        batch_op.drop_column('chain_prev')
        batch_op.drop_column('chain_seq')

    op.drop_table('audit_chain_heads')
