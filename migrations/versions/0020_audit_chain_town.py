"""an audit event's town is part of its hash from now on: audit_chain_heads.town_from

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- audit_chain_heads gains town_from: the first place in the chain whose hash covers the event's town_id. Events
  sealed before it keep the content they were sealed with (migration 0013 gave them their town afterwards, so
  their hashes never covered it); every event sealed after it does, so moving an event to another town shows in
  `flask audit verify`;
- an install with a chain sets it to the place after its head; a database without a head yet gets it at its first
  seal (tracker/audit/chain.py), from the first event on;
- downgrade refuses once an event has been sealed with its town (the old verification would call it changed).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_chain_heads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_from', sa.Integer(), nullable=True))
    op.execute('UPDATE audit_chain_heads SET town_from = seq + 1')


def downgrade():
    bind = op.get_bind()
    covered = bind.execute(sa.text('SELECT seq >= town_from FROM audit_chain_heads WHERE id = 1')).scalar()
    if covered:
        raise RuntimeError('audit events have been sealed with their town: the older verification would call them changed')
    with op.batch_alter_table('audit_chain_heads', schema=None) as batch_op:
        batch_op.drop_column('town_from')
