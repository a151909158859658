"""users.display_mode: 长者模式 remembered per person

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 (written by hand: one column with a server default, so existing users read 'standard')

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'display_mode',
                sa.Enum('standard', 'elder', name='display_mode', native_enum=False, create_constraint=True),
                server_default='standard',
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_display_mode'), type_='check')
        batch_op.drop_column('display_mode')
