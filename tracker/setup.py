"""Reference data every installation needs (rule set, settings, the conclusion list): inserted when missing."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.auth.models import Town
from tracker.common.stamp import ensure_stamp
from tracker.extensions import db
from tracker.rules.conclusions import ensure_conclusions
from tracker.rules.ruleset import ensure_defaults


def ensure_reference_data(now: datetime) -> int:
    """Insert what is missing (safe to repeat); returns how many rows were added."""
    towns = tuple(db.session.scalars(sa.select(Town.id).execution_options(all_towns=True)))
    return ensure_defaults(now) + ensure_conclusions() + ensure_stamp(towns)
