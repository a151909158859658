"""Each town's annual figures side by side, and what is overdue where: the city's view and its statistics workbook.

Each town's row is counted with the very queries of that town's own annual statistics, read as the town reads
(auth/towns.as_town): the city's figures are the towns' figures, never a second way of counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.auth import towns
from tracker.auth.models import Town
from tracker.common.stamp import remembered
from tracker.filing.queries import overdue_by_town
from tracker.reports import stats as stats_module
from tracker.reports.stats import AnnualStatistics

RATES = ("review_rate", "publication_rate", "filing_rate", "on_time_rate")
NO_OVERDUE = {"filing": 0, "correction": 0, "answer": 0}
OVERDUE_LABELS = {"filing": "逾期未报备", "correction": "逾期未补正", "answer": "市司法局逾期未答复"}


@dataclass(frozen=True)
class TownRow:
    town: Town | None  # None: the city's total
    rates: dict[str, tuple[int, int]]  # key -> (numerator, denominator)
    overdue: dict[str, int]
    figures: dict[str, int]  # the annual statistics' counts (key -> value)

    def percent(self, key: str) -> str:
        numerator, denominator = self.rates[key]
        return "—（无）" if denominator == 0 else f"{round(100 * numerator / denominator, 1):g}%"


@dataclass(frozen=True)
class CityFigures:
    year: int
    rows: list[TownRow]
    total: TownRow
    rate_labels: dict[str, str]
    figure_labels: dict[str, str]


def city_figures(city_id: int, *, year: int, today: date) -> CityFigures:
    """Every town of the city, counted as the town counts itself, and the city's total (the towns' sums)."""
    # Remembered under the stamps of every town of the city: a write in any of them counts it again.
    overdue = remembered(("overdue_by_town", today), lambda: overdue_by_town(today))
    rows: list[TownRow] = []
    rate_labels: dict[str, str] = {}
    figure_labels: dict[str, str] = {}
    for town in towns.towns_of_city(city_id):
        with towns.as_town(town):
            stats: AnnualStatistics = stats_module.annual(year)
        rate_labels = {key: stats.rates[key].label for key in RATES}
        figure_labels = {key: fig.label for key, fig in stats.figures.items()}
        rows.append(
            TownRow(
                town,
                {key: (stats.rates[key].numerator, stats.rates[key].denominator) for key in RATES},
                overdue.get(town.id, NO_OVERDUE),
                {key: fig.value for key, fig in stats.figures.items()},
            )
        )
    total = TownRow(
        None,
        {key: (sum(r.rates[key][0] for r in rows), sum(r.rates[key][1] for r in rows)) for key in RATES},
        {what: sum(r.overdue[what] for r in rows) for what in NO_OVERDUE},
        {key: sum(r.figures[key] for r in rows) for key in figure_labels},
    )
    return CityFigures(year, rows, total, rate_labels, figure_labels)
