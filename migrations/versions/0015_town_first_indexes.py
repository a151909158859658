"""every town-scoped list reads an index that starts with its town: alerts, audit events, clean-up campaigns, drafts
for comment

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 (written by hand)

Reviewed by hand:
- alerts: the boards' open deadlines by due date (town_id, level, due_on) is new; the counts by kind and unit
  (level, kind, unit_id) become (town_id, level, kind, unit_id). (level, due_on) stays for the morning scan, which
  reads every town at once; (unit_id, level, due_on) stays, a unit belonging to one town;
- audit_events: a town's trail, newest first (town_id, occurred_at, id);
- cleanup_campaigns: a town's campaigns, newest first (town_id, id);
- solicitations: a town's drafts for comment, by phase and reply date (town_id, phase, reply_due_on);
- only indexes change (plain CREATE / DROP INDEX on both databases, no table is rebuilt): no data is touched, and
  downgrade puts the old index back.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# (table, index name, columns)
NEW = (
    ('alerts', 'ix_alerts_town_id_level_due_on', ['town_id', 'level', 'due_on']),
    ('alerts', 'ix_alerts_town_id_level_kind_unit_id', ['town_id', 'level', 'kind', 'unit_id']),
    ('audit_events', 'ix_audit_events_town_id_occurred_at_id', ['town_id', 'occurred_at', 'id']),
    ('cleanup_campaigns', 'ix_cleanup_campaigns_town_id_id', ['town_id', 'id']),
    ('solicitations', 'ix_solicitations_town_id_phase_reply_due_on', ['town_id', 'phase', 'reply_due_on']),
)
REPLACED = ('alerts', 'ix_alerts_level_kind_unit_id', ['level', 'kind', 'unit_id'])


def upgrade():
    # Plain CREATE/DROP INDEX: no table rebuild is needed on either database.
    op.drop_index(REPLACED[1], table_name=REPLACED[0])
    for table, name, columns in NEW:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for table, name, _ in reversed(NEW):
        op.drop_index(name, table_name=table)
    op.create_index(REPLACED[1], REPLACED[0], REPLACED[2], unique=False)
