"""the city justice bureau reviews filings in the product: its reviewer, the packet returned, its written opinion

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 (written by hand)

Reviewed by hand:
- users.role gains 'bureau' (the bureau's 备案审查员); its CHECK is rebuilt, the column is wide enough;
- documents.filing_status and filing_attempts.result gain 'packet_returned' (备案材料退回补正: the bureau did not
  accept an incomplete packet); both CHECKs are rebuilt;
- template_versions.kind and generated_documents.kind gain 'filing_opinion' (备案审查意见书);
- filing_attempts: in_product (filed here to the bureau, which answers here; every existing attempt was answered
  elsewhere and typed in: false), accepted_on (受理), reviewer_id (the bureau's reviewer), opinion_number (the
  bureau's 备案审查意见 number, unique), a CHECK that acceptance follows submission and an index for the bureau's
  desk (in_product, result);
- SQLite rebuilds users and documents, which other tables refer to: foreign keys are checked at commit;
- downgrade refuses while any record uses a new value (it cannot say what a returned packet or a bureau reviewer
  was before), then drops what upgrade added.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ROLES = ('admin', 'reviewer', 'clerk', 'drafter', 'leader')
FILING_STATUSES = ('not_submitted', 'submitted', 'registered', 'correction', 'not_accepted', 'correction_ordered')
FILING_RESULTS = ('registered', 'correction', 'not_accepted', 'correction_ordered')
OUTPUT_KINDS = (
    'opinion', 'filing_report', 'cleanup_catalogue', 'annual_statistics', 'comment_reply', 'deliberation_material',
)
# (table, column, enum name, values before, value added, column length)
ENUMS = (
    ('users', 'role', 'role', ROLES, 'bureau', None),
    ('documents', 'filing_status', 'filing_status', FILING_STATUSES, 'packet_returned', 18),
    ('filing_attempts', 'result', 'filing_result', FILING_RESULTS, 'packet_returned', 18),
    ('template_versions', 'kind', 'output_kind', OUTPUT_KINDS, 'filing_opinion', 21),
    ('generated_documents', 'kind', 'generated_kind', OUTPUT_KINDS, 'filing_opinion', 21),
)


def _enum(name, values, length):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=length)


def _nullable(table, column):
    return table in ('filing_attempts',)


def _sqlite_defers_foreign_keys(bind):
    """SQLite rebuilds a table to change a CHECK; users and documents are referred to by other tables, so their
    foreign keys are checked at commit (the rows keep their ids: nothing dangles)."""
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA defer_foreign_keys=ON')
        op.execute('PRAGMA foreign_keys=OFF')


def _sqlite_checks_foreign_keys_again(bind):
    if bind.dialect.name == 'sqlite':
        op.execute('PRAGMA foreign_keys=ON')


def _retype(old_values, new_values, table, column, name, length):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column(
            column,
            existing_type=_enum(name, old_values, length),
            type_=_enum(name, new_values, length),
            existing_nullable=_nullable(table, column),
        )


def upgrade():
    bind = op.get_bind()
    _sqlite_defers_foreign_keys(bind)
    for table, column, name, before, added, length in ENUMS:
        _retype(before, (*before, added), table, column, name, length)
    with op.batch_alter_table('filing_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('in_product', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('accepted_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reviewer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('opinion_number', sa.String(length=60), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filing_attempts_reviewer_id_users'), 'users', ['reviewer_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_filing_attempts_opinion_number'), ['opinion_number'])
        batch_op.create_check_constraint(
            op.f('ck_filing_attempts_accepted_after_submission'), 'accepted_on IS NULL OR accepted_on >= submitted_on'
        )
        batch_op.create_index('ix_filing_attempts_in_product_open', ['in_product', 'result'], unique=False)
    with op.batch_alter_table('filing_attempts', schema=None) as batch_op:
        batch_op.alter_column('in_product', server_default=None, existing_type=sa.Boolean(), existing_nullable=False)
    _sqlite_checks_foreign_keys_again(bind)


def downgrade():
    bind = op.get_bind()
    for table, column, _name, _before, added, _length in ENUMS:
        if bind.execute(sa.text(f'SELECT count(*) FROM {table} WHERE {column} = :v'), {'v': added}).scalar():
            raise RuntimeError(
                f'{table}.{column} holds {added!r}: the bureau has worked in this install; downgrade would lose it'
            )
    _sqlite_defers_foreign_keys(bind)
    with op.batch_alter_table('filing_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_filing_attempts_in_product_open')
        batch_op.drop_constraint(op.f('ck_filing_attempts_accepted_after_submission'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_filing_attempts_opinion_number'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_filing_attempts_reviewer_id_users'), type_='foreignkey')
        batch_op.drop_column('opinion_number')
        batch_op.drop_column('reviewer_id')
        batch_op.drop_column('accepted_on')
        batch_op.drop_column('in_product')
    for table, column, name, before, added, length in ENUMS:
        _retype((*before, added), before, table, column, name, length)
    _sqlite_checks_foreign_keys_again(bind)
