"""Reading a draft into 章, 节, 条, 款, 项 with references, and tracing a unit into a later version."""

from __future__ import annotations

import pytest

from tracker.common.cnnum import parse_cn_number
from tracker.documents.structure import cn, parse, short_ref, trace

DRAFT = [
    "沙溪镇农村生活垃圾分类管理办法",
    "第一章 总则",
    "第一条 为了规范生活垃圾分类，根据《广东省城乡生活垃圾管理条例》，制定本办法。",
    "第二条 本办法适用于本镇行政区域。",
    "各村（社区）应当做好宣传。",
    "第二章 管理",
    "第一节 投放",
    "第三条 村民应当按照下列要求投放：",
    "（一）可回收物投放到蓝色桶；",
    "（二）有害垃圾投放到红色桶；",
    "（三）其他垃圾投放到灰色桶。",
    "第四条 本办法自发布之日起施行。",
]


def test_articles_clauses_and_items_get_references_and_keys():
    s = parse(DRAFT)
    assert s.form == "articles" and s.problems == []
    refs = [(u.key, u.ref) for u in s.units]
    assert refs == [
        ("pre1", "正文前第1段"),
        ("a1.p1", "第一条第一款"),
        ("a2.p1", "第二条第一款"),
        ("a2.p2", "第二条第二款"),
        ("a3.p1", "第三条第一款"),
        ("a3.p1.i1", "第三条第一款第（一）项"),
        ("a3.p1.i2", "第三条第一款第（二）项"),
        ("a3.p1.i3", "第三条第一款第（三）项"),
        ("a4.p1", "第四条第一款"),
    ]
    item = s.unit("a3.p1.i2")
    assert item.lead.startswith("第三条 村民应当") and item.heading == "第二章 管理 / 第一节 投放"
    assert s.headings == ["第一章 总则", "第二章 管理", "第一节 投放"]
    assert short_ref(s.unit("a1.p1"), s) == "第一条" and short_ref(s.unit("a2.p2"), s) == "第二条第二款"


def test_gaps_and_duplicates_are_reported_to_the_drafter():
    s = parse(["第一条 甲。", "第三条 乙。", "第三条 丙。", "（一）一项；", "（三）三项。", "第二条 丁。"])
    assert s.problems == [
        "第一条之后缺少第二条。",
        "第三条重复出现。",
        "第二条出现在第三条之后，编号顺序有误。",
        "第三条第一款第（一）项之后缺少第（二）项。",
    ]
    assert len({u.key for u in s.units}) == len(s.units)  # a duplicate number still gets its own anchor


def test_a_notice_without_articles_is_read_by_paragraph():
    s = parse(["关于做好防汛工作的通知", "各村（社区）：", "一、提高认识。", "二、落实责任。"])
    assert s.form == "paragraphs" and s.problems == []
    assert [(u.key, u.ref) for u in s.units][2] == ("para3", "第3段")


@pytest.mark.parametrize(
    "text, n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99), ("一百零三", 103), ("一百一十", 110)]
)
def test_chinese_numerals_both_ways(text, n):
    assert parse_cn_number(text) == n and cn(n) == text


@pytest.mark.parametrize("bad", ["", "十十", "二二", "甲", "十百"])
def test_malformed_numerals_are_refused(bad):
    with pytest.raises(ValueError):
        parse_cn_number(bad)


def test_trace_tells_unchanged_changed_moved_and_removed():
    v1 = parse(DRAFT)
    v2 = parse(
        [
            "第一条 为了规范生活垃圾分类，根据《广东省城乡生活垃圾管理条例》，制定本办法。",
            "第二条 本办法适用于本镇行政区域内的单位和个人。",
            "各村（社区）应当做好宣传。",
            "第三条 镇政府设立分类指导员。",
            "第四条 村民应当按照下列要求投放：",
            "（一）可回收物投放到蓝色桶；",
            "（二）其他垃圾投放到灰色桶。",
        ]
    )

    def status(key):
        t = trace(v1.unit(key).text, key, v2, v1)
        return t.status, (t.unit.ref if t.unit else None)

    assert status("a1.p1") == ("unchanged", "第一条第一款")
    assert status("a2.p2") == ("unchanged", "第二条第二款")
    assert status("a2.p1") == ("changed", "第二条第一款")
    assert status("a3.p1") == ("moved", "第四条第一款")  # renumbered only: the words are the same
    assert status("a3.p1.i2") == ("removed", None)
    assert status("a4.p1") == ("removed", None)
    changed = trace(v1.unit("a2.p1").text, "a2.p1", v2, v1)
    assert "".join(s.text for s in changed.new if s.changed) == "内的单位和个人"
