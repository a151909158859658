"""The template store: an uploaded template is checked, kept as a version, used; restoring; who may manage it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.word.steps import all_text, builtin, edit, reviewed, stored_bytes
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.review import word as review_word
from tracker.word import templates as word_templates
from tracker.word.models import OutputKind, TemplateVersion


def edited_opinion_template(old="现提出审查意见如下：", new="现将审查意见函告如下：") -> bytes:
    return edit(builtin(OutputKind.OPINION), old, new)


def test_an_uploaded_template_is_checked_kept_as_a_version_and_used(db, world, now):
    walk = reviewed(world, now)
    checked = CheckedFile(edited_opinion_template(), "意见书模板.docx", DOCX_TYPE, "docx")
    v1 = word_templates.upload_template(review_word.SPEC, checked, actor=world["admin"], now=now, note="改措辞")
    db.session.commit()
    assert (v1.version_no, v1.active, v1.note) == (1, True, "改措辞")
    row = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    assert row.template_version.startswith("v1:")
    assert "现将审查意见函告如下" in all_text(stored_bytes(row))

    # A bad upload is refused with the reason; version 1 stays active.
    bad = CheckedFile(edited_opinion_template("{{ reviewers }}", "{{ nobody }}"), "坏模板.docx", DOCX_TYPE, "docx")
    with pytest.raises(ValidationFailed, match="未知字段：nobody"):
        word_templates.upload_template(review_word.SPEC, bad, actor=world["admin"], now=now)
    db.session.rollback()
    assert word_templates.active_template(OutputKind.OPINION).version_no == 1
    assert [v.version_no for v in word_templates.template_versions(OutputKind.OPINION)] == [1]

    # Restore the built-in template, then version 1 again: versions are kept.
    word_templates.activate_template(review_word.SPEC, 0, actor=world["admin"], now=now)
    assert word_templates.active_template(OutputKind.OPINION).version_no == 0
    assert review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now).template_version.startswith(
        "v0:"
    )
    word_templates.activate_template(review_word.SPEC, 1, actor=world["admin"], now=now)
    db.session.commit()
    actives = db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.active.is_(True))).all()
    assert [(a.kind, a.version_no) for a in actives] == [(OutputKind.OPINION, 1)]


@pytest.mark.parametrize("who", ["reviewer", "clerk", "drafter", "leader"])
def test_only_the_administrator_manages_templates(db, world, now, who):
    checked = CheckedFile(edited_opinion_template(), "x.docx", DOCX_TYPE, "docx")
    with pytest.raises(PermissionDenied):
        word_templates.upload_template(review_word.SPEC, checked, actor=world[who], now=now)
    with pytest.raises(PermissionDenied):
        word_templates.activate_template(review_word.SPEC, 0, actor=world[who], now=now)
