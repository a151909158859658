"""The year's figures as a Word section of the annual report: context, template fields, samples, rendering.

Rendered on request and not stored: the figures of a past year come out the same (computed from dated records).
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace as NS

from tracker.common.timeutil import office_today
from tracker.files.uploads import clean_filename
from tracker.reports import stats as annual
from tracker.word import store
from tracker.word.models import OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import date_cn, short_title

KIND = OutputKind.ANNUAL_STATISTICS

# --- the context (pure) -------------------------------------------------------------------------------------

# What each rate counts: (numerator, denominator), as the office explains it in the report.
RATE_BASIS = {
    "review_rate": ("经合法性审查通过后发布的文件", "年内统一发布的文件"),
    "publication_rate": ("年底前在政府网站统一发布的文件", "年内登记编号的文件"),
    "filing_rate": ("已报送备案的文件", "年内统一发布的文件"),
    "on_time_rate": ("在规定期限内报送备案的文件", "已报送备案的文件"),
}


def annual_statistics_context(stats, *, town: str, paragraph: str, counted_on: date) -> dict:
    """The context of “{town}{year}年度行政规范性文件管理情况”: the report paragraph, the rates, the figures."""
    rates = []
    for i, rate in enumerate(stats.rates.values(), start=1):
        numerator, denominator = RATE_BASIS.get(rate.key, ("", ""))
        rates.append(
            {
                "no": i,
                "label": rate.label,
                "text": rate.text,
                "numerator": str(rate.numerator),
                "denominator": str(rate.denominator),
                "basis": f"{numerator}÷{denominator}" if numerator else "",
            }
        )
    figures = [
        {
            "no": i,
            "label": fig.label,
            "value": str(fig.value),
            "breakdown": "；".join(f"{k}{v}" for k, v in fig.breakdown.items()),
        }
        for i, fig in enumerate(stats.figures.values(), start=1)
    ]
    return {
        "title": f"{town}{stats.year}年度行政规范性文件管理情况",
        "town": town,
        "year": str(stats.year),
        "paragraph": (paragraph or "").strip(),
        "rates": rates,
        "figures": figures,
        "note": f"注：各项数据按有关记录的日期统计，统计日期为{date_cn(counted_on)}；比率的分母为零时记为“—”。",
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("title", "标题（如 某某镇2026年度行政规范性文件管理情况）", True),
    Field("town", "镇名"),
    Field("year", "年度"),
    Field("paragraph", "年度报告段落", True),
    Field(
        "rates",
        "各项比率",
        True,
        "r.no 序号，r.label 指标，r.text 比率，r.numerator 分子，r.denominator 分母，r.basis 计算口径",
    ),
    Field("figures", "各项数据", True, "f.no 序号，f.label 指标，f.value 数值，f.breakdown 构成"),
    Field("note", "统计说明（统计日期、口径）"),
)


def _sample_stats() -> NS:
    def rate(key: str, label: str, num: int, den: int) -> NS:
        text = f"{100 * num / den:g}%" if den else "—（无）"
        return NS(key=key, label=label, numerator=num, denominator=den, text=text)

    rates = [
        rate("review_rate", "合法性审查审核率", 2, 2),
        rate("publication_rate", "统一发布率", 2, 2),
        rate("filing_rate", "备案率", 1, 2),
        rate("on_time_rate", "报备及时率", 0, 0),
    ]
    figures = [
        NS(label="出具合法性审查意见书", value=2, breakdown={"合法，同意出台": 1, "基本合法，建议修改后出台": 1}),
        NS(label="开展规范性文件清理（次）", value=3, breakdown={"继续有效": 5, "废止": 1}),
        NS(label="年末现行有效的规范性文件", value=12, breakdown={}),
    ]
    return NS(year=2026, rates={r.key: r for r in rates}, figures={str(i): f for i, f in enumerate(figures)})


def samples() -> list[dict]:
    paragraph = "2026年，某某镇全年审查规范性文件2件，出具合法性审查意见书2份。"
    return [annual_statistics_context(_sample_stats(), town="某某镇", paragraph=paragraph, counted_on=date(2027, 1, 5))]


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def annual_statistics_filename(year: int, town: str) -> str:
    return clean_filename(f"{short_title(town)}{year}年度行政规范性文件管理情况.docx")


def render_annual_statistics(year: int, *, town: str, now: datetime) -> store.Rendered:
    """The year's figures as a section of the annual report: the paragraph, the rates table, the figures table."""
    figures = annual.annual(year)
    context = annual_statistics_context(
        figures, town=town, paragraph=annual.paragraph(figures, town), counted_on=office_today(now)
    )
    return store.render(KIND, context, annual_statistics_filename(year, town))
