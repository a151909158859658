"""The city's view for its justice bureau: every town's annual rates side by side, and what is overdue where.

Each town's row is counted with the very queries of that town's own annual statistics, read as the town reads
(auth/towns.as_town): the city's figures are the towns' figures, never a second way of counting.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from tracker.auth import towns
from tracker.auth.models import Town
from tracker.auth.permissions import may
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.filing.queries import overdue_by_town
from tracker.reports import stats as stats_module

bp = Blueprint("city", __name__, url_prefix="/city")

RATES = ("review_rate", "publication_rate", "filing_rate", "on_time_rate")
NO_OVERDUE = {"filing": 0, "correction": 0, "answer": 0}


@dataclass(frozen=True)
class TownRow:
    town: Town | None  # None: the city's total
    rates: dict[str, tuple[int, int]]  # key -> (numerator, denominator)
    overdue: dict[str, int]

    def percent(self, key: str) -> str:
        numerator, denominator = self.rates[key]
        return "—（无）" if denominator == 0 else f"{round(100 * numerator / denominator, 1):g}%"


@bp.before_request
def require_bureau():
    if not may(current_user, "bureau"):
        abort(403)


@bp.get("/")
def index():
    today = office_today(now_utc())
    year = bounded_int(request.args.get("year")) or today.year
    if not 2000 <= year <= 2100:
        abort(404)
    overdue = overdue_by_town(today)
    rows, labels = [], {}
    for town in towns.towns_of_city(current_user.town_id):
        with towns.as_town(town):
            stats = stats_module.annual(year)
        labels = {key: stats.rates[key].label for key in RATES}
        rates = {key: (stats.rates[key].numerator, stats.rates[key].denominator) for key in RATES}
        rows.append(TownRow(town, rates, overdue.get(town.id, NO_OVERDUE)))
    total = TownRow(
        None,
        {key: (sum(r.rates[key][0] for r in rows), sum(r.rates[key][1] for r in rows)) for key in RATES},
        {what: sum(r.overdue[what] for r in rows) for what in NO_OVERDUE},
    )
    return render_template(
        "city/index.html", year=year, rows=rows, total=total, rates=RATES, labels=labels, today=today
    )
