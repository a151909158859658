"""The figures of the annual 法治政府建设年度报告 (docs/rules.md §7), computed from dated records.

Every figure is the count of a set of records whose dates fall in the year, so a past year's figures stay
the same after later changes. Each figure keeps the ids of the records behind it, for the links.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.cleanup.models import CleanupCampaign, CleanupItem, CleanupResult, Evaluation
from tracker.common.stamp import remembered
from tracker.documents.models import Document
from tracker.documents.states import DocStatus
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt, FilingResult
from tracker.publication.models import Publication
from tracker.publication.queries import in_force_filter
from tracker.review.models import Opinion, ReviewRound
from tracker.rules.models import Conclusion, Outcome
from tracker.rules.ruleset import get_rule
from tracker.solicitations.models import Solicitation

# What each figure counts, as the statistics page and docs/rules.md §7 state it (one text, beside the figure).
DEFINITIONS = {
    "opinions": "年内出具（出具日期在年内）的合法性审查意见书份数，按审查结论分项。",
    "reviewed": "年内出具过意见书的不同文件件数。",
    "published": "首次发布日期在年内的文件件数；评估后重新发布的不算新文件。",
    "review_rate": "分母为年内首次发布的文件；分子为其中在发布日当天或之前取得“通过”结论意见书的。",
    "publication_rate": "分母为首次签发登记编号在年内的文件；分子为其中已在门户网站统一发布（登记了发布网址）的，"
    "年底签发、次年初发布的也计入（与备案率对跨年报备的处理相同）。",
    "filing_rate": "分母为年内首次发布的文件；分子为其中已报送备案的：首次报送不晚于年底，"
    "或虽在次年但不晚于其报备期限。",
    "on_time_rate": "分母为备案率的分子（已报送）；分子为其中首次报送不晚于报备期限的。",
    "filing_outcomes": "年内收到（结果日期在年内）的备案审查结果条数，按结果分项。",
    "cleanups": "年内公布结果的清理次数；分项为这些清理中各结果的文件件数。",
    "ended": "终止日期在年内、因废止或宣布失效而终止的文件件数，无论是否经清理（清理公布、单独废止、新文件废止）；"
    "分项另列其中经清理的件数。",
    "evaluations": "年内完成（司法所同意）的评估件数。",
    "in_force": "12 月 31 日现行有效的文件件数。",
    "expiring": "年末现行有效、且年底时适用的有效期截止日在次年 1 月 1 日至年底后评估提前期（规则 evaluation_lead）"
    "之内的文件件数。",
    "solicitations": "年内答复（答复日期在年内）的上级征求意见稿件数；另列年内收到的件数。",
}


@dataclass
class Figure:
    key: str
    label: str
    value: int
    document_ids: list[int] = field(default_factory=list)
    breakdown: dict[str, int] = field(default_factory=dict)

    @property
    def definition(self) -> str:
        return DEFINITIONS.get(self.key, "")


@dataclass
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int
    numerator_ids: list[int] = field(default_factory=list)
    denominator_ids: list[int] = field(default_factory=list)

    @property
    def definition(self) -> str:
        return DEFINITIONS.get(self.key, "")

    @property
    def percent(self) -> float | None:
        return None if self.denominator == 0 else round(100 * self.numerator / self.denominator, 1)

    @property
    def text(self) -> str:
        return "—（无）" if self.percent is None else f"{self.percent:g}%"


@dataclass
class AnnualStatistics:
    year: int
    figures: dict[str, Figure]
    rates: dict[str, Rate]
    first_published_on: dict[int, date] = field(default_factory=dict)  # the day each of "published" was
    opinions_by_month: list[int] = field(default_factory=lambda: [0] * 12)  # opinions issued, January first

    def figure(self, key: str) -> Figure:
        return self.figures[key]


def _first_publications():

    return (
        sa.select(Publication.document_id, sa.func.min(Publication.id).label("pub_id"))
        .group_by(Publication.document_id)
        .subquery()
    )


def annual(year: int) -> AnnualStatistics:
    """The year's statistics, remembered until a record changes (common/stamp.py): every home page of the clerk
    and the leader shows them. Shared between requests: never change what this returns."""
    return remembered(("annual", year), lambda: count_year(year))


def _in_order(kinds, results) -> dict[str, int]:
    """How many of each result, by label, in the order the results are declared (never the order rows came in:
    PostgreSQL returns an unordered query's rows in any order)."""
    counts = Counter(results)
    return {kind.label: counts[kind] for kind in kinds if counts[kind]}


DATED = ("opinion", "outcome", "cleanup", "evaluation", "solicitation")


def _dated_records(start: date, end: date) -> dict[str, list[sa.Row]]:
    """The records dated in the year that the figures count, in one read (a UNION ALL of one SELECT per kind), by
    kind; every row has the same columns: (kind, document_id, number, text, day).

    - opinion: an opinion issued in the year; number = its id (the order of issue), text = its conclusion's label,
      day = the day it was issued;
    - outcome: a filing-review result received in the year (not a packet returned unaccepted); text = the result;
    - cleanup: a campaign whose results were published in the year, once per document in it (or once, with no
      document, when it has none); number = the campaign, text = the document's reviewed result;
    - evaluation: an evaluation concluded in the year;
    - solicitation: a request for comments received (document_id = 1) or replied to (number = 1) in the year.

    The results (enums) are read as their stored text: one column of a UNION has one type."""

    def text(column) -> sa.ColumnElement:
        return sa.cast(column, sa.String)

    def kind(name: str):
        return sa.literal_column(f"'{name}'").label("kind")

    no_text = sa.cast(sa.null(), sa.String)
    no_day = sa.cast(sa.null(), sa.Date)
    received = Solicitation.received_on.between(start, end)
    replied = Solicitation.sent_on.between(start, end)
    union = sa.union_all(
        sa.select(
            kind("opinion"),
            Opinion.document_id,
            Opinion.id.label("number"),
            Conclusion.label.label("text"),
            Opinion.issued_on.label("day"),
        )
        .join(ReviewRound, ReviewRound.id == Opinion.round_id)
        .join(Conclusion, Conclusion.id == ReviewRound.conclusion_id)
        .where(Opinion.issued_on.between(start, end)),
        sa.select(kind("outcome"), Filing.document_id, FilingAttempt.id, text(FilingAttempt.result), no_day)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .where(FilingAttempt.result_on.between(start, end), FilingAttempt.result != FilingResult.PACKET_RETURNED),
        sa.select(
            kind("cleanup"), CleanupItem.document_id, CleanupCampaign.id, text(CleanupItem.reviewed_result), no_day
        )
        .outerjoin(CleanupItem, CleanupItem.campaign_id == CleanupCampaign.id)
        .where(CleanupCampaign.published_on.between(start, end)),
        sa.select(kind("evaluation"), Evaluation.document_id, Evaluation.id, no_text, no_day).where(
            Evaluation.concluded_on.between(start, end)
        ),
        sa.select(
            kind("solicitation"),
            sa.case((received, 1), else_=0),
            sa.case((replied, 1), else_=0),
            no_text,
            no_day,
        ).where(sa.or_(received, replied)),
    )
    out: dict[str, list[sa.Row]] = {name: [] for name in DATED}
    for row in db.session.execute(union):
        out[row.kind].append(row)
    return out


def _ended_and_in_force(start: date, end: date) -> tuple[list[tuple[int, DocStatus]], list[tuple[int, date | None]]]:
    """In one read (a UNION ALL of two SELECTs of documents): the documents repealed or declared invalid in the
    year, with that status; and those in force at year end, with the validity then."""
    # The validity in force at year end is that of the latest publication published by then: a renewal in a
    # later year must not rewrite this year's figure.
    validity_at_end = (
        sa.select(Publication.validity_end_on)
        .where(Publication.document_id == Document.id, Publication.published_on <= end)
        .order_by(Publication.published_on.desc(), Publication.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.union_all(
            sa.select(
                sa.literal_column("'ended'").label("kind"),
                Document.id,
                sa.cast(Document.status, sa.String).label("status"),
                sa.cast(sa.null(), sa.Date).label("validity_end_on"),
            ).where(
                Document.ended_on.between(start, end), Document.status.in_([DocStatus.REPEALED, DocStatus.INVALID])
            ),
            sa.select(
                sa.literal_column("'in_force'"), Document.id, sa.cast(sa.null(), sa.String), validity_at_end
            ).where(in_force_filter(end)),
        )
    ).all()
    ended = [(r.id, DocStatus(r.status)) for r in rows if r.kind == "ended"]
    in_force = [(r.id, r.validity_end_on) for r in rows if r.kind == "in_force"]
    return ended, in_force


def count_year(year: int) -> AnnualStatistics:
    """The year's statistics counted afresh from the records."""

    start, end = date(year, 1, 1), date(year, 12, 31)
    figures: dict[str, Figure] = {}
    rates: dict[str, Rate] = {}

    dated = _dated_records(start, end)

    # Review: opinions issued in the year, by conclusion (in the order they were issued).
    opinions = [(r.document_id, r.text) for r in sorted(dated["opinion"], key=lambda r: r.number)]
    figures["opinions"] = Figure(
        "opinions",
        "出具合法性审查意见书",
        len(opinions),
        sorted({d for d, _ in opinions}),
        dict(Counter(label for _, label in opinions)),
    )
    figures["reviewed"] = Figure(
        "reviewed", "审查的规范性文件", len({d for d, _ in opinions}), sorted({d for d, _ in opinions})
    )

    # Documents first published in the year (a renewal is not a new document), and (for 统一发布率 below) those
    # numbered in the year, with what the rates need of each in the same read: whether a "passed" opinion was issued
    # on or before a publication day (合法性审查审核率), and the filing of the first publication (备案率).
    first = _first_publications()
    reviewed_in_time = (
        sa.select(Opinion.id)
        .join(ReviewRound, ReviewRound.id == Opinion.round_id)
        .join(Conclusion, Conclusion.id == ReviewRound.conclusion_id)
        .join(Publication, Publication.document_id == Opinion.document_id)
        .where(
            Opinion.document_id == first.c.document_id,
            Conclusion.outcome == Outcome.PASS,
            Opinion.issued_on <= Publication.published_on,
        )
        .exists()
    )
    firsts = db.session.execute(
        sa.select(
            first.c.document_id,
            sa.case((reviewed_in_time, 1), else_=0).label("passed"),
            Publication.published_on,
            Publication.signed_on,
            Publication.url,
            Filing.first_submitted_on,
            Filing.due_on,
        )
        .join(first, first.c.pub_id == Publication.id)
        .outerjoin(Filing, Filing.publication_id == first.c.pub_id)
        .where(sa.or_(Publication.published_on.between(start, end), Publication.signed_on.between(start, end)))
    ).all()
    published = [r for r in firsts if r.published_on is not None and start <= r.published_on <= end]
    published_ids = sorted(r.document_id for r in published)
    figures["published"] = Figure("published", "统一发布的规范性文件", len(published_ids), published_ids)
    first_published_on = {r.document_id: r.published_on for r in published}

    # 合法性审查审核率: published documents that passed legality review before publication.
    passed = sorted(r.document_id for r in published if r.passed)
    rates["review_rate"] = Rate(
        "review_rate", "合法性审查审核率", len(passed), len(published_ids), passed, published_ids
    )

    # 统一发布率: documents numbered in the year that were published on the website. A document signed in late
    # December and published in January counts for its signing year, as 备案率 counts a filing made in January.
    numbered = [r for r in firsts if r.signed_on is not None and start <= r.signed_on <= end]
    numbered_ids = sorted(r.document_id for r in numbered)
    on_web = sorted(r.document_id for r in numbered if r.published_on is not None and r.url)
    rates["publication_rate"] = Rate(
        "publication_rate", "统一发布率", len(on_web), len(numbered_ids), on_web, numbered_ids
    )

    # 备案率 and 报备及时率: documents published in the year, filed by year end or within their deadline.
    submitted = [r for r in published if r.first_submitted_on is not None]
    filed = sorted(r.document_id for r in submitted if r.first_submitted_on <= max(end, r.due_on))
    on_time = sorted(r.document_id for r in submitted if r.first_submitted_on <= r.due_on)
    rates["filing_rate"] = Rate("filing_rate", "备案率", len(filed), len(published_ids), filed, published_ids)
    rates["on_time_rate"] = Rate("on_time_rate", "报备及时率", len(on_time), len(filed), on_time, filed)

    # Filing-review outcomes received in the year (a packet returned unaccepted is not a review's outcome).
    outcomes = [(r.document_id, FilingResult(r.text)) for r in dated["outcome"]]
    figures["filing_outcomes"] = Figure(
        "filing_outcomes",
        "备案审查结果",
        len(outcomes),
        sorted({d for d, _ in outcomes}),
        _in_order(FilingResult, (r for _, r in outcomes)),
    )

    # Clean-up: campaigns whose results were published in the year, results per category.
    campaign_items = dated["cleanup"]
    items = [
        (r.document_id, CleanupResult(r.text) if r.text is not None else None)
        for r in campaign_items
        if r.document_id is not None
    ]
    figures["cleanups"] = Figure(
        "cleanups",
        "开展规范性文件清理（次）",
        len({r.number for r in campaign_items}),
        sorted({d for d, _ in items}),
        _in_order(CleanupResult, (r for _, r in items if r is not None)),
    )

    lead = get_rule("evaluation_lead")
    horizon = end + relativedelta(months=lead.value)
    ended, in_force_rows = _ended_and_in_force(start, end)

    # Repeals and declarations of invalidity by their date, campaign or not (a clean-up's are a part of them).
    via_cleanup = {d for d, r in items if r is not None and r.value in ("repeal", "declare_invalid")}
    how = {DocStatus.REPEALED: "废止", DocStatus.INVALID: "宣布失效"}
    ended_breakdown = dict(Counter(how[s] for _, s in sorted(ended, key=lambda r: r[1] is DocStatus.INVALID)))
    if ended:
        ended_breakdown["其中经清理"] = len({d for d, _ in ended} & via_cleanup)
    figures["ended"] = Figure(
        "ended", "废止、宣布失效的规范性文件", len(ended), sorted(d for d, _ in ended), ended_breakdown
    )

    evaluations = [r.document_id for r in dated["evaluation"]]
    figures["evaluations"] = Figure("evaluations", "完成评估", len(evaluations), sorted(set(evaluations)))

    in_force = sorted(d for d, _ in in_force_rows)
    figures["in_force"] = Figure("in_force", "年末现行有效的规范性文件", len(in_force), in_force)
    expiring = sorted(d for d, until in in_force_rows if until is not None and end < until <= horizon)
    figures["expiring"] = Figure("expiring", f"未来{lead.value}个月内有效期届满", len(expiring), expiring)

    solicitations = dated["solicitation"]
    received = sum(r.document_id for r in solicitations)
    replied = sum(r.number for r in solicitations)
    figures["solicitations"] = Figure(
        "solicitations", "答复上级征求意见稿（件）", replied, breakdown={"收到": received, "答复": replied}
    )
    by_month = [0] * 12
    for r in dated["opinion"]:
        by_month[r.day.month - 1] += 1
    return AnnualStatistics(year, figures, rates, first_published_on, by_month)


def paragraph(stats: AnnualStatistics, town: str) -> str:
    """The figures as the paragraph of a real annual report."""
    f, r = stats.figures, stats.rates
    by_conclusion = "，".join(f"“{k}”{v}份" for k, v in f["opinions"].breakdown.items())
    cleanup = "，".join(f"{k}{v}件" for k, v in f["cleanups"].breakdown.items())
    outcomes = "，".join(f"“{k}”{v}件" for k, v in f["filing_outcomes"].breakdown.items())
    # Claim that every document was reviewed only when the records say so.
    all_reviewed = r["review_rate"].percent == 100
    opening = (
        f"{stats.year}年，{town}严格落实行政规范性文件合法性审核机制，凡以镇政府或镇政府办公室名义印发的"
        "规范性文件均经司法所合法性审查，"
        if all_reviewed
        else f"{stats.year}年，{town}"
    )
    return (
        opening
        + f"全年审查规范性文件{f['reviewed'].value}件，出具合法性审查意见书{f['opinions'].value}份"
        + (f"（{by_conclusion}）" if by_conclusion else "")
        + "；"
        f"统一发布规范性文件{f['published'].value}件，合法性审查审核率{r['review_rate'].text}，统一发布率{r['publication_rate'].text}；"
        f"按规定向市司法局报送备案{r['filing_rate'].numerator}件，备案率{r['filing_rate'].text}，报备及时率{r['on_time_rate'].text}"
        + (f"，收到备案审查结果{f['filing_outcomes'].value}件（{outcomes}）" if outcomes else "")
        + "。"
        f"全年开展规范性文件清理{f['cleanups'].value}次"
        + (f"（{cleanup}）" if cleanup else "")
        + (
            f"，全年废止规范性文件{f['ended'].breakdown.get('废止', 0)}件、"
            f"宣布失效{f['ended'].breakdown.get('宣布失效', 0)}件"
            if f["ended"].value
            else ""
        )
        + f"，完成评估{f['evaluations'].value}件；截至年底，现行有效的规范性文件{f['in_force'].value}件，"
        f"其中{f['expiring'].value}件{f['expiring'].label.removeprefix('未来')}。"
        f"全年答复上级征求意见稿{f['solicitations'].value}件。"
    )


def figure_records(year: int, key: str, *, visible) -> list[dict]:
    """One row per counted record: {document, detail, url?}. `visible` is the reader's document filter."""

    start, end = date(year, 1, 1), date(year, 12, 31)
    if key == "opinions":
        rows = db.session.execute(
            sa.select(Opinion, Conclusion.label, Document)
            .join(ReviewRound, ReviewRound.id == Opinion.round_id)
            .join(Conclusion, Conclusion.id == ReviewRound.conclusion_id)
            .join(Document, Document.id == Opinion.document_id)
            .where(Opinion.issued_on.between(start, end), visible)
            .order_by(Opinion.issued_on, Opinion.id)
        ).all()
        return [{"document": d, "detail": f"{o.number}（{o.issued_on.isoformat()}）：{label}"} for o, label, d in rows]
    if key == "filing_outcomes":
        rows = db.session.execute(
            sa.select(FilingAttempt, Document)
            .join(Filing, Filing.id == FilingAttempt.filing_id)
            .join(Document, Document.id == Filing.document_id)
            .where(
                FilingAttempt.result_on.between(start, end),
                FilingAttempt.result != FilingResult.PACKET_RETURNED,
                visible,
            )
            .order_by(FilingAttempt.result_on, FilingAttempt.id)
        ).all()
        return [{"document": d, "detail": f"{a.result.label}（{a.result_on.isoformat()}）"} for a, d in rows]
    if key == "cleanups":
        campaigns = db.session.scalars(
            sa.select(CleanupCampaign)
            .where(CleanupCampaign.published_on.between(start, end))
            .order_by(CleanupCampaign.id)
        ).all()
        return [
            {
                "title": c.name,
                "url": ("cleanup.show", {"campaign_id": c.id}),
                "detail": f"{c.kind.label}，{c.published_on.isoformat()} 公布，{len(c.items)} 件文件",
            }
            for c in campaigns
        ]
    if key == "solicitations":
        sols = db.session.scalars(
            sa.select(Solicitation)
            .where(Solicitation.sent_on.between(start, end))
            .order_by(Solicitation.sent_on, Solicitation.id)
        ).all()
        return [
            {
                "title": s.title,
                "url": ("solicitations.show", {"sol_id": s.id}),
                "detail": f"{s.from_body}，{s.sent_on.isoformat()} 答复",
            }
            for s in sols
        ]
    if key == "evaluations":
        rows = db.session.execute(
            sa.select(Evaluation, Document)
            .join(Document, Document.id == Evaluation.document_id)
            .where(Evaluation.concluded_on.between(start, end), visible)
            .order_by(Evaluation.concluded_on)
        ).all()
        return [
            {"document": d, "detail": f"{e.conclusion.label if e.conclusion else ''}（{e.concluded_on.isoformat()}）"}
            for e, d in rows
        ]
    return document_records(annual(year).figures[key].document_ids, visible=visible)


def document_records(ids: list[int], *, visible) -> list[dict]:
    """The documents behind a figure or a rate that the reader may see, with their state."""

    docs = db.session.scalars(
        sa.select(Document).where(Document.id.in_(ids or [0]), visible).order_by(Document.id)
    ).all()
    return [{"document": d, "detail": d.status.label} for d in docs]
