"""The figures behind the home page charts of the leader and the clerk: rates by month, deadlines by unit, states.

Each returns plain numbers; templates/_macros/charts.html draws them as SVG with the same numbers as a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.alerts.queries import open_counts
from tracker.auth.queries import unit_names
from tracker.documents.queries import status_counts
from tracker.reports.stats import AnnualStatistics

# The rates of docs/rules.md §5 and §7 that belong to a document's month of publication.
MONTHLY_RATES = (("review_rate", "审核率"), ("filing_rate", "备案率"), ("on_time_rate", "报备及时率"))


@dataclass(frozen=True)
class MonthRates:
    month: int
    published: int
    percents: dict[str, float | None]  # key of MONTHLY_RATES -> percent, None when nothing to count


def rates_by_month(stats: AnnualStatistics) -> list[MonthRates]:
    """For the documents first published in each month of the year: the share reviewed, filed, filed on time.

    The same sets as the annual figures (stats.rates), split by the month of publication, so the months add up
    to the year.
    """
    published_on = stats.first_published_on
    numerators = {key: set(stats.rates[key].numerator_ids) for key, _ in MONTHLY_RATES}
    filed = numerators["filing_rate"]
    months = []
    for month in range(1, 13):
        docs = {d for d, day in published_on.items() if day.month == month}
        denominators = {"review_rate": docs, "filing_rate": docs, "on_time_rate": docs & filed}
        percents = {
            key: (round(100 * len(numerators[key] & denominators[key]) / len(denominators[key]), 1))
            if denominators[key]
            else None
            for key, _ in MONTHLY_RATES
        }
        months.append(MonthRates(month, len(docs), percents))
    return months


def deadlines_by_unit() -> list[tuple[str, dict[str, int]]]:
    """Open deadlines of every unit by level (overdue, due soon, open), the units with most overdue first."""
    names = unit_names()
    counts: dict[str, dict[str, int]] = {}
    for unit_id, _, level, n in open_counts():
        unit = names.get(unit_id, "（镇级事项）")
        counts.setdefault(unit, {"overdue": 0, "due_soon": 0, "open": 0})[level.value] += n
    return sorted(counts.items(), key=lambda kv: (-kv[1]["overdue"], -kv[1]["due_soon"], kv[0]))


def documents_by_status() -> list[tuple[str, int]]:
    """Every state that has documents, in the order of the lifecycle."""
    return [(status.label, n) for status, n in status_counts()]
