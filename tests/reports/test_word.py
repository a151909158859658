"""The annual statistics as a Word section of the 法治政府建设年度报告: the paragraph, the rates, the figures."""

from __future__ import annotations

import pytest

from tests.pages import flashes, text
from tests.word.steps import all_text, assert_official_format, open_docx, tables_with_headings
from tests.word.town_year import town_year
from tracker.reports import stats
from tracker.reports import word as reports_word
from tracker.word.render import RenderError

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Counted by hand from the story in town_year.py: four documents reviewed and published in 2026, three of them
# filed within 15 days, the fourth never; one clean-up (继续有效 2, 修改 1, 废止 1) repealed one of them on 20 October;
# one draft for comment answered.
RATES = [
    ["序号", "指标", "比率", "分子", "分母", "计算口径"],
    ["1", "合法性审查审核率", "100%", "4", "4", "经合法性审查通过后发布的文件÷年内统一发布的文件"],
    ["2", "统一发布率", "100%", "4", "4", "已在政府网站统一发布的文件（含年底签发、次年初发布的）÷年内登记编号的文件"],
    ["3", "备案率", "75%", "3", "4", "已报送备案的文件÷年内统一发布的文件"],
    ["4", "报备及时率", "100%", "3", "3", "在规定期限内报送备案的文件÷已报送备案的文件"],
]
# Figures that are zero (备案审查结果, 完成评估, 未来6个月内有效期届满) leave no row.
FIGURES = [
    ["序号", "指标", "数值", "构成"],
    ["1", "出具合法性审查意见书", "4", "合法，同意出台4"],
    ["2", "审查的规范性文件", "4", ""],
    ["3", "统一发布的规范性文件", "4", ""],
    ["4", "开展规范性文件清理（次）", "1", "继续有效2；修改1；废止1"],
    ["5", "废止、宣布失效的规范性文件", "1", "废止1；其中经清理1"],
    ["6", "年末现行有效的规范性文件", "3", ""],
    ["7", "答复上级征求意见稿（件）", "1", "收到1；答复1"],
]


def test_the_section_reads_like_the_annual_report_with_the_rates_and_figures_of_the_year(db, world, now):
    town_year(world)
    data = reports_word.render_annual_statistics(2026, town="测试镇", now=now).data
    assert_official_format(data)
    body = all_text(data)
    assert body.startswith("测试镇2026年度行政规范性文件管理情况\n")
    # The section's paragraph, with the figures counted by hand: sentences as the report writes them, and no clause
    # for what is zero (no filing results, no evaluations, nothing expiring).
    paragraph = reports_word.section_paragraph(stats.annual(2026), "测试镇")
    assert f"一、总体情况\n{paragraph}\n二、主要比率" in body
    assert paragraph == (
        "2026年，测试镇严格落实行政规范性文件合法性审核机制，凡以镇政府或镇政府办公室名义印发的规范性文件均经司法所"
        "合法性审查。全年审查规范性文件4件，出具合法性审查意见书4份（“合法，同意出台”4份）。统一发布规范性文件4件，"
        "合法性审查审核率100%，统一发布率100%。按规定向市司法局报送备案3件，备案率75%，报备及时率100%。"
        "全年开展规范性文件清理1次（继续有效2件，修改1件，废止1件）。截至年底，现行有效的规范性文件3件。"
        "全年答复上级征求意见稿1件。"
    )
    assert "0件" not in paragraph and "0次" not in paragraph
    assert tables_with_headings(data) == [("二、主要比率", RATES), ("三、主要数据", FIGURES)]
    assert "统计日期为2026年11月2日" in body
    headings = [p for p in open_docx(data).paragraphs if p.style.name == "一级标题"]
    assert [p.text for p in headings] == ["一、总体情况", "二、主要比率", "三、主要数据"]


def test_a_year_without_records_gives_one_sentence_and_no_empty_tables(db, world, now):
    data = reports_word.render_annual_statistics(2019, town="测试镇", now=now).data
    assert_official_format(data)
    # Nothing to count: no table, no heading but the overview, one plain sentence.
    assert tables_with_headings(data) == []
    body = all_text(data)
    assert "2019年，测试镇没有审查、发布、备案或清理规范性文件。" in body
    assert "主要比率" not in body and "主要数据" not in body and "—" not in body


@pytest.mark.parametrize("who", ROLES)
def test_the_word_export_follows_the_reports_permission(db, world, login_as, who):
    c = login_as(who)
    r = c.get("/reports/annual/2026.docx")
    if who == "drafter" or who == "drafter2":
        assert r.status_code == 403
        return
    assert r.status_code == 200 and r.mimetype == DOCX
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    # The signed-in person's town (测试镇), as in the page's own paragraph.
    assert all_text(r.data).startswith("测试镇2026年度行政规范性文件管理情况")
    page = text(c.get("/reports/annual?year=2026"))
    assert 'data-testid="stats-docx"' in page and "/reports/annual/2026.docx" in page


def test_out_of_range_years_are_not_found(db, world, login_as):
    assert login_as("leader").get("/reports/annual/1999.docx").status_code == 404


def test_a_broken_office_template_is_explained_not_a_server_error(db, world, login_as, monkeypatch):
    def broken(*args, **kwargs):
        raise RenderError("模板使用了未知字段：boss。")

    monkeypatch.setattr(reports_word, "render_annual_statistics", broken)
    r = login_as("leader").get("/reports/annual/2026.docx", follow_redirects=True)
    assert r.status_code == 200 and any("未知字段：boss" in m for m in flashes(r))


def test_cli_renders_the_statistics_of_a_year(db, app, world, tmp_path):
    out = tmp_path / "统计.docx"
    result = app.test_cli_runner().invoke(
        args=["word", "render", "annual-statistics", "--year", "2026", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    # The install's only town (测试镇): no --town needed.
    assert "一、总体情况\n2026年，测试镇没有审查、发布、备案或清理规范性文件。" in all_text(out.read_bytes())


def test_the_section_downloads_as_pdf_for_those_who_read_the_reports(db, world, login_as, monkeypatch):
    monkeypatch.setattr("tracker.reports.views.docx_to_pdf", lambda data, **kw: b"%PDF-1.7 " + data[:2])
    r = login_as("leader").get("/reports/annual/2026.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == b"%PDF-1.7 PK"
    assert "pdf" in r.headers["Content-Disposition"]
    assert login_as("drafter").get("/reports/annual/2026.pdf").status_code == 403
    monkeypatch.undo()  # the real conversion, on a machine without LibreOffice
    monkeypatch.setattr("tracker.word.pdf.shutil.which", lambda name: None)
    r = login_as("leader").get("/reports/annual/2026.pdf", follow_redirects=True)
    assert any("未安装 LibreOffice" in m for m in flashes(r))
