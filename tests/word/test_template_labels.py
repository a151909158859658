"""Template versions are named by when and by whom they were put in use, not by their hash (issue 14)."""

from __future__ import annotations

import re

from tests.pages import text
from tests.word.steps import reviewed
from tests.word.test_template_store import edited_opinion_template
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.review import word as review_word
from tracker.review.word import generate_opinion
from tracker.word.models import OutputKind
from tracker.word.templates import describe_template, upload_template


def test_generated_word_files_name_their_template_in_words(db, world, now, login_as):
    walk = reviewed(world, now)
    generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    checked = CheckedFile(edited_opinion_template(), "意见书模板.docx", DOCX_TYPE, "docx")
    upload_template(review_word.SPEC, checked, actor=world["admin"], now=now)
    second = generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    db.session.commit()
    assert second.template_version.startswith("v1:")
    assert describe_template(OutputKind.OPINION, "v0:6002fea7209a") == "内置模板"
    label = "第 1 版模板（2026年11月2日 admin启用）"
    assert describe_template(OutputKind.OPINION, second.template_version) == label

    reader = login_as("reviewer")
    for url in (f"/documents/{walk.doc.id}", f"/word/generated/{second.id}/preview"):
        page = text(reader.get(url))
        assert label in page, url
        assert not re.search(r"v\d+:[0-9a-f]{12}", page), url
    assert "内置模板" in text(reader.get(f"/documents/{walk.doc.id}"))
