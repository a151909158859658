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
from tracker.word.text import date_cn, section_numbers, short_title

KIND = OutputKind.ANNUAL_STATISTICS

# --- the context (pure) -------------------------------------------------------------------------------------

# What each rate counts: (numerator, denominator), as the office explains it in the report.
RATE_BASIS = {
    "review_rate": ("经合法性审查通过后发布的文件", "年内统一发布的文件"),
    "publication_rate": ("已在政府网站统一发布的文件（含年底签发、次年初发布的）", "年内登记编号的文件"),
    "filing_rate": ("已报送备案的文件", "年内统一发布的文件"),
    "on_time_rate": ("在规定期限内报送备案的文件", "已报送备案的文件"),
}


def _counts(breakdown: dict[str, int], unit: str, quote: bool = False) -> str:
    """“合法，同意出台”4份，“暂缓出台”1份 — the non-zero parts only."""
    return "，".join((f"“{k}”" if quote else k) + f"{v}{unit}" for k, v in breakdown.items() if v)


def section_paragraph(stats, town: str) -> str:
    """The year in sentences as the annual report writes them: a figure that is zero leaves no clause behind."""
    f, r = stats.figures, stats.rates
    sentences = []
    if r["review_rate"].denominator and r["review_rate"].percent == 100:
        # Claim that every document was reviewed only when the records say so.
        sentences.append(
            f"{town}严格落实行政规范性文件合法性审核机制，凡以镇政府或镇政府办公室名义印发的规范性文件"
            "均经司法所合法性审查"
        )
    review = []
    if f["reviewed"].value:
        review.append(f"全年审查规范性文件{f['reviewed'].value}件")
    if f["opinions"].value:
        by_conclusion = _counts(f["opinions"].breakdown, "份", quote=True)
        review.append(
            f"出具合法性审查意见书{f['opinions'].value}份" + (f"（{by_conclusion}）" if by_conclusion else "")
        )
    if review:
        sentences.append("，".join(review))
    if f["published"].value:
        rates = [f"{r[k].label}{r[k].text}" for k in ("review_rate", "publication_rate") if r[k].denominator]
        sentences.append("，".join([f"统一发布规范性文件{f['published'].value}件", *rates]))
    if r["filing_rate"].numerator:
        filing = [f"按规定向市司法局报送备案{r['filing_rate'].numerator}件", f"备案率{r['filing_rate'].text}"]
        if r["on_time_rate"].denominator:
            filing.append(f"报备及时率{r['on_time_rate'].text}")
        outcomes = _counts(f["filing_outcomes"].breakdown, "件", quote=True)
        if outcomes:
            filing.append(f"收到备案审查结果{f['filing_outcomes'].value}件（{outcomes}）")
        sentences.append("，".join(filing))
    later = []
    if f["cleanups"].value:
        results = _counts(f["cleanups"].breakdown, "件")
        later.append(f"开展规范性文件清理{f['cleanups'].value}次" + (f"（{results}）" if results else ""))
    if f["evaluations"].value:
        later.append(f"完成评估{f['evaluations'].value}件")
    if later:
        sentences.append("全年" + "，".join(later))
    if f["in_force"].value:
        expiring = f["expiring"].value
        sentences.append(
            f"截至年底，现行有效的规范性文件{f['in_force'].value}件"
            + (f"，其中{expiring}件{f['expiring'].label.removeprefix('未来')}" if expiring else "")
        )
    if f["solicitations"].value:
        sentences.append(f"全年答复上级征求意见稿{f['solicitations'].value}件")
    if not sentences:
        return f"{stats.year}年，{town}没有审查、发布、备案或清理规范性文件。"
    return f"{stats.year}年，" + "。".join(sentences) + "。"


SECTIONS = ("overview", "rates", "figures")


def annual_statistics_context(stats, *, town: str, paragraph: str, counted_on: date) -> dict:
    """The context of “{town}{year}年度行政规范性文件管理情况”: the paragraph, the rates, the figures.

    A rate without a denominator and a figure that is zero get no row; a section left empty gets no heading.
    """
    rates = []
    for rate in stats.rates.values():
        if not rate.denominator:
            continue
        numerator, denominator = RATE_BASIS.get(rate.key, ("", ""))
        rates.append(
            {
                "no": len(rates) + 1,
                "label": rate.label,
                "text": rate.text,
                "numerator": str(rate.numerator),
                "denominator": str(rate.denominator),
                "basis": f"{numerator}÷{denominator}" if numerator else "",
            }
        )
    figures = []
    for fig in stats.figures.values():
        if not fig.value:
            continue
        breakdown = "；".join(f"{k}{v}" for k, v in fig.breakdown.items() if v)
        figures.append({"no": len(figures) + 1, "label": fig.label, "value": str(fig.value), "breakdown": breakdown})
    present = ["overview", *(["rates"] if rates else []), *(["figures"] if figures else [])]
    return {
        "title": f"{town}{stats.year}年度行政规范性文件管理情况",
        "town": town,
        "year": str(stats.year),
        "paragraph": (paragraph or "").strip(),
        "sec": section_numbers(present, SECTIONS),
        "rates": rates,
        "figures": figures,
        "note": f"注：各项数据按有关记录的日期统计，统计日期为{date_cn(counted_on)}；数值为零的项目不列出。",
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("title", "标题（如 某某镇2026年度行政规范性文件管理情况）", True),
    Field("town", "镇名"),
    Field("year", "年度"),
    Field("paragraph", "年度报告段落", True),
    Field("sec", "各部分的序号（sec.overview、sec.rates、sec.figures；没有内容的部分为空）"),
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
        figures, town=town, paragraph=section_paragraph(figures, town), counted_on=office_today(now)
    )
    return store.render(KIND, context, annual_statistics_filename(year, town))
