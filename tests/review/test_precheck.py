"""The pre-check: what it flags and why, its quality on a labelled set, and the command line."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from tests.review.precheck_set import DRAFT_ON, LABELLED, laws
from tracker.documents.structure import parse
from tracker.review.precheck import DEFAULT_RULES, precheck, score

RECALL_TARGET, PRECISION_TARGET = 0.9, 0.7


def test_the_labelled_set_is_big_enough_and_covers_every_point_with_clean_uses():
    assert len(LABELLED) >= 150
    points = {p for _, expected in LABELLED for p in expected}
    assert {4, 5, 6, 8, 9} <= points
    assert sum(1 for _, expected in LABELLED if not expected) >= 50  # clean clauses that use the same words


def test_precision_and_recall_per_point_meet_the_targets():
    scores = score(LABELLED, laws=laws, draft_on=DRAFT_ON)
    print()
    for point, s in sorted(scores.items()):
        print(
            f"第{point}点  precision={s.precision:.2f}  recall={s.recall:.2f}  ({s.true_positive} 对，"
            f"{s.false_positive} 误报，{s.false_negative} 漏报)"
        )
    missed = {p: s for p, s in scores.items() if s.recall < RECALL_TARGET or s.precision < PRECISION_TARGET}
    assert not missed, "\n".join(e for s in missed.values() for e in s.examples)


def test_a_flag_names_the_clause_the_words_the_point_and_why():
    s = parse(["第一条 为了管理，制定本办法。", "第二条 违反本办法的，处200元罚款。", "村民不得在路边摆卖。"])
    flags = precheck(s)
    assert [(f.ref, f.point, f.rule, f.words) for f in flags] == [
        ("第二条第一款", 5, "penalty", ("罚款",)),
        ("第二条第二款", 6, "obligation", ("不得",)),
    ]
    assert "不得设定行政处罚" in flags[0].why and flags[0].line() == "第二条第一款\t5\tpenalty\t罚款"


def test_an_items_basis_in_its_lead_in_counts():
    s = parse(
        ["第一条 甲。", "第二条 有下列行为之一的，依照《城市市容和环境卫生管理条例》处罚：", "（一）乱倒垃圾的；"]
    )
    assert precheck(s) == []


def test_a_switched_off_rule_flags_nothing_and_a_rule_can_be_added():
    s = parse(["第一条 甲。", "第二条 违反本办法的，处200元罚款。"])
    off = [replace(r, active=False) if r.code == "penalty" else r for r in DEFAULT_RULES]
    assert precheck(s, off) == []
    extra = replace(DEFAULT_RULES[0], code="fine_amount", point=5, pattern=r"\d+元", label="罚款数额")
    assert [f.words for f in precheck(s, [extra])] == [("200元",)]


def test_numbering_problems_and_law_status_are_flagged():
    s = parse(["第一条 依照《广东省宅基地管理办法》执行。", "第三条 乙。"])
    flags = {(f.point, f.rule): f for f in precheck(s, laws=laws, draft_on=DRAFT_ON)}
    assert flags[(9, "numbering")].words == ("第一条之后缺少第二条",)
    assert "已于 2022-03-01 废止" in flags[(4, "law_status")].why
    assert (4, "law_status") not in {(f.point, f.rule) for f in precheck(s)}  # no catalogue: not checked


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_the_command_line_prints_one_flag_a_line(app, tmp_path):
    path = tmp_path / "草案.docx"
    path.write_bytes(
        _docx(["第一条 为了管理，制定本办法。", "第二条 违反本办法的，处200元罚款。", "第四条 自3月1日起施行。"])
    )
    result = CliRunner().invoke(app.cli, ["review", "precheck", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "全文\t9\tnumbering\t第二条之后缺少第三条",
        "第二条第一款\t5\tpenalty\t罚款",
        "第四条第一款\t9\tundated\t3月1日",
    ]


@pytest.mark.parametrize("content", [b"not a docx", b""])
def test_the_command_line_refuses_a_file_that_is_not_a_docx(app, tmp_path, content):
    path = tmp_path / "草案.docx"
    path.write_bytes(content)
    result = CliRunner().invoke(app.cli, ["review", "precheck", str(path)])
    assert result.exit_code != 0 and "Error" in result.output


def test_docs_list_every_default_rule_with_its_point():
    text = (Path(__file__).resolve().parents[2] / "docs" / "precheck.md").read_text(encoding="utf-8")
    for rule in DEFAULT_RULES:
        assert f"| {rule.code} | {rule.point} |" in text, rule.code
