"""The worksheet speaks the office's words (issue 14): rules by their Chinese name, limits as the rule set says."""

from __future__ import annotations

import re

from tests.pages import text
from tests.review.steps import under_review
from tracker.rules.ruleset import get_rule


def _days_input(page: str) -> str:
    m = re.search(r'<input[^>]*name="e-days"[^>]*>', page)
    assert m, "no extension field"
    return m.group(0)


def test_the_worksheet_names_its_rule_and_its_extension_limit_is_the_rule_sets(db, world, now, login_as):
    doc, _ = under_review(world, now)
    db.session.commit()
    page = text(login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet"))
    assert "依据“合法性审查期限”（15 个工作日）" in page
    assert "review_max" not in page
    rule = get_rule("review_extension")
    assert rule.value == 10
    field = _days_input(page)
    assert 'min="1"' in field and 'max="10"' in field  # not the form's old 60
    assert "最多 10 个工作日" in page

    rule.value = 8
    db.session.commit()
    page = text(login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet"))
    assert 'max="8"' in _days_input(page) and "最多 8 个工作日" in page


def test_an_extension_over_the_rule_is_refused_with_the_rule_in_the_message(db, world, now, login_as):
    doc, rnd = under_review(world, now)
    db.session.commit()
    r = login_as("reviewer").post(
        f"/review/documents/{doc.id}/worksheet", data={"form": "extend", "e-days": "11", "e-reason": "材料复杂"}
    )
    assert r.status_code == 200
    assert "延长天数须在 1 至 10 个工作日之间" in text(r)
    assert rnd.extended_due_on is None
