"""The city's annual statistics as a Word section: every town's rates and counts side by side, the city's total.

Rendered on request and not stored, as a town's own annual statistics: the figures of a past year come out the same
(computed from dated records). Each town's row is that town's own annual statistics (city/figures.py).
"""

from __future__ import annotations

from datetime import date, datetime

from tracker.city.figures import OVERDUE_LABELS, RATES, CityFigures, TownRow
from tracker.common.timeutil import office_today
from tracker.files.uploads import clean_filename
from tracker.word import store
from tracker.word.models import OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import date_cn, section_numbers, short_title, title_lines

KIND = OutputKind.CITY_STATISTICS
SECTIONS = ("overview", "rates", "counts")
# The counts each town's row shows (keys of the annual statistics' figures), then the overdue items of today.
COUNTS = ("reviewed", "opinions", "published", "in_force")
TOTAL = "全市合计"


def _rate(row: TownRow, key: str) -> str:
    numerator, denominator = row.rates[key]
    return "—" if denominator == 0 else f"{row.percent(key)}\n（{numerator}/{denominator}）"


def overview(figures: CityFigures, *, city: str) -> str:
    """The city's year in sentences, from the towns' sums; a figure that is zero leaves no clause behind."""
    total, towns = figures.total, len(figures.rows)
    counts = total.figures
    sentences = []
    work = [
        f"审查规范性文件{counts['reviewed']}件" if counts.get("reviewed") else "",
        f"出具合法性审查意见书{counts['opinions']}份" if counts.get("opinions") else "",
        f"统一发布规范性文件{counts['published']}件" if counts.get("published") else "",
    ]
    if any(work):
        sentences.append(f"全市{towns}个镇街共" + "，".join(w for w in work if w))
    rates = [f"{figures.rate_labels[key]}{total.percent(key)}" for key in RATES if total.rates[key][1]]
    if rates:
        sentences.append("全市" + "，".join(rates))
    if counts.get("in_force"):
        sentences.append(f"截至年底，各镇街现行有效的规范性文件共{counts['in_force']}件")
    overdue = [f"{label}{total.overdue[what]}件" for what, label in OVERDUE_LABELS.items() if total.overdue[what]]
    year = (
        f"{figures.year}年，" + "。".join(sentences) + "。"
        if sentences
        else f"{figures.year}年，{city}各镇街没有审查、发布或备案规范性文件。"
    )
    # What is overdue is counted on the day of the statistics, whatever the year asked.
    return year + (f"截至统计之日，{'，'.join(overdue)}。" if overdue else "")


def city_statistics_context(figures: CityFigures, *, city: str, counted_on: date) -> dict:
    """The context of “{city}{year}年度各镇街行政规范性文件管理情况”: the overview, the rates and the counts by town."""
    every = [*figures.rows, figures.total]

    def name(row: TownRow) -> str:
        return row.town.name if row.town is not None else TOTAL

    rates = [
        {
            "no": str(n) if row.town is not None else "",
            "town": name(row),
            **{key: _rate(row, key) for key in RATES},
        }
        for n, row in enumerate(every, start=1)
    ]
    counts = [
        {
            "no": str(n) if row.town is not None else "",
            "town": name(row),
            **{key: str(row.figures.get(key, 0)) for key in COUNTS},
            **{f"overdue_{what}": str(row.overdue[what]) for what in OVERDUE_LABELS},
        }
        for n, row in enumerate(every, start=1)
    ]
    present = ["overview", *(["rates", "counts"] if figures.rows else [])]
    return {
        "title": "\n".join(title_lines(f"{city}{figures.year}年度各镇街行政规范性文件管理情况")),
        "city": city,
        "year": str(figures.year),
        "paragraph": overview(figures, city=city),
        "sec": section_numbers(present, SECTIONS),
        "rates": rates if figures.rows else [],
        "counts": counts if figures.rows else [],
        "note": (
            f"注：各镇街的数据即该镇街本年度统计（同一口径），“{TOTAL}”为各镇街之和；比率括号内为分子/分母，"
            f"分母为零的记“—”；逾期事项按统计日期{date_cn(counted_on)}计。"
        ),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("title", "标题（如 某某市2026年度各镇街行政规范性文件管理情况）", True),
    Field("city", "市名"),
    Field("year", "年度"),
    Field("paragraph", "全市总体情况段落", True),
    Field("sec", "各部分的序号（sec.overview、sec.rates、sec.counts；没有内容的部分为空）"),
    Field(
        "rates",
        "各镇街比率（最后一行为全市合计）",
        True,
        "r.no 序号，r.town 镇街，r.review_rate 合法性审查审核率，r.publication_rate 统一发布率，r.filing_rate 备案率，"
        "r.on_time_rate 报备及时率（均含分子/分母）",
    ),
    Field(
        "counts",
        "各镇街数量（最后一行为全市合计）",
        True,
        "c.no 序号，c.town 镇街，c.reviewed 审查文件，c.opinions 审查意见书，c.published 统一发布，"
        "c.in_force 现行有效，c.overdue_filing 逾期未报备，c.overdue_correction 逾期未补正，"
        "c.overdue_answer 市司法局逾期未答复",
    ),
    Field("note", "统计说明（口径、统计日期）"),
)


def _sample_figures() -> CityFigures:
    class Sample:
        def __init__(self, name: str):
            self.name = name

    def row(name: str | None, published: int, filed: int, in_force: int) -> TownRow:
        return TownRow(
            Sample(name) if name else None,
            {
                "review_rate": (published, published),
                "publication_rate": (published, published),
                "filing_rate": (filed, published),
                "on_time_rate": (filed, filed),
            },
            {"filing": published - filed, "correction": 0, "answer": 0},
            {"reviewed": published, "opinions": published, "published": published, "in_force": in_force},
        )

    rows = [row("甲镇", 3, 3, 12), row("乙街道", 2, 1, 9)]
    total = row(None, 5, 4, 21)
    labels = {
        "review_rate": "合法性审查审核率",
        "publication_rate": "统一发布率",
        "filing_rate": "备案率",
        "on_time_rate": "报备及时率",
    }
    return CityFigures(2026, rows, total, labels, {})


def samples() -> list[dict]:
    return [city_statistics_context(_sample_figures(), city="某某市", counted_on=date(2027, 1, 5))]


SPEC = TemplateSpec(KIND, FIELDS, samples)


def city_statistics_filename(year: int, city: str) -> str:
    return clean_filename(f"{short_title(city)}{year}年度各镇街行政规范性文件管理情况.docx")


def render_city_statistics(figures: CityFigures, *, city: str, now: datetime) -> store.Rendered:
    context = city_statistics_context(figures, city=city, counted_on=office_today(now))
    return store.render(KIND, context, city_statistics_filename(figures.year, city))
