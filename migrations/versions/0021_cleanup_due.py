"""a clean-up the city deployed falls due: the alert-kind enum gains cleanup_due

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- alerts.kind (alert_kind) gains 'cleanup_due' (清理完成期限: a town's campaign of a city clean-up, due on the date
  the city's notice set); its CHECK is rebuilt, the column is wide enough already (20, 'deliberation_pending');
- the next deadline scan raises the alerts of the clean-ups already deployed;
- downgrade deletes the alerts of the new kind before the CHECK is narrowed again (the scan of the older version
  does not know them; nothing else refers to an alert).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD_KINDS = (
    'review_due', 'deliberation_pending', 'effect_due', 'filing_due', 'correction_due', 'filing_review_due',
    'evaluation_due', 'revision_due', 'comment_reply_due', 'deadline_changed',
)
NEW_KINDS = (
    'review_due', 'deliberation_pending', 'effect_due', 'filing_due', 'correction_due', 'filing_review_due',
    'evaluation_due', 'revision_due', 'comment_reply_due', 'cleanup_due', 'deadline_changed',
)


def _kind_enum(values):
    return sa.Enum(*values, name='alert_kind', native_enum=False, create_constraint=True, length=max(map(len, values)))


def _retype(before, after):
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind_enum(before), type_=_kind_enum(after), existing_nullable=False)


def upgrade():
    _retype(OLD_KINDS, NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM alerts WHERE kind = 'cleanup_due'")
    _retype(NEW_KINDS, OLD_KINDS)
