"""The organs that sign the outputs, found by their unit kind: the town government, the 司法所, the filing authority.

Each is the town's own (the town of the record the output is for); the filing authority is the city's.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Unit, UnitKind
from tracker.errors import ValidationFailed
from tracker.extensions import db

# Kinds the city keeps for all its towns.
CITY_KINDS = frozenset({UnitKind.FILING_AUTHORITY, UnitKind.HIGHER_LEVEL})


def first_unit(kind: UnitKind, town_id: int | None = None) -> Unit | None:
    """The first active unit of this kind: of the town `town_id` (the city's, for the kinds the city keeps)."""
    stmt = sa.select(Unit).where(Unit.kind == kind, Unit.active.is_(True))
    if town_id is not None and kind not in CITY_KINDS:
        stmt = stmt.where(Unit.town_id == town_id)
    return db.session.scalar(stmt.order_by(Unit.id).limit(1))


def government(town_id: int | None = None) -> Unit:
    """The town government: it issues the clean-up notice and signs the replies to higher levels."""
    unit = first_unit(UnitKind.GOVERNMENT, town_id)
    if unit is None:
        raise ValidationFailed("尚未设置镇人民政府（单位类型“镇人民政府”），请管理员在单位管理中添加。")
    return unit


def judicial_office_name(town_id: int | None = None) -> str:
    unit = first_unit(UnitKind.JUDICIAL_OFFICE, town_id)
    return unit.name if unit is not None else "司法所"
