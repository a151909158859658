"""`flask word render …` and `flask word check-template`: files for batch work, clear errors otherwise."""

from __future__ import annotations

import pytest

from tests.factories import make_document
from tests.word.steps import all_text, builtin, edit, published, reviewed, xml_parts_parse
from tracker.word.models import OutputKind


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_render_opinion_writes_a_word_file(db, world, now, runner, tmp_path):
    walk = reviewed(world, now)
    db.session.commit()
    out = tmp_path / "意见书.docx"
    result = runner.invoke(args=["word", "render", "opinion", "--document", str(walk.doc.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "模板 v0:" in result.output and "sha256" in result.output
    data = out.read_bytes()
    xml_parts_parse(data)
    assert walk.opinion.number in all_text(data)


def test_render_filing_report_writes_a_word_file(db, world, now, runner, tmp_path):
    walk, pub = published(world, now)
    db.session.commit()
    out = tmp_path / "备案报告.docx"
    result = runner.invoke(args=["word", "render", "filing-report", "--document", str(walk.doc.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert pub.normative_number in all_text(out.read_bytes())


def test_clear_errors_without_opinion_or_publication(db, world, now, runner, tmp_path):

    draft = make_document(world, now, title="测试镇未送审办法")
    walk, _pub = published(world, now, publish=False)
    db.session.commit()
    out = str(tmp_path / "x.docx")
    result = runner.invoke(args=["word", "render", "opinion", "--document", str(draft.id), "--out", out])
    assert result.exit_code == 1 and "尚未出具审查意见书" in result.output
    result = runner.invoke(args=["word", "render", "filing-report", "--document", str(draft.id), "--out", out])
    assert result.exit_code == 1 and "尚未签发编号" in result.output
    result = runner.invoke(args=["word", "render", "filing-report", "--document", str(walk.doc.id), "--out", out])
    assert result.exit_code == 1 and "尚未发布" in result.output
    result = runner.invoke(args=["word", "render", "opinion", "--document", "9999", "--out", out])
    assert result.exit_code == 1 and "没有编号（ID）为 9999 的文件" in result.output
    result = runner.invoke(
        args=["word", "render", "opinion", "--document", str(walk.doc.id), "--round", "2", "--out", out]
    )
    assert result.exit_code == 1 and "第 2 轮审查尚未出具审查意见书" in result.output
    assert not (tmp_path / "x.docx").exists()


def test_check_template_reports_the_reasons(db, runner, tmp_path):
    good, bad = tmp_path / "good.docx", tmp_path / "bad.docx"
    good.write_bytes(builtin(OutputKind.FILING_REPORT))
    bad.write_bytes(edit(builtin(OutputKind.FILING_REPORT), "{{ authority }}", "{{ authority_name }}"))
    result = runner.invoke(args=["word", "check-template", "--kind", "filing-report", str(good)])
    assert result.exit_code == 0 and "模板通过检查" in result.output
    result = runner.invoke(args=["word", "check-template", "--kind", "filing-report", str(bad)])
    assert result.exit_code == 1 and "未知字段：authority_name" in result.output


def test_build_templates_writes_the_same_files(runner, tmp_path, app):
    result = runner.invoke(args=["word", "build-templates", "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for kind in (OutputKind.OPINION, OutputKind.FILING_REPORT):
        name = {"opinion": "opinion.docx", "filing_report": "filing_report.docx"}[kind.value]
        assert (tmp_path / name).read_bytes() == builtin(kind)
