"""outgoing document numbers: the filing report's and the reply's own 文号, the organ that replies

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 (written by hand: three nullable columns, two unique constraints, one foreign key)

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_number', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_filings_report_number'), ['report_number'])

    with op.batch_alter_table('solicitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply_number', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_solicitations_reply_number'), ['reply_number'])
        batch_op.create_foreign_key(
            batch_op.f('fk_solicitations_reply_unit_id_units'), 'units', ['reply_unit_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('solicitations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_solicitations_reply_unit_id_units'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_solicitations_reply_number'), type_='unique')
        batch_op.drop_column('reply_number')
        batch_op.drop_column('reply_unit_id')

    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_filings_report_number'), type_='unique')
        batch_op.drop_column('report_number')
