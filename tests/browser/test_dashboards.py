"""Issue 8 through the browser: each role's dashboard, Chinese search, the annual statistics and the exports.

Every expectation is written by hand from the stories of tracker/demo.py. The module runs on its own freshly
loaded demo town (the shared server's walks publish, end and clean up documents), so the counts are exact.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_wait, demo_server, download, user_opener
from tracker.common.timeutil import now_utc, office_today

pytestmark = pytest.mark.browser

PASS = "合法，同意出台"
REGISTERED, CORRECTION = "予以备案", "暂缓登记、限期补正"
FILING_DAYS = 15  # rule set: filing within 15 days of publication (the due date only moves later, past rest days)


@pytest.fixture(scope="module")
def town(tmp_path_factory):
    """A live server of its own with a freshly loaded demo town."""
    with demo_server(tmp_path_factory.mktemp("town")) as server:
        yield server


@pytest.fixture
def as_townsperson(browser, town):
    with user_opener(browser, town) as open_as:
        yield open_as


# --- the demo's stories, by hand ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """A document taken through _published(town, doc, ago(submitted)): opinion 8 days after submission, signed
    after 16, published after 18, in force `effect_gap` days after publication."""

    title: str
    submitted: int
    filed_after: int | None  # days after publication it was filed (None: not filed)
    result_after: int | None  # days after publication the filing-review result came
    result: str | None
    effect_gap: int = 30
    validity_years: int | None = 5  # None: no validity end (validity="none"); 2 for 暂行/试行
    ended: int | None = None  # ended that many days ago (repealed, declared invalid, replaced)
    ended_as: str | None = None  # 废止 or 宣布失效 (a replaced document is not counted as ended)


PUBLISHED = (
    Published(
        "沙溪镇重点项目征地拆迁补偿办法", 2060, 7, 30, REGISTERED, validity_years=None, ended=150, ended_as="废止"
    ),
    Published(
        "沙溪镇村庄规划建设管理规定", 1900, 9, 30, REGISTERED, validity_years=None, ended=150, ended_as="宣布失效"
    ),
    Published("沙溪镇村（社区）集体经济组织财务管理办法", 1790, 5, 35, REGISTERED),
    # Replaced by 来穗人员服务管理办法 the day that one took effect: published 182 days ago, in force 30 days later.
    Published("沙溪镇流动人口服务管理办法", 1390, 8, 30, REGISTERED, ended=152),
    Published("沙溪镇农村危房改造补助办法（暂行）", 980, 3, 30, REGISTERED, validity_years=2),
    Published("沙溪镇农业产业化扶持资金管理办法", 270, 9, 30, REGISTERED),
    Published("沙溪镇社区网格化服务管理办法", 220, 14, 41, REGISTERED),
    Published("沙溪镇来穗人员服务管理办法", 200, 10, 35, REGISTERED),
    Published("沙溪镇出租屋安全管理规定", 170, 12, 40, CORRECTION, effect_gap=10),
    Published("沙溪镇高龄老人津贴发放办法", 35, 6, None, None),
    Published("沙溪镇文明养犬管理规定（试行）", 28, None, None, None, validity_years=2),
    # Filed in the product to the city's bureau, which has not accepted it yet.
    Published("沙溪镇农村生活污水处理设施管理办法", 30, 8, None, None),
)
# Opinions on documents not (yet) published: (title, issued that many days ago, conclusion).
OTHER_OPINIONS = (
    ("沙溪镇集体资产交易管理办法", 40, "暂缓出台"),
    ("沙溪镇商业网点设置准入管理办法", 36, "不合法，不同意出台"),
    ("沙溪镇农村集体土地承包经营权流转管理办法", 30, "退回补充程序或材料"),
    ("沙溪镇占道经营管理规定", 20, "应当修改后重新送审"),
    ("沙溪镇村级工程建设项目管理办法", 26 - 8, PASS),
    ("沙溪镇扶持个体工商户发展若干措施", 25 - 8, PASS),
    ("沙溪镇防汛防台风应急物资储备管理办法", 20 - 8, PASS),
)
SIGNED_NOT_PUBLISHED = (("沙溪镇村级工程建设项目管理办法", 2),)
# Every document's status today.
STATUSES = {
    "已废止": 1,  # 重点项目征地拆迁补偿办法
    "已宣布失效": 1,  # 村庄规划建设管理规定
    "施行中": 5,  # 集体经济组织财务, 农业产业化, 社区网格化, 来穗人员, 出租屋
    "已被修改": 1,  # 流动人口服务管理办法 (replaced)
    "有效期届满失效": 1,  # 农村危房改造补助办法（暂行）
    "暂缓出台": 1,
    "审查不同意出台": 1,
    "审查中": 2,  # 农村集体土地承包 (round 2), 临时救助
    "已发布待施行": 3,  # 高龄老人津贴, 文明养犬, 农村生活污水处理设施
    "退回修改": 1,  # 占道经营
    "已登记编号待发布": 1,  # 村级工程建设
    "审查通过待审议": 1,  # 扶持个体工商户
    "审议通过待签发": 1,  # 防汛防台风
    "已送审": 1,  # 老旧小区改造资金
    "已撤回": 1,  # 电动自行车停放充电
    "征求意见中": 1,  # 城乡生活垃圾分类
    "起草中": 1,  # 农村宅基地审批管理实施细则
}
IN_FORCE_TODAY = (
    "沙溪镇村（社区）集体经济组织财务管理办法",
    "沙溪镇农业产业化扶持资金管理办法",
    "沙溪镇社区网格化服务管理办法",
    "沙溪镇来穗人员服务管理办法",
    "沙溪镇出租屋安全管理规定",
)


def rate_text(numerator: int, denominator: int) -> str:
    return "—（无）" if denominator == 0 else f"{round(100 * numerator / denominator, 1):g}%"


def hand_count(today: date) -> dict:
    """The annual statistics of today's year, counted from the stories above the way the demo dates them."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    year = today.year
    end = date(year, 12, 31)

    def published_on(p: Published) -> date:
        return ago(p.submitted - 18)

    def effective_on(p: Published) -> date:
        return published_on(p) + timedelta(days=p.effect_gap)

    def validity_end(p: Published) -> date | None:
        return None if p.validity_years is None else effective_on(p) + relativedelta(years=p.validity_years, days=-1)

    def in_force_on(p: Published, day: date) -> bool:
        v = validity_end(p)
        return effective_on(p) <= day and (p.ended is None or ago(p.ended) > day) and (v is None or v >= day)

    opinions = [(p.title, ago(p.submitted - 8), PASS) for p in PUBLISHED] + [
        (t, ago(n), c) for t, n, c in OTHER_OPINIONS
    ]
    opinions = [(t, d, c) for t, d, c in opinions if d.year == year]
    published = [p for p in PUBLISHED if published_on(p).year == year]
    signed = [p.title for p in PUBLISHED if ago(p.submitted - 16).year == year]
    signed += [t for t, n in SIGNED_NOT_PUBLISHED if ago(n).year == year]
    on_web = [p.title for p in PUBLISHED if ago(p.submitted - 16).year == year and published_on(p) <= end]
    filed = [p for p in published if p.filed_after is not None]
    on_time = [p for p in filed if p.filed_after <= FILING_DAYS]
    outcomes = [
        p.result for p in PUBLISHED if p.result and (published_on(p) + timedelta(days=p.result_after)).year == year
    ]
    in_force = [p for p in PUBLISHED if in_force_on(p, end)]
    horizon = end + relativedelta(months=6)
    expiring = [p for p in in_force if validity_end(p) and end < validity_end(p) <= horizon]
    ended = Counter(p.ended_as for p in PUBLISHED if p.ended_as and ago(p.ended).year == year)
    monthly = [0] * 12
    for _, day, _ in opinions:
        monthly[day.month - 1] += 1
    return {
        "year": year,
        "rates": {
            # every document published this year passed legality review before it was published
            "review_rate": (len(published), len(published)),
            "publication_rate": (len(on_web), len(signed)),
            "filing_rate": (len(filed), len(published)),
            "on_time_rate": (len(on_time), len(filed)),
        },
        "figures": {
            "opinions": (len(opinions), dict(Counter(c for _, _, c in opinions))),
            "reviewed": (len({t for t, _, _ in opinions}), {}),
            "published": (len(published), {}),
            "filing_outcomes": (len(outcomes), dict(Counter(outcomes))),
            "cleanups": (0, {}),
            "evaluations": (0, {}),
            "in_force": (len(in_force), {}),
            "expiring": (len(expiring), {}),
            "solicitations": (0, {"收到": 0, "答复": 0}),
            # repealed or declared invalid this year, none of them through a clean-up campaign
            "ended": (sum(ended.values()), {"废止": ended["废止"], "宣布失效": ended["宣布失效"], "其中经清理": 0}),
        },
        "monthly": monthly,
    }


def test_the_hand_count_is_the_demo_as_told():
    """On 28 November 2026 (the day these tests were written) the stories give these figures."""
    expected = hand_count(date(2026, 11, 28))
    assert expected["rates"] == {
        "review_rate": (7, 7),
        "publication_rate": (7, 8),
        "filing_rate": (6, 7),
        "on_time_rate": (6, 6),
    }
    figures = expected["figures"]
    assert figures["opinions"] == (
        14,
        {PASS: 10, "暂缓出台": 1, "不合法，不同意出台": 1, "退回补充程序或材料": 1, "应当修改后重新送审": 1},
    )
    assert figures["published"][0] == 7 and figures["in_force"][0] == 8 and figures["expiring"][0] == 1
    assert figures["filing_outcomes"] == (4, {REGISTERED: 3, CORRECTION: 1})


# --- dashboards ---------------------------------------------------------------------------------------------


def test_the_reviewer_sees_their_queue_and_the_unassigned_submission(as_townsperson):
    reviewer = as_townsperson("reviewer")
    board = reviewer.get_by_test_id("board-reviewer")
    items = board.get_by_test_id("queue-item")
    expect(items).to_have_count(3)
    mine = ["沙溪镇临时救助实施办法", "沙溪镇农村集体土地承包经营权流转管理办法"]
    for title in mine:
        item = items.filter(has_text=title)
        expect(item).to_have_attribute("data-assigned", "yes")
        expect(item).not_to_contain_text("待受理")
    unassigned = items.filter(has_text="沙溪镇老旧小区改造资金管理办法")
    expect(unassigned).to_have_attribute("data-assigned", "no")
    expect(unassigned).to_contain_text("待受理")
    expect(board.locator("[data-count=mine]")).to_have_text(str(len(mine)))
    # The unassigned one leads to acceptance, the accepted ones to the worksheet.
    assert "/accept" in unassigned.get_by_role("link").get_attribute("href")
    assert all("/worksheet" in items.filter(has_text=t).get_by_role("link").get_attribute("href") for t in mine)


def test_the_clerks_risk_board_shows_the_overdue_correction_and_the_filing_due(as_townsperson):
    clerk = as_townsperson("clerk")
    board = clerk.get_by_test_id("board-risk")
    enforcement = board.locator("[data-testid=risk-unit][data-unit='沙溪镇综合行政执法局']")
    correction = enforcement.get_by_test_id("risk-item").filter(has_text="沙溪镇出租屋安全管理规定")
    expect(correction).to_have_count(1)
    expect(correction).to_have_attribute("data-kind", "correction_due")
    expect(correction).to_have_attribute("data-level", "overdue")
    expect(correction).to_contain_text("备案补正期限")
    filing = enforcement.locator("[data-testid=risk-item][data-kind=filing_due]").filter(
        has_text="沙溪镇文明养犬管理规定（试行）"
    )
    expect(filing).to_have_count(1)
    assert filing.get_attribute("data-level") in ("open", "due_soon")  # published 10 days ago, 15 days to file
    # Grouped by unit: the other units' deadlines are under their own names.
    expect(
        board.locator("[data-unit='沙溪镇经济发展办公室'] [data-kind=review_due]").filter(has_text="老旧小区改造资金")
    ).to_have_count(1)
    expect(
        board.locator("[data-unit='沙溪镇农业农村办公室'] [data-kind=evaluation_due]").filter(
            has_text="沙溪镇村（社区）集体经济组织财务管理办法"
        )
    ).to_have_count(1)
    # The worst first: the unit with the overdue correction heads the board.
    expect(board.get_by_test_id("risk-unit").first).to_have_attribute("data-unit", "沙溪镇综合行政执法局")
    expect(board.locator("[data-count=overdue]")).to_have_text("已逾期 1")
    expect(board.get_by_test_id("risk-by-kind").locator("tr", has_text="备案补正期限")).to_contain_text("1")


def test_each_drafting_unit_sees_what_is_asked_of_it(as_townsperson):
    drafter = as_townsperson("drafter")  # 综合行政执法局
    board = drafter.get_by_test_id("board-drafter")
    expect(board.get_by_test_id("task-answer")).to_have_text(["答复审查意见：沙溪镇占道经营管理规定"])
    expect(board.get_by_test_id("task-proposal")).to_have_count(0)
    expect(board.get_by_test_id("task-evaluation")).to_have_count(0)
    in_progress = [t.split("\n")[0].strip() for t in board.get_by_test_id("in-progress").all_inner_texts()]
    assert sorted(in_progress) == sorted(
        ["沙溪镇占道经营管理规定", "沙溪镇防汛防台风应急物资储备管理办法", "沙溪镇城乡生活垃圾分类管理办法"]
    )  # not the withdrawn 电动自行车停放充电管理规定, nor its published documents

    drafter2 = as_townsperson("drafter2")  # 农业农村办公室: an evaluation before the validity ends
    board = drafter2.get_by_test_id("board-drafter")
    expect(board.get_by_test_id("task-answer")).to_have_count(0)
    expect(board.get_by_test_id("task-evaluation")).to_have_count(1)
    expect(board.get_by_test_id("task-evaluation")).to_contain_text(
        "完成评估：沙溪镇村（社区）集体经济组织财务管理办法"
    )


def svg_bars(page: Page, testid: str) -> dict[str, str]:
    """The bars of a server-drawn chart: {label: value text} from each <rect>'s <title>."""
    chart = page.get_by_test_id(testid)
    expect(chart.locator("svg")).to_have_count(1)
    titles = chart.locator("svg rect title").all_text_contents()
    return dict(t.split("：", 1) for t in titles)


def test_the_leader_sees_the_year_in_figures_and_svg_charts(as_townsperson):
    expected = hand_count(office_today(now_utc()))
    leader = as_townsperson("leader")
    board = leader.get_by_test_id("board-leader")
    expect(board).to_contain_text(f"{expected['year']} 年以来")
    for key, (n, d) in expected["rates"].items():
        expect(board.locator(f"[data-rate={key}]")).to_have_text(rate_text(n, d))
    # Real pictures: inline SVG with one rect per bar, drawn without any script or CDN.
    monthly = svg_bars(leader, "chart-monthly")
    assert monthly == {str(m): f"{n}份" for m, n in enumerate(expected["monthly"], start=1)}
    assert leader.get_by_test_id("chart-monthly").locator("svg rect").count() == 12
    statuses = svg_bars(leader, "chart-status")
    assert statuses == {label: f"{n}件" for label, n in STATUSES.items()}
    box = leader.get_by_test_id("chart-status").locator("svg").bounding_box()
    assert box["width"] > 200 and box["height"] > 100  # laid out as a picture, not collapsed


# --- search and the register export ---------------------------------------------------------------------------


def search(page: Page, q: str) -> None:
    page.get_by_test_id("nav-documents").click()
    page.wait_for_url("**/documents/")
    page.fill("#q", q)
    click_and_wait(page, page.get_by_test_id("register-filters").get_by_role("button", name="筛选"))


@pytest.mark.parametrize(
    ("term", "title"),
    [("宅基地", "沙溪镇农村宅基地审批管理实施细则"), ("养犬", "沙溪镇文明养犬管理规定（试行）")],
    ids=["trigram", "short-term"],
)
def test_a_chinese_substring_finds_the_document_and_highlights_it(as_townsperson, term, title):
    clerk = as_townsperson("clerk")
    search(clerk, term)
    rows = clerk.get_by_test_id("register-row")
    expect(rows).to_have_count(1)
    link = rows.first.get_by_role("link", name=title)
    expect(link).to_have_text(title)
    expect(link.locator("mark")).to_have_text([term])
    assert link.inner_html().count("<mark>") == 1


def test_the_register_exports_its_current_filter(as_townsperson, tmp_path):
    clerk = as_townsperson("clerk")
    clerk.get_by_test_id("nav-documents").click()
    clerk.wait_for_url("**/documents/")
    clerk.select_option("#status", label="施行中")
    click_and_wait(clerk, clerk.get_by_test_id("register-filters").get_by_role("button", name="筛选"))
    expect(clerk.get_by_test_id("register-row")).to_have_count(len(IN_FORCE_TODAY))

    workbook = openpyxl.load_workbook(download(clerk, clerk.get_by_test_id("export-register"), tmp_path))
    ws = workbook.active
    header, *rows = list(ws.iter_rows(values_only=True))
    assert header[:6] == ("编号", "文件名称", "发文机关", "起草单位", "文件类别", "状态")
    assert sorted(r[1] for r in rows) == sorted(IN_FORCE_TODAY)
    assert {r[5] for r in rows} == {"施行中"}
    published = header.index("发布日期")
    assert all(isinstance(r[published], datetime) for r in rows)  # dates as dates, not text
    assert all(r[header.index("报备情况")] for r in rows)


# --- the annual statistics ----------------------------------------------------------------------------------


def breakdown(text: str) -> dict[str, int]:
    """'合法，同意出台 9；暂缓出台 1' -> {'合法，同意出台': 9, '暂缓出台': 1}"""
    out = {}
    for part in filter(None, (p.strip() for p in text.split("；"))):
        label, value = part.rsplit(" ", 1)
        out[label] = int(value)
    return out


def test_the_annual_statistics_match_the_hand_count_and_export(as_townsperson, tmp_path):
    expected = hand_count(office_today(now_utc()))
    year = expected["year"]
    leader = as_townsperson("leader")
    leader.get_by_test_id("nav-reports").click()
    leader.wait_for_url("**/reports/annual")
    expect(leader.locator("h1")).to_contain_text(f"{year} 年度")

    rates = leader.get_by_test_id("rates")
    for key, (n, d) in expected["rates"].items():
        value = rates.locator(f"[data-rate={key}]")
        expect(value).to_have_text(rate_text(n, d))
        expect(value.locator("xpath=following-sibling::div[1]")).to_have_text(f"{n} / {d}")
    shown = {}
    for row in leader.get_by_test_id("figures").locator("tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        shown[row.get_attribute("data-figure")] = (int(cells[1]), breakdown(cells[2]))
    assert shown == expected["figures"]
    paragraph = leader.get_by_test_id("paragraph").inner_text()
    published = expected["figures"]["published"][0]
    assert f"统一发布规范性文件{published}件" in paragraph

    # Each figure links to the records behind it.
    click_and_wait(leader, leader.locator("[data-figure=published] a"))
    assert f"/reports/annual/{year}/records/published" in leader.url
    leader.go_back()

    workbook = openpyxl.load_workbook(download(leader, leader.get_by_test_id("stats-xlsx"), tmp_path))
    ws = workbook.active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0].endswith(f"{year}年度行政规范性文件管理情况统计")
    assert rows[2] == ("指标", "数值", "分子", "分母", "说明", "口径")
    by_label = {r[0]: r[1:] for r in rows[3:]}
    labels = {
        "review_rate": "合法性审查审核率",
        "publication_rate": "统一发布率",
        "filing_rate": "备案率",
        "on_time_rate": "报备及时率",
    }
    for key, (n, d) in expected["rates"].items():
        percent = round(100 * n / d, 1) if d else "—"
        assert by_label[labels[key]][:3] == (percent, n, d), key
    figure_labels = {
        "opinions": "出具合法性审查意见书",
        "reviewed": "审查的规范性文件",
        "published": "统一发布的规范性文件",
        "filing_outcomes": "备案审查结果",
        "in_force": "年末现行有效的规范性文件",
    }
    for key, label in figure_labels.items():
        value, parts = expected["figures"][key]
        assert by_label[label][0] == value, key
        assert (by_label[label][3] or "") == "；".join(f"{k}：{v}" for k, v in parts.items()), key
