"""The annual figures (docs/rules.md §7) of tracker.reports.stats.annual vs a hand count of tests/reports/year.py."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.reports import year
from tests.reports.year import Year
from tracker.documents.states import DocStatus
from tracker.filing.models import Filing
from tracker.reports import stats

ALL_REVIEWED = "均经司法所合法性审查"


def rates_by_key(y: Year, s: stats.AnnualStatistics) -> dict:
    return {
        k: (r.numerator, r.denominator, r.percent, y.keys(r.numerator_ids), y.keys(r.denominator_ids))
        for k, r in s.rates.items()
    }


def figures_by_key(y: Year, s: stats.AnnualStatistics) -> dict:
    return {k: (f.value, f.breakdown, y.keys(f.document_ids)) for k, f in s.figures.items()}


def snapshot(y: Year, yr: int) -> tuple[dict, dict]:
    s = stats.annual(yr)
    return rates_by_key(y, s), figures_by_key(y, s)


PUBLISHED_2025 = {"R1", "A1", "A2", "I1", "A4", "A7", "A5"}


def test_the_filing_deadlines_the_hand_count_relies_on(db, world):
    """15 calendar days from publication; none of these falls on a rest day."""
    y = year.build(world)
    due = {
        y.key_of(doc_id): due_on.isoformat()
        for doc_id, due_on in db.session.execute(sa.select(Filing.document_id, Filing.due_on))
        if y.key_of(doc_id) in PUBLISHED_2025 | {"P0"}
    }
    assert due == {
        "P0": "2024-12-17",
        "R1": "2025-01-21",
        "A1": "2025-03-18",
        "A2": "2025-04-29",
        "I1": "2025-05-21",
        "A4": "2025-06-18",
        "A7": "2025-12-30",
        "A5": "2026-01-06",
    }


def test_every_figure_and_rate_of_2025_matches_the_hand_count(db, world):
    y = year.build(world)
    rates, figures = snapshot(y, 2025)
    assert rates == {
        # Published for the first time in 2025: seven, of which the import (I1) was never reviewed.
        "review_rate": (6, 7, 85.7, {"R1", "A1", "A2", "A4", "A7", "A5"}, PUBLISHED_2025),
        # Numbered in 2025 (R1 was numbered in 2024; X2 is published only in 2026; I1 has no website address).
        "publication_rate": (5, 7, 71.4, {"A1", "A2", "A4", "A7", "A5"}, {"A1", "A2", "I1", "A4", "A7", "A5", "X2"}),
        # Filed by year end or, after it, within the deadline (A5 on 2026-01-05, due 01-06); A4 never, A7 only on
        # 2026-01-08 (due 2025-12-30).
        "filing_rate": (5, 7, 71.4, {"R1", "A1", "A2", "I1", "A5"}, PUBLISHED_2025),
        # Of those five, A2 was late (2025-05-20, due 04-29).
        "on_time_rate": (4, 5, 80.0, {"R1", "A1", "I1", "A5"}, {"R1", "A1", "A2", "I1", "A5"}),
    }
    reviewed = {"A1", "A2", "A4", "X1", "A7", "A5", "X2"}
    in_force = {"OLD", "E1", "E2", "E3", "P0", "R1", "A1", "A2"}
    assert figures == {
        # A2 had two opinions (returned, then passed with changes); R1 and P0 were reviewed in 2024.
        "opinions": (
            8,
            {"合法，同意出台": 5, "应当修改后重新送审": 1, "基本合法，建议修改后出台": 1, "不合法，不同意出台": 1},
            reviewed,
        ),
        "reviewed": (7, {}, reviewed),
        # OLD's renewal (republished 2025-03-03) is not a new document.
        "published": (7, {}, PUBLISHED_2025),
        # Results dated 2025, whatever the year of publication: P0, R1, A1 予以备案; A2 补正 then 予以备案; I1 不予备案.
        "filing_outcomes": (
            6,
            {"予以备案": 4, "暂缓登记、限期补正": 1, "不予备案": 1},
            {"P0", "R1", "A1", "A2", "I1"},
        ),
        # C1 only (C2 is not published): the ten documents in force on the cut-off 2025-09-30.
        "cleanups": (
            1,
            {"继续有效": 7, "修改": 1, "废止": 1, "宣布失效": 1},
            in_force | {"I1", "A4"},
        ),
        # I1 (废止) and A4 (宣布失效) ended on 2025-10-20, both through C1.
        "ended": (2, {"废止": 1, "宣布失效": 1, "其中经清理": 2}, {"I1", "A4"}),
        "evaluations": (2, {}, {"OLD", "E1"}),
        # I1 and A4 ended on 2025-10-20 (clean-up); A7 and A5 take effect only in 2026.
        "in_force": (8, {}, in_force),
        # Validity ending 2026-01-01 .. 2026-06-30: E1 (01-31), E2 (06-30); not E3 (07-01).
        "expiring": (2, {}, {"E1", "E2"}),
        # Received in 2025: S1, S4, S2; answered in 2025: S3 (received 2024), S1. S2 was answered in 2026.
        "solicitations": (2, {"收到": 3, "答复": 2}, set()),
    }
    s = stats.annual(2025)
    assert [r.label for r in s.rates.values()] == ["合法性审查审核率", "统一发布率", "备案率", "报备及时率"]
    assert [r.text for r in s.rates.values()] == ["85.7%", "71.4%", "71.4%", "80%"]
    assert s.figures["expiring"].label == "未来6个月内有效期届满"


def test_the_figures_of_2024(db, world):
    y = year.build(world)
    rates, figures = snapshot(y, 2024)
    assert rates == {
        "review_rate": (1, 1, 100.0, {"P0"}, {"P0"}),
        # R1 was numbered on 2024-12-18 and published on 2025-01-06: published, and counted for 2024 (docs/rules.md
        # §7: the year-end lag is treated as 备案率 treats a January filing).
        "publication_rate": (2, 2, 100.0, {"P0", "R1"}, {"P0", "R1"}),
        "filing_rate": (1, 1, 100.0, {"P0"}, {"P0"}),
        "on_time_rate": (1, 1, 100.0, {"P0"}, {"P0"}),
    }
    figures.pop("expiring")  # see test_a_renewal_does_not_rewrite_the_expiring_figure_of_earlier_years
    assert figures == {
        "opinions": (2, {"合法，同意出台": 2}, {"P0", "R1"}),
        "reviewed": (2, {}, {"P0", "R1"}),
        "published": (1, {}, {"P0"}),
        "filing_outcomes": (0, {}, set()),  # P0's result came on 2025-01-10
        "cleanups": (0, {}, set()),
        "ended": (0, {}, set()),
        "evaluations": (0, {}, set()),
        "in_force": (4, {}, {"OLD", "E1", "E2", "E3"}),  # P0 took effect on 2025-01-02
        "solicitations": (0, {"收到": 1, "答复": 0}, set()),
    }


def _unordered(text: str) -> str:
    """Sort the items of each （…） list: the paragraph's order of categories is not a claim."""
    return re.sub(r"（([^（）]*)）", lambda m: "（" + "，".join(sorted(m.group(1).split("，"))) + "）", text)


def test_the_paragraph_claims_that_all_were_reviewed_only_when_the_rate_is_100_percent(db, world):
    year.build(world)
    p2025 = stats.paragraph(stats.annual(2025), "测试镇")
    assert ALL_REVIEWED not in p2025
    assert _unordered(p2025) == _unordered(
        "2025年，测试镇全年审查规范性文件7件，出具合法性审查意见书8份（“合法，同意出台”5份，“应当修改后重新送审”1份，"
        "“基本合法，建议修改后出台”1份，“不合法，不同意出台”1份）；统一发布规范性文件7件，合法性审查审核率85.7%，"
        "统一发布率71.4%；按规定向市司法局报送备案5件，备案率71.4%，报备及时率80%，收到备案审查结果6件（“予以备案”4件，"
        "“暂缓登记、限期补正”1件，“不予备案”1件）。全年开展规范性文件清理1次（继续有效7件，修改1件，废止1件，宣布失效1件），"
        "全年废止规范性文件1件、宣布失效1件，完成评估2件；截至年底，现行有效的规范性文件8件，其中2件6个月内有效期届满。全年答复上级征求意见稿2件。"
    )

    p2024 = stats.paragraph(stats.annual(2024), "测试镇")
    assert p2024.startswith(
        "2024年，测试镇严格落实行政规范性文件合法性审核机制，凡以镇政府或镇政府办公室名义印发的规范性文件"
        "均经司法所合法性审查，全年审查规范性文件2件，出具合法性审查意见书2份（“合法，同意出台”2份）；"
        "统一发布规范性文件1件，合法性审查审核率100%，统一发布率100%；按规定向市司法局报送备案1件，备案率100%，"
        "报备及时率100%。全年开展规范性文件清理0次，完成评估0件；截至年底，现行有效的规范性文件4件，"
    )
    assert p2024.endswith("全年答复上级征求意见稿0件。")

    # Nothing published: no rate at all, and no claim either.
    p2023 = stats.paragraph(stats.annual(2023), "测试镇")
    assert ALL_REVIEWED not in p2023
    assert "合法性审查审核率—（无）" in p2023 and p2023.startswith("2023年，测试镇全年审查规范性文件0件")


def test_later_changes_leave_the_figures_of_past_years_as_they_were(db, world):
    y = year.build(world)
    before = {yr: snapshot(y, yr) for yr in (2024, 2025)}

    year.next_year(world, y)
    # The changes happened: X2 published in 2026, A5/A7 results in 2026, E2 repealed on 2026-03-02.
    db.session.expire_all()
    assert y.docs["E2"].status is DocStatus.REPEALED and y.docs["X2"].status is DocStatus.PUBLISHED
    _, figures_2026 = snapshot(y, 2026)
    assert figures_2026["published"] == (1, {}, {"X2"})
    assert figures_2026["filing_outcomes"] == (2, {"予以备案": 1, "暂缓登记、限期补正": 1}, {"A5", "A7"})

    after = {yr: snapshot(y, yr) for yr in (2024, 2025)}
    # One figure moves, by design: X2, numbered on 2025-12-17 and published on 2026-01-05, now counts as published
    # for 2025 (docs/rules.md §7, 统一发布率); every other figure of 2024 and 2025 is as it was.
    rates_2025, _ = before[2025]
    moved = dict(
        rates_2025,
        publication_rate=(6, 7, 85.7, {"A1", "A2", "A4", "A7", "A5", "X2"}, rates_2025["publication_rate"][4]),
    )
    assert after == {2024: before[2024], 2025: (moved, before[2025][1])}


def test_a_renewal_does_not_rewrite_the_expiring_figure_of_earlier_years(db, world):
    """Expiring within 6 months after the year end is a fact of that year end: OLD's validity ran to 2025-06-30 on
    2024-12-31 (it was renewed only on 2025-03-03); E1's ran to 2026-01-31 on 2025-12-31 (renewed 2026-01-20)."""
    y = year.build(world)
    _, figures_2024 = snapshot(y, 2024)
    year.renew_e1(world, y)
    _, figures_2025 = snapshot(y, 2025)
    assert {"2024": figures_2024["expiring"], "2025 after E1's renewal": figures_2025["expiring"]} == {
        "2024": (1, {}, {"OLD"}),
        "2025 after E1's renewal": (2, {}, {"E1", "E2"}),
    }
