"""the city's administrator keeps the install: users.role gains 'city_admin'

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- users.role gains 'city_admin' (市级系统管理员: the city's accounts, and the install's time limits, calendar,
  pre-check rules and Word templates); its CHECK is rebuilt, the column is wide enough already (11, 'city_leader');
- SQLite rebuilds users, which other tables refer to: foreign keys are checked at commit (ids are kept);
- no data changes: a town's administrator keeps the install's configuration while the install has one town;
- downgrade refuses while a city administrator exists (it cannot say what that person was before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ROLES = ('admin', 'reviewer', 'clerk', 'drafter', 'leader', 'bureau', 'city_leader')
ADDED = 'city_admin'
LENGTH = 11


def _enum(values):
    return sa.Enum(*values, name='role', native_enum=False, create_constraint=True, length=LENGTH)


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
        raise RuntimeError("users.role holds 'city_admin': a city administrator has an account; downgrade would lose it")
    _retype((*ROLES, ADDED), ROLES)
