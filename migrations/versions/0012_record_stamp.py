"""the records' stamp (figures that summarise every record are remembered until a record changes); open alerts counted from an index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 (written by hand)

Reviewed by hand:
- record_stamps: one row per scope ('records' today); its random stamp is replaced in the transaction of every
  write (tracker/common/stamp.py), so a worker knows whether the year's statistics it remembers still hold;
- the row is written here with a random stamp, so the first page after the upgrade computes afresh;
- alerts get an index on (level, kind, unit_id): the clerk's board and the charts count the open alerts by kind
  and by unit from the index alone; and one on (unit_id, level, due_on): a drafting unit's open deadlines;
- documents get an index on (drafting_unit_id, status): a unit's documents in progress;
- downgrade drops the index and the table (nothing else refers to it).
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    stamps = op.create_table('record_stamps',
    sa.Column('scope', sa.String(length=20), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_record_stamps'))
    )
    op.bulk_insert(stamps, [{'scope': 'records', 'stamp': secrets.token_hex(16)}])
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_level_kind_unit_id', ['level', 'kind', 'unit_id'], unique=False)
        batch_op.create_index('ix_alerts_unit_id_level_due_on', ['unit_id', 'level', 'due_on'], unique=False)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_drafting_unit_id_status', ['drafting_unit_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_drafting_unit_id_status')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_unit_id_level_due_on')
        batch_op.drop_index('ix_alerts_level_kind_unit_id')
    op.drop_table('record_stamps')
