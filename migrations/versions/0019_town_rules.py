"""a town's own time limits: town_rules

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- new table town_rules: a town's own value of a time limit its own people apply (one per town and rule code,
  unique (town_id, code), which is also the index led by the town); value positive; version_id for the edit's
  concurrency check; the unit is the install's rule's (not stored);
- nothing existing changes: every town follows the install's rules until its administrator sets its own;
- downgrade refuses while a town has its own time limit (the towns' due dates would silently follow the install's).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'town_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.CheckConstraint('value > 0', name=op.f('ck_town_rules_value_positive')),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_town_rules_town_id_towns')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_town_rules_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_town_rules')),
        sa.UniqueConstraint('town_id', 'code', name=op.f('uq_town_rules_town_id_code')),
    )


def downgrade():
    if op.get_bind().execute(sa.text('SELECT count(*) FROM town_rules')).scalar():
        raise RuntimeError('town_rules holds towns\' own time limits: downgrade would lose them')
    op.drop_table('town_rules')
