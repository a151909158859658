"""the city's annual statistics in Word: template_versions.kind and generated_documents.kind gain 'city_statistics'

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- template_versions.kind (output_kind) and generated_documents.kind (generated_kind) gain 'city_statistics'
  (各镇街年度统计, the city's Word section); both CHECKs are rebuilt, the columns keep their length (21, the longest
  value 'deliberation_material');
- SQLite rebuilds both tables; generated documents and template versions are referred to by nothing, and they
  refer to stored files and users whose ids do not change;
- downgrade refuses while an office-edited template of the new kind exists (it cannot say what it was before).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

OUTPUT_KINDS = (
    'opinion', 'filing_report', 'cleanup_catalogue', 'annual_statistics', 'comment_reply', 'deliberation_material',
    'filing_opinion',
)
ADDED = 'city_statistics'
COLUMNS = (('template_versions', 'output_kind'), ('generated_documents', 'generated_kind'))


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=21)


def _retype(before, after):
    for table, name in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                'kind', existing_type=_enum(name, before), type_=_enum(name, after), existing_nullable=False
            )


def upgrade():
    _retype(OUTPUT_KINDS, (*OUTPUT_KINDS, ADDED))


def downgrade():
    bind = op.get_bind()
    for table, _name in COLUMNS:
        if bind.execute(sa.text(f'SELECT count(*) FROM {table} WHERE kind = :v'), {'v': ADDED}).scalar():
            raise RuntimeError(f"{table}.kind holds 'city_statistics': downgrade would lose it")
    _retype((*OUTPUT_KINDS, ADDED), OUTPUT_KINDS)
