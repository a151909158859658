"""The organs that sign the outputs, found by their unit kind: the town government, the 司法所, the filing authority."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Unit, UnitKind
from tracker.errors import ValidationFailed
from tracker.extensions import db


def first_unit(kind: UnitKind) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.kind == kind, Unit.active.is_(True)).order_by(Unit.id).limit(1))


def government() -> Unit:
    """The town government: it issues the clean-up notice and signs the replies to higher levels."""
    unit = first_unit(UnitKind.GOVERNMENT)
    if unit is None:
        raise ValidationFailed("尚未设置镇人民政府（单位类型“镇人民政府”），请管理员在单位管理中添加。")
    return unit


def judicial_office_name() -> str:
    unit = first_unit(UnitKind.JUDICIAL_OFFICE)
    return unit.name if unit is not None else "司法所"
