"""The sandboxed render and the checks every uploaded template must pass before it may become active."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.factories import docx_bytes
from tests.word.steps import builtin, edit, open_docx, xml_parts_parse
from tracker.filing import word as filing_word
from tracker.review import word as review_word
from tracker.word.models import OutputKind
from tracker.word.render import RenderError, check_template, hostile, render_docx

OPINION = review_word.SPEC


REPORT = filing_word.SPEC


def refused(spec, data: bytes) -> str:
    result = check_template(spec, data)
    assert not result.ok
    return "".join(result.problems)


def test_an_unknown_field_is_refused_by_name():
    bad = edit(builtin(OutputKind.OPINION), "{{ reviewers }}", "{{ reviewer_phone }}")
    message = refused(OPINION, bad)
    assert "未知字段：reviewer_phone" in message
    assert "reviewers（审查人）" in message  # and the required field it replaced is missing


def test_an_unknown_attribute_inside_a_loop_is_refused_when_rendering_the_samples():
    bad = edit(builtin(OutputKind.OPINION), "{{ m.name }}", "{{ m.title }}")
    assert "未知字段" in refused(OPINION, bad)


def test_a_missing_required_field_is_refused():
    bad = edit(builtin(OutputKind.OPINION), "{{ not_adopted_note }}", "")
    assert "缺少必需字段：not_adopted_note" in refused(OPINION, bad)


def test_a_template_without_any_field_is_refused():
    message = refused(REPORT, docx_bytes("关于备案的报告"))
    assert "缺少必需字段" in message and "title" in message


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ title.__class__.__base__.__subclasses__() }}",
        "{{ (title|attr('__class__')) }}",
        "{{ materials['__class__'] }}",
        "{% if false %}{{ range.__globals__ }}{% endif %}",
    ],
)
def test_a_statement_reaching_python_internals_is_refused(escape):
    bad = edit(builtin(OutputKind.OPINION), "{{ summary }}", "{{ summary }}" + escape.replace("'", "&apos;"))
    assert "不允许的语句" in refused(OPINION, bad)


def test_the_sandbox_also_stops_internals_at_render_time():
    """Even a template that skipped the checks cannot reach Python internals or change the context."""
    bad = edit(builtin(OutputKind.OPINION), "{{ summary }}", "{{ ''.__class__.__mro__ }}".replace("'", "&apos;"))
    with pytest.raises(RenderError, match="不允许的语句"):
        render_docx(bad, review_word.SPEC.samples()[0])
    mutating = edit(builtin(OutputKind.OPINION), "{{ summary }}", "{{ materials.append(1) }}")
    with pytest.raises(RenderError, match="不允许的语句"):
        render_docx(mutating, review_word.SPEC.samples()[0])


def test_a_syntax_error_is_refused_with_a_hint():
    bad = edit(builtin(OutputKind.OPINION), "{{ summary }}", "{{ summary | }}")
    assert "语法错误" in refused(OPINION, bad)


def test_a_template_whose_tags_break_the_xml_is_refused():
    # An {%p if %} opened and never closed: rendering stops with a clear message, not a crash.
    bad = edit(builtin(OutputKind.OPINION), "{%p endif %}", "")
    assert refused(OPINION, bad)


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%%EOF\n",
        b"just some text renamed to .docx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
        b"PK\x03\x04 truncated zip",
    ],
    ids=["pdf", "text", "old-doc", "broken-zip"],
)
def test_a_file_that_is_not_word_is_refused(data):
    assert refused(OPINION, data)


def test_a_zip_that_is_not_a_word_document_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "不是有效的 Word 文档" in refused(OPINION, out.getvalue())


def test_a_template_edited_in_word_with_new_wording_is_accepted():
    edited = edit(builtin(OutputKind.OPINION), "现提出审查意见如下：", "现将审查意见函告如下：")
    assert check_template(OPINION, edited).ok
    out = render_docx(edited, review_word.SPEC.samples()[0])
    xml_parts_parse(out)
    assert "现将审查意见函告如下" in "".join(p.text for p in open_docx(out).paragraphs)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("{{ summary }}", "{{ summary|safe }}"),
        ("{{ summary }}", "{% autoescape false %}{{ summary }}{% endautoescape %}"),
    ],
)
def test_a_template_that_turns_escaping_off_is_refused(old, new):
    """User text with & or < would otherwise break the XML of every opinion generated from it."""
    assert "不能关闭转义" in refused(OPINION, edit(builtin(OutputKind.OPINION), old, new))


def test_the_samples_are_also_rendered_with_xml_special_characters():
    sample = hostile(review_word.SPEC.samples()[0])
    assert sample["title"].endswith("&<>\"'") and sample["points"][0]["label"].endswith("&<>\"'")
    out = render_docx(builtin(OutputKind.OPINION), sample)
    xml_parts_parse(out)
