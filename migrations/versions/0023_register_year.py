"""the register's year kept on the document: documents.register_year, indexed with the town and the status

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- documents.register_year (nullable integer): the year the register files a document under, the year of its
  current publication, or, never published, of its registration (created_at in the office's time zone, the
  OFFICE_TIMEZONE the app is configured with, Asia/Shanghai by default); a document in a published state without
  a publication date falls under no year (NULL), as the register's old query had it;
- filled here from the records: the publication's year by one UPDATE; the registration year by one UPDATE on
  PostgreSQL (created_at is timestamptz: AT TIME ZONE), row by row on SQLite (naive UTC text; one town's few
  hundred documents), converted with zoneinfo;
- index ix_documents_town_id_register_year_status (town_id, register_year, status): the register's year filter;
  ix_documents_town_id_created_at stays (the registration dates of a period);
- from here on the app keeps the column in every flush (tracker/publication/models.py); downgrade drops it.
"""
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

EVER_PUBLISHED = ('published', 'in_force', 'amended', 'repealed', 'invalid', 'expired')
NEVER = "status NOT IN ('published', 'in_force', 'amended', 'repealed', 'invalid', 'expired')"


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_year', sa.Integer(), nullable=True))
        batch_op.create_index(
            'ix_documents_town_id_register_year_status', ['town_id', 'register_year', 'status'], unique=False
        )
    bind = op.get_bind()
    op.execute(
        "UPDATE documents SET register_year = (SELECT CAST(EXTRACT(YEAR FROM p.published_on) AS INTEGER)"
        " FROM publications p WHERE p.document_id = documents.id AND p.is_current AND p.published_on IS NOT NULL)"
        if bind.dialect.name == 'postgresql'
        else "UPDATE documents SET register_year = (SELECT CAST(strftime('%Y', p.published_on) AS INTEGER)"
        " FROM publications p WHERE p.document_id = documents.id AND p.is_current AND p.published_on IS NOT NULL)"
    )
    zone = os.environ.get('OFFICE_TIMEZONE', 'Asia/Shanghai')
    if bind.dialect.name == 'postgresql':
        bind.execute(
            sa.text(
                "UPDATE documents SET register_year = CAST(EXTRACT(YEAR FROM created_at AT TIME ZONE :zone) AS INTEGER)"
                f" WHERE register_year IS NULL AND {NEVER}"
            ),
            {'zone': zone},
        )
        return
    tz = ZoneInfo(zone)
    rows = bind.execute(sa.text(f"SELECT id, created_at FROM documents WHERE register_year IS NULL AND {NEVER}"))
    years = []
    for doc_id, created in rows:
        instant = created if isinstance(created, datetime) else datetime.fromisoformat(str(created))
        years.append({'id': doc_id, 'year': instant.replace(tzinfo=UTC).astimezone(tz).year})
    if years:
        bind.execute(sa.text("UPDATE documents SET register_year = :year WHERE id = :id"), years)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_town_id_register_year_status')
        batch_op.drop_column('register_year')
