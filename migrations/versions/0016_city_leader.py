"""the city's leaders read the city's pages: users.role gains 'city_leader'

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- users.role gains 'city_leader' (市级领导, read-only on the city's pages); its CHECK is rebuilt and the column
  widened from 8 to 11 characters (the longest value);
- SQLite rebuilds users, which other tables refer to: foreign keys are checked at commit (ids are kept);
- downgrade refuses while a city leader exists (it cannot say what that person was before), then narrows the
  column back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

ROLES = ('admin', 'reviewer', 'clerk', 'drafter', 'leader', 'bureau')
ADDED = 'city_leader'


def _enum(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=max(map(len, values)))


def _retype(before, after):
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys=ON')
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', existing_type=_enum(before), type_=_enum(after), existing_nullable=False)
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys=ON')


def upgrade():
    _retype(ROLES, (*ROLES, ADDED))


def downgrade():
    if op.get_bind().execute(sa.text('SELECT count(*) FROM users WHERE role = :v'), {'v': ADDED}).scalar():
        raise RuntimeError("users.role holds 'city_leader': a city leader has an account; downgrade would lose it")
    _retype((*ROLES, ADDED), ROLES)
