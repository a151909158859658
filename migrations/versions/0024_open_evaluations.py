"""the evaluations under way are read through an index: evaluations.concluded_on

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- index ix_evaluations_concluded_on (concluded_on): the drafter's home page lists the unit's evaluations under way
  (concluded_on IS NULL); without it the query walked every document of the unit to find the few open ones;
- no data changes; downgrade drops the index.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_evaluations_concluded_on', 'evaluations', ['concluded_on'], unique=False)


def downgrade():
    op.drop_index('ix_evaluations_concluded_on', table_name='evaluations')
