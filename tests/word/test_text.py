"""The text helpers of the Word outputs: numerals, dates, 〔〕 numbers, sentences, section numbers."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.word import text as wt


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九"), (100, "一百"),
        (101, "一百零一"), (110, "一百一十"), (115, "一百一十五"), (1001, "一千零一"), (1010, "一千零一十"),
    ],
)  # fmt: skip
def test_chinese_numerals(n, text):
    assert wt.cn_numeral(n) == text


def test_numeral_out_of_range_is_refused():
    with pytest.raises(ValueError):
        wt.cn_numeral(10000)


def test_dates_use_arabic_numerals_without_leading_zeros():
    assert wt.date_cn(date(2026, 3, 5)) == "2026年3月5日"
    assert wt.date_cn(None) == ""


@pytest.mark.parametrize(
    "raw", ["沙司审[2026]3号", "沙司审(2026)3号", "沙司审（2026）3号", "沙司审【2026】3号", "沙司审〔2026〕3号"]
)
def test_year_brackets_become_hexagonal(raw):
    assert wt.official_number(raw) == "沙司审〔2026〕3号"


def test_sentences_end_with_a_full_stop_once():
    assert wt.sentence("详见修改意见") == "详见修改意见。"
    assert wt.sentence("详见修改意见。") == "详见修改意见。"
    assert wt.sentence("  ") == ""


def test_section_numbers_close_the_gaps_of_absent_sections():
    numbers = wt.section_numbers(
        ["basic", "points", "conclusion"], ("basic", "basis", "points", "findings", "conclusion")
    )
    assert numbers == {"basic": "一", "basis": "", "points": "二", "findings": "", "conclusion": "三"}


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于《沙溪镇高龄老人津贴发放办法》的备案报告", ["关于《沙溪镇高龄老人津贴发放办法》的", "备案报告"]),
        # The book title is longer than a line: it breaks inside 《》 but before （征求意见稿）, never inside it.
        (
            "关于《某某市行政规范性文件管理办法（征求意见稿）》的意见",
            ["关于《某某市行政规范性文件管理办法", "（征求意见稿）》的意见"],
        ),
        # Never inside a number.
        (
            "沙溪镇人民政府关于公布沙溪镇2026年度规范性文件定期清理结果的通知",
            ["沙溪镇人民政府关于公布沙溪镇2026", "年度规范性文件定期清理结果的通知"],
        ),
        ("关于《短标题》的意见", ["关于《短标题》的意见"]),
        ("", []),
    ],
)
def test_titles_break_between_words_and_outside_brackets(title, lines):
    assert wt.title_lines(title) == lines
    assert all(len(line) <= wt.TITLE_LINE_CHARS for line in lines)
    assert "".join(lines) == title
