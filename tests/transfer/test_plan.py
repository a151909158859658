"""Every table of the schema has its place in a town's move (tracker/transfer/plan.py)."""

from __future__ import annotations

from tracker.db import Base
from tracker.transfer import plan


def test_every_table_is_placed_once():
    placed = [
        *plan.TOWN_TABLES,
        *plan.CHILDREN,
        plan.GENERATED,
        plan.FILES,
        *plan.MATCHED,
        *plan.SPECIAL,
        *plan.LEFT,
    ]
    assert len(placed) == len(set(placed)), "a table is placed twice"
    assert set(placed) == set(Base.metadata.tables), "place the new table in tracker/transfer/plan.py"


def test_what_moves_names_only_what_moves_or_is_found_by_its_key():
    moving = set(plan.moving())
    for name in moving:
        for fk in plan.table(name).foreign_keys:
            referred = fk.column.table.name
            assert referred in moving | set(plan.MATCHED) | {"towns", "city_campaigns"}, (name, fk.parent.name)


def test_rows_come_after_the_rows_they_name():
    order = {name: i for i, name in enumerate(plan.moving())}
    for name in order:
        for fk in plan.table(name).foreign_keys:
            referred = fk.column.table.name
            if referred in order:
                assert order[referred] < order[name], (name, referred)


def test_every_object_type_and_alert_key_names_a_moving_table():
    moving = set(plan.moving()) | set(plan.MATCHED)
    assert set(plan.OBJECT_TABLES.values()) <= moving
    assert set(plan.ALERT_KEYS.values()) <= moving
    assert set(plan.LABELS) >= set(plan.moving())
