"""Comparing two draft versions paragraph by paragraph, with the changed characters marked."""

from __future__ import annotations

import time

from tests.documents import files
from tests.factories import make_document
from tracker.documents.compare import Row, Segment, compare_paragraphs
from tracker.documents.services import add_version
from tracker.files.uploads import check_upload

S, C = False, True  # a segment is the same, or changed


def _segs(*pairs) -> list[Segment]:
    return [Segment(text, changed) for text, changed in pairs]


def test_same_added_removed_and_changed_rows():
    old = ["第一条 总则", "第二条 罚款五百元", "第三条 旧规定", "第四条 施行"]
    new = ["第一条 总则", "第二条 罚款一千元", "第四条 施行", "第五条 新增条款"]
    assert compare_paragraphs(old, new) == [
        Row("same", _segs(("第一条 总则", S)), _segs(("第一条 总则", S))),
        Row(
            "changed",
            _segs(("第二条 罚款", S), ("五百", C), ("元", S)),
            _segs(("第二条 罚款", S), ("一千", C), ("元", S)),
        ),
        Row("removed", _segs(("第三条 旧规定", C)), []),
        Row("same", _segs(("第四条 施行", S)), _segs(("第四条 施行", S))),
        Row("added", [], _segs(("第五条 新增条款", C))),
    ]


def test_pure_deletion_and_insertion_inside_a_paragraph():
    rows = compare_paragraphs(["本办法自发布之日起施行。"], ["本办法自发布之日起三十日后施行。"])
    assert rows == [
        Row(
            "changed",
            _segs(("本办法自发布之日起", S), ("施行。", S)),
            _segs(("本办法自发布之日起", S), ("三十日后", C), ("施行。", S)),
        )
    ]


def test_identical_versions_are_all_same_and_empty_versions_give_nothing():
    assert [r.kind for r in compare_paragraphs(["甲", "乙"], ["甲", "乙"])] == ["same", "same"]
    assert compare_paragraphs([], []) == []
    assert compare_paragraphs([], ["新"]) == [Row("added", [], _segs(("新", C)))]
    assert compare_paragraphs(["旧"], []) == [Row("removed", _segs(("旧", C)), [])]


def _upload(doc, world, now, paragraphs):
    checked = check_upload(files.docx_bytes(paragraphs), "草案.docx", docx_only=True)
    return add_version(doc, checked, note="", actor=world["drafter"], now=now)


def test_compare_page_marks_changes_and_escapes_the_text(db, world, now, login_as):
    doc = make_document(world, now)
    _upload(doc, world, now, ["第一条 总则", "第二条 罚款五百元", "第三条 旧规定"])
    _upload(doc, world, now, ["第一条 总则", "第二条 罚款一千元", "<script>alert('x')</script>"])
    db.session.commit()
    r = login_as("reviewer").get(f"/documents/{doc.id}/compare?a=1&b=2")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "<script>alert(" not in body
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert "第二条 罚款<mark>五百</mark>元" in body
    assert "第二条 罚款<mark>一千</mark>元" in body
    # "第三条 旧规定" replaced by the script paragraph: a changed row, two rows before it.
    assert body.count('data-kind="same"') == 1
    assert body.count('data-kind="changed"') == 2
    assert 'data-kind="added"' not in body and 'data-kind="removed"' not in body


def test_compare_page_with_added_and_removed_paragraphs(db, world, now, login_as):
    doc = make_document(world, now)
    _upload(doc, world, now, ["第一条", "第二条 删去", "第三条"])
    _upload(doc, world, now, ["第一条", "第三条", "第四条 新增"])
    db.session.commit()
    body = login_as("drafter").get(f"/documents/{doc.id}/compare").get_data(as_text=True)
    kinds = [line.split('data-kind="')[1].split('"')[0] for line in body.splitlines() if 'data-kind="' in line]
    assert kinds == ["same", "removed", "same", "added"]
    assert "<mark>第二条 删去</mark>" in body and "<mark>第四条 新增</mark>" in body


def test_compare_with_one_version_redirects_and_unknown_version_is_404(db, world, now, login_as):
    doc = make_document(world, now)
    _upload(doc, world, now, ["第一条"])
    db.session.commit()
    client = login_as("drafter")
    r = client.get(f"/documents/{doc.id}/compare")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/documents/{doc.id}")
    _upload(doc, world, now, ["第一条 改"])
    db.session.commit()
    assert client.get(f"/documents/{doc.id}/compare?a=1&b=9").status_code == 404


def test_another_units_drafter_cannot_compare_a_draft(db, world, now, login_as):
    doc = make_document(world, now)
    _upload(doc, world, now, ["甲"])
    _upload(doc, world, now, ["乙"])
    db.session.commit()
    assert login_as("drafter2").get(f"/documents/{doc.id}/compare").status_code == 403


# --- comparisons that would hold a worker for minutes -------------------------------------------------------


def _cpu_seconds(fn):
    started = time.process_time()
    result = fn()
    return result, time.process_time() - started


def test_20000_identical_paragraphs_compare_in_a_moment():
    """SequenceMatcher alone takes minutes here (every paragraph matches every other); the work is budgeted."""
    old = ["第一条 本办法自发布之日起施行。"] * 20_000
    new = [*old[:-1], "第一条 本办法自发布之日起三十日后施行。"]
    rows, seconds = _cpu_seconds(lambda: compare_paragraphs(old, new))
    assert seconds < 3
    assert [r.kind for r in rows] == ["same"] * 19_999 + ["changed"]
    assert rows[-1].new == _segs(("第一条 本办法自发布之日起", S), ("三十日后", C), ("施行。", S))


def test_paragraphs_that_repeat_in_another_order_compare_in_a_moment():
    old, new = ["甲", "乙"] * 10_000, ["乙", "甲"] * 10_000
    rows, seconds = _cpu_seconds(lambda: compare_paragraphs(old, new))
    assert seconds < 3
    # Every paragraph of both versions is shown, once, in order.
    assert [s.text for r in rows for s in r.old] == old
    assert [s.text for r in rows for s in r.new] == new


def test_a_50000_character_paragraph_of_few_letters_compares_in_a_moment():
    rows, seconds = _cpu_seconds(lambda: compare_paragraphs(["甲乙丙丁" * 12_500], ["乙甲丁丙" * 12_500]))
    assert seconds < 3
    (row,) = rows
    assert row.kind == "changed"
    assert "".join(s.text for s in row.old) == "甲乙丙丁" * 12_500
    assert "".join(s.text for s in row.new) == "乙甲丁丙" * 12_500
