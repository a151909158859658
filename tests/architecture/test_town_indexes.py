"""Every town-scoped table is read through an index that starts with its town (issue #16, scale).

The scope adds `town_id = ?` (or `IN (the city's towns)`) to every read of these tables, so each needs at least one
index led by town_id; a town's lists at a million documents must not walk the other towns' rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker import models  # noqa: F401  (every model registered)
from tracker.extensions import db
from tracker.tenancy import TownScoped, TownShared


def _leading_columns(table: sa.Table) -> set[str]:
    first = {next(iter(index.columns)).name for index in table.indexes}
    first |= {
        next(iter(c.columns)).name
        for c in table.constraints
        if isinstance(c, sa.UniqueConstraint | sa.PrimaryKeyConstraint) and len(c.columns)
    }
    return first


def test_every_town_scoped_table_has_an_index_led_by_its_town():
    tables = [
        mapper.class_.__table__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TownScoped | TownShared)
    ]
    assert {t.name for t in tables} >= {"documents", "alerts", "audit_events", "cleanup_campaigns", "solicitations"}
    missing = sorted(t.name for t in tables if "town_id" not in _leading_columns(t))
    assert not missing, f"town-scoped tables without an index led by town_id: {missing}"


def test_the_boards_lists_lead_with_the_town_and_the_scan_keeps_its_own():
    alerts = {index.name: [c.name for c in index.columns] for index in db.Model.metadata.tables["alerts"].indexes}
    assert alerts["ix_alerts_town_id_level_due_on"] == ["town_id", "level", "due_on"]
    assert alerts["ix_alerts_town_id_level_kind_unit_id"] == ["town_id", "level", "kind", "unit_id"]
    # The morning scan reads every town's open alerts at once.
    assert alerts["ix_alerts_level_due_on"] == ["level", "due_on"]
