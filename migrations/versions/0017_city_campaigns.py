"""the city deploys a clean-up to all its towns: city_campaigns, and each town's campaign names it

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- city_campaigns: the city's clean-up (town_id is the city), its kind, the notice's 文号, one cut-off and the date the
  towns' results are due (a CHECK keeps it on or after the cut-off); an index led by the city;
- cleanup_campaigns.city_campaign_id: the city's clean-up a town's campaign belongs to (NULL for every existing
  campaign: each was the town's own), indexed; on SQLite batch mode rebuilds cleanup_campaigns, whose items refer to
  it: foreign keys are checked at commit;
- downgrade refuses while a city clean-up exists (the towns' campaigns would lose what deployed them).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

KINDS = ('routine', 'periodic', 'special', 'comprehensive')


def _defer_foreign_keys(bind):
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys=ON')
        op.execute('PRAGMA foreign_keys=OFF')


def _check_foreign_keys(bind):
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    op.create_table(
        'city_campaigns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('town_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column(
            'kind',
            sa.Enum(*KINDS, name='campaign_kind', native_enum=False, create_constraint=True, length=13),
            nullable=False,
        ),
        sa.Column('notice_ref', sa.String(length=200), nullable=False),
        sa.Column('cutoff_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('opened_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('due_on >= cutoff_on', name=op.f('ck_city_campaigns_due_after_cutoff')),
        sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_city_campaigns_opened_by_id_users')),
        sa.ForeignKeyConstraint(['town_id'], ['towns.id'], name=op.f('fk_city_campaigns_town_id_towns')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_city_campaigns')),
    )
    op.create_index('ix_city_campaigns_town_id_id', 'city_campaigns', ['town_id', 'id'], unique=False)
    bind = op.get_bind()
    _defer_foreign_keys(bind)
    with op.batch_alter_table('cleanup_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_campaign_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_cleanup_campaigns_city_campaign_id_city_campaigns'), 'city_campaigns', ['city_campaign_id'], ['id']
        )
        batch_op.create_index(batch_op.f('ix_cleanup_campaigns_city_campaign_id'), ['city_campaign_id'], unique=False)
    _check_foreign_keys(bind)


def downgrade():
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT count(*) FROM city_campaigns')).scalar():
        raise RuntimeError('city_campaigns holds the city\'s clean-ups: downgrade would lose what deployed the towns\' campaigns')
    _defer_foreign_keys(bind)
    with op.batch_alter_table('cleanup_campaigns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cleanup_campaigns_city_campaign_id'))
        batch_op.drop_constraint(batch_op.f('fk_cleanup_campaigns_city_campaign_id_city_campaigns'), type_='foreignkey')
        batch_op.drop_column('city_campaign_id')
    _check_foreign_keys(bind)
    op.drop_index('ix_city_campaigns_town_id_id', table_name='city_campaigns')
    op.drop_table('city_campaigns')
