"""towns as tenants: the organisation tree (city -> towns and streets), and each record's town

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 (written by hand)

Reviewed by hand:
- towns: the city (parent NULL) and its towns and streets. An existing install becomes a city of one town: the
  city is named by CITY_NAME and the town by TOWN_NAME of the running configuration (defaults 本市 and 本镇; both
  can be renamed later with `flask towns rename`);
- units.town_id: the filing authority and the higher-level bodies belong to the city, every other unit to the
  town; unit names are unique within a town (two towns each have a 司法所), no longer across the install;
- users.town_id: the unit's town;
- documents, solicitations, cleanup_campaigns, alerts: the town (every existing record is the one town's);
- documents: the register's indexes (sort by update, by title; the year filter) now start with town_id, and one on
  (town_id, status) counts a town's documents by status from the index alone;
- audit_events.town_id: nullable (an event of the whole install has none); existing events are the town's (on
  PostgreSQL the append-only trigger is disabled for that one UPDATE and enabled again; the column is not part of
  the hash chain, so the chain still verifies);
- opinions: the serial runs per town (counter opinion:<town>), so (year, seq) is no longer unique; the number
  stays unique; the counter 'opinion' is renamed for the town, so numbering continues where it was;
- downgrade refuses when more than one town holds records (it cannot put two towns' numbers back in one
  series); with one town it drops what upgrade added.
"""
from alembic import op
from flask import current_app, has_app_context
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

SCOPED = ('documents', 'solicitations', 'cleanup_campaigns', 'alerts')
CITY_KINDS = ('filing_authority', 'higher_level')
# The register's indexes, now led by the town: (old name, columns after town_id).
DOCUMENT_INDEXES = (
    ('ix_documents_updated_at_id', ('updated_at', 'id')),
    ('ix_documents_title_id', ('title', 'id')),
    ('ix_documents_created_at', ('created_at',)),
)


def _sqlite_rebuilds_referenced_tables(bind):
    """SQLite rebuilds a table to change its constraints (units, users, documents …), and dropping the old copy of a
    table others refer to would fail its foreign keys: they are checked at commit instead (defer_foreign_keys, inside
    a transaction) or not during the rebuild (foreign_keys=OFF, outside one); the rows keep their ids, so nothing
    dangles."""
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys=ON')
        op.execute('PRAGMA foreign_keys=OFF')


def _sqlite_checks_foreign_keys_again(bind):
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys=ON')


def _configured(key, default):
    return (current_app.config.get(key) if has_app_context() else None) or default


def upgrade():
    towns = op.create_table('towns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('kind', sa.Enum('city', 'town', 'street', name='town_kind', native_enum=False, create_constraint=True, length=6), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('short_name', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['towns.id'], name=op.f('fk_towns_parent_id_towns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_towns')),
    sa.UniqueConstraint('name', name=op.f('uq_towns_name'))
    )
    now = sa.func.now()
    bind = op.get_bind()
    _sqlite_rebuilds_referenced_tables(bind)
    bind.execute(towns.insert().values(id=1, name=_configured('CITY_NAME', '本市'), kind='city', parent_id=None, active=True, created_at=now))
    bind.execute(towns.insert().values(id=2, name=_configured('TOWN_NAME', '本镇'), kind='town', parent_id=1, active=True, created_at=now))
    if bind.dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('towns', 'id'), 2)")

    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
    units = sa.table('units', sa.column('town_id'), sa.column('kind'))
    bind.execute(units.update().values(town_id=sa.case((units.c.kind.in_(CITY_KINDS), 1), else_=2)))
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('town_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_units_town_id_towns'), 'towns', ['town_id'], ['id'])
        batch_op.drop_constraint('uq_units_name', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_units_town_id_name'), ['town_id', 'name'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
    op.execute('UPDATE users SET town_id = (SELECT units.town_id FROM units WHERE units.id = users.unit_id)')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('town_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_town_id_towns'), 'towns', ['town_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_users_town_id'), ['town_id'], unique=False)

    for table in SCOPED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
        op.execute(f'UPDATE {table} SET town_id = 2')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('town_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_town_id_towns'), 'towns', ['town_id'], ['id'])

    with op.batch_alter_table('documents', schema=None) as batch_op:
        for old, columns in DOCUMENT_INDEXES:
            batch_op.drop_index(old)
            batch_op.create_index(f'ix_documents_town_id_{"_".join(columns)}', ['town_id', *columns], unique=False)
        batch_op.create_index('ix_documents_town_id_status', ['town_id', 'status'], unique=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('town_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_town_id_towns'), 'towns', ['town_id'], ['id'])
    # Filling the new column once is the migration's, not an edit of the trail (the hash chain covers the columns
    # events were sealed with): PostgreSQL's append-only trigger is held for this one statement.
    postgresql = bind.dialect.name == 'postgresql'
    if postgresql:
        op.execute('ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only')
    op.execute('UPDATE audit_events SET town_id = 2')
    if postgresql:
        op.execute('ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only')

    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_opinions_year_seq', type_='unique')
    op.execute("UPDATE number_counters SET scope = 'opinion:2' WHERE scope = 'opinion'")
    _sqlite_checks_foreign_keys_again(bind)


def downgrade():
    bind = op.get_bind()
    towns_with_records = bind.execute(sa.text('SELECT COUNT(DISTINCT town_id) FROM documents')).scalar()
    if towns_with_records and towns_with_records > 1:
        raise RuntimeError('more than one town holds documents: a single-town schema cannot hold them')
    _sqlite_rebuilds_referenced_tables(bind)
    op.execute("UPDATE number_counters SET scope = 'opinion' WHERE scope LIKE 'opinion:%'")
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_opinions_year_seq'), ['year', 'seq'])
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_events_town_id_towns'), type_='foreignkey')
        batch_op.drop_column('town_id')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_town_id_status')
        for old, columns in DOCUMENT_INDEXES:
            batch_op.drop_index(f'ix_documents_town_id_{"_".join(columns)}')
            batch_op.create_index(old, list(columns), unique=False)
    for table in reversed(SCOPED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_town_id_towns'), type_='foreignkey')
            batch_op.drop_column('town_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_town_id'))
        batch_op.drop_constraint(batch_op.f('fk_users_town_id_towns'), type_='foreignkey')
        batch_op.drop_column('town_id')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_units_town_id_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_units_name'), ['name'])
        batch_op.drop_constraint(batch_op.f('fk_units_town_id_towns'), type_='foreignkey')
        batch_op.drop_column('town_id')
    op.drop_table('towns')
    _sqlite_checks_foreign_keys_again(bind)
