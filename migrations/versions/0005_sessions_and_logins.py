"""sessions and logins: session version, login failures, the feed token kept as a hash

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 (written by hand, issue #15)

- users.session_version: stamped into every session; raising it ends the user's other sessions. Existing rows
  start at 1 (sessions made before the upgrade carry no version and end: everyone logs in once more).
- login_failures: the login throttle's record, shared by every worker.
- users.ical_token -> users.ical_token_hash: the feed's secret kept as its SHA-256, like the API tokens. Existing
  tokens are hashed here, so the calendar addresses people already subscribed to keep working. A downgrade cannot
  bring the secrets back: those addresses stop working and each user makes a new one.
"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


users = sa.table(
    'users',
    sa.column('id', sa.Integer()),
    sa.column('ical_token', sa.String(64)),
    sa.column('ical_token_hash', sa.String(64)),
)


def upgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=50), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address_failed_at', ['address', 'failed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_failed_at'), ['failed_at'], unique=False)
        batch_op.create_index('ix_login_failures_username_failed_at', ['username', 'failed_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch_op.add_column(sa.Column('ical_token_hash', sa.String(length=64), nullable=True))

    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.ical_token).where(users.c.ical_token.is_not(None))).all()
    for user_id, token in rows:
        digest = hashlib.sha256(token.encode()).hexdigest()
        conn.execute(users.update().where(users.c.id == user_id).values(ical_token_hash=digest))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_version', server_default=None)
        batch_op.create_unique_constraint(batch_op.f('uq_users_ical_token_hash'), ['ical_token_hash'])
        batch_op.drop_constraint(batch_op.f('uq_users_ical_token'), type_='unique')
        batch_op.drop_column('ical_token')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ical_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_ical_token'), ['ical_token'])
        batch_op.drop_constraint(batch_op.f('uq_users_ical_token_hash'), type_='unique')
        batch_op.drop_column('ical_token_hash')
        batch_op.drop_column('session_version')

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_username_failed_at')
        batch_op.drop_index(batch_op.f('ix_login_failures_failed_at'))
        batch_op.drop_index('ix_login_failures_address_failed_at')

    op.drop_table('login_failures')
