"""The annual statistics pages: the records behind each figure, who may see them, the Excel export."""

from __future__ import annotations

import html
import io
import re

import pytest
from openpyxl import load_workbook

from tests.pages import text
from tests.reports import year

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URLS = [
    "/reports/annual?year=2025",
    "/reports/annual/2025/records/published",
    "/reports/annual/2025/records/review_rate?part=denominator",
    "/reports/annual/2025.xlsx",
]

PUBLISHED = {"R1", "A1", "A2", "I1", "A4", "A7", "A5"}
IN_FORCE = {"OLD", "E1", "E2", "E3", "P0", "R1", "A1", "A2"}
REVIEWED = {"A1", "A2", "A4", "X1", "A7", "A5", "X2"}
# Counted by hand from tests/reports/year.py (see test_annual.py for the reasons): url -> documents listed.
PER_RECORD = {"opinions", "filing_outcomes"}
RECORDS = {
    "review_rate?part=numerator": {"R1", "A1", "A2", "A4", "A7", "A5"},
    "review_rate?part=denominator": PUBLISHED,
    "publication_rate?part=numerator": {"A1", "A2", "A4", "A7", "A5"},
    "publication_rate?part=denominator": {"A1", "A2", "I1", "A4", "A7", "A5", "X2"},
    "filing_rate?part=numerator": {"R1", "A1", "A2", "I1", "A5"},
    "filing_rate?part=denominator": PUBLISHED,
    "on_time_rate?part=numerator": {"R1", "A1", "I1", "A5"},
    "on_time_rate?part=denominator": {"R1", "A1", "A2", "I1", "A5"},
    "opinions": REVIEWED,
    "reviewed": REVIEWED,
    "published": PUBLISHED,
    "filing_outcomes": {"P0", "R1", "A1", "A2", "I1"},
    "evaluations": {"OLD", "E1"},
    "in_force": IN_FORCE,
    "expiring": {"E1", "E2"},
}


def listed(response) -> tuple[str, list[int]]:
    """(the heading, the document ids in the records table)."""
    page = text(response)
    heading = html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S).group(1))
    table = re.search(r'data-testid="records">(.*?)</table>', page, re.S).group(1)
    return heading, [int(i) for i in re.findall(r'href="/documents/(\d+)"', table)]


def test_each_figure_lists_exactly_the_documents_behind_it(db, world, login_as):
    y = year.build(world)
    c = login_as("clerk")
    found = {}
    for key, expected in RECORDS.items():
        r = c.get(f"/reports/annual/2025/records/{key}")
        assert r.status_code == 200, key
        heading, ids = listed(r)
        if key in PER_RECORD:
            # One row per opinion / filing result (a document may appear more than once); the documents behind them.
            found[key] = y.keys(sorted(set(ids)))
            continue
        assert len(ids) == len(set(ids)) and ids == sorted(ids), key
        assert heading.endswith(f"（{len(expected)} 件）"), (key, heading)
        found[key] = y.keys(ids)
    assert found == RECORDS
    heading, _ = listed(c.get("/reports/annual/2025/records/review_rate?part=denominator"))
    assert heading == "2025 年：合法性审查审核率（分母）（7 件）"
    assert c.get("/reports/annual/2025/records/nonsense").status_code == 404


def test_every_figure_on_the_page_links_to_as_many_records_as_it_counts(db, world, login_as):
    """A reader who clicks “8” next to 出具合法性审查意见书 expects eight records, not seven documents."""
    year.build(world)
    c = login_as("leader")
    page = text(c.get("/reports/annual?year=2025"))
    cells = re.findall(r'<tr data-figure="(\w+)"><td>[^<]*</td>\s*<td>(.*?)</td>', page, re.S)
    assert len(cells) == 10
    mismatched = {}
    for key, cell in cells:
        link = re.search(r'<a href="([^"]+)">(\d+)</a>', cell)
        if link is None:
            mismatched[key] = f"{cell.strip()}, no link"
            continue
        records_page = c.get(html.unescape(link.group(1)))
        heading, _ = listed(records_page)
        rows = re.findall(r"<tr data-record", text(records_page))
        if int(link.group(2)) != len(rows):
            mismatched[key] = f"{link.group(2)} on the page, {len(rows)} listed ({heading})"
    assert mismatched == {}


@pytest.mark.parametrize("who", ROLES)
def test_drafting_units_have_no_access_to_the_statistics(db, world, login_as, who):
    c = login_as(who)
    for url in URLS:
        r = c.get(url)
        assert r.status_code == (403 if who.startswith("drafter") else 200), (who, url)


def test_the_excel_export_opens_with_a_header_row_and_the_figures(db, world, login_as):
    year.build(world)
    r = login_as("leader").get("/reports/annual/2025.xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "filename*=UTF-8''2025" in r.headers["Content-Disposition"]

    wb = load_workbook(io.BytesIO(r.data))
    ws = wb.active
    assert ws.title == "2025年统计"
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0][0] == "测试镇2025年度行政规范性文件管理情况统计"
    assert rows[2] == ("指标", "数值", "分子", "分母", "说明", "口径")
    assert all(cell.font.bold for cell in ws[3])
    assert ws.freeze_panes == "A4"
    assert (ws.column_dimensions["A"].width, ws.column_dimensions["E"].width) == (34, 70)

    def parts(detail):
        return set(detail.split("；")) if detail else set()

    # Every row states its definition (docs/rules.md §7), the same text as the page.
    assert all(row[5] and row[5].endswith("。") for row in rows[3:])
    body = [(label, value, num, den, parts(detail)) for label, value, num, den, detail, _ in rows[3:]]
    assert body == [
        ("合法性审查审核率", 85.7, 6, 7, {"百分比"}),
        ("统一发布率", 71.4, 5, 7, {"百分比"}),
        ("备案率", 71.4, 5, 7, {"百分比"}),
        ("报备及时率", 80, 4, 5, {"百分比"}),
        (
            "出具合法性审查意见书",
            8,
            None,
            None,
            {"合法，同意出台：5", "应当修改后重新送审：1", "基本合法，建议修改后出台：1", "不合法，不同意出台：1"},
        ),
        ("审查的规范性文件", 7, None, None, set()),
        ("统一发布的规范性文件", 7, None, None, set()),
        ("备案审查结果", 6, None, None, {"予以备案：4", "暂缓登记、限期补正：1", "不予备案：1"}),
        ("开展规范性文件清理（次）", 1, None, None, {"继续有效：7", "修改：1", "废止：1", "宣布失效：1"}),
        ("废止、宣布失效的规范性文件", 2, None, None, {"废止：1", "宣布失效：1", "其中经清理：2"}),
        ("完成评估", 2, None, None, set()),
        ("年末现行有效的规范性文件", 8, None, None, set()),
        ("未来6个月内有效期届满", 2, None, None, set()),
        ("答复上级征求意见稿（件）", 2, None, None, {"收到：3", "答复：2"}),
    ]


def test_a_year_without_records_exports_dashes_for_the_rates(db, world, login_as):
    wb = load_workbook(io.BytesIO(login_as("clerk").get("/reports/annual/2019.xlsx").data))
    rows = [tuple(c.value for c in row) for row in wb.active.iter_rows(min_row=4)]
    assert [row[1:4] for row in rows[:4]] == [("—", 0, 0)] * 4
    assert [row[1] for row in rows[4:]] == [0] * 10
