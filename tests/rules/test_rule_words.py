"""Rules are named in Chinese on every page (issue 14); their codes stay in the data, out of sight."""

from __future__ import annotations

import html
import re

from tests.pages import text
from tracker.rules.models import Rule
from tracker.rules.ruleset import DEFAULT_RULES, rule_name


def _visible(page: str) -> str:
    """The text a person reads: tags and attribute values left out."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_the_rules_page_shows_names_not_codes(world, login_as):
    page = text(login_as("admin").get("/rules/"))
    shown = _visible(page)
    for rule in DEFAULT_RULES:
        assert rule.name in shown
        assert rule.code not in shown, rule.code
        assert f'data-code="{rule.code}"' in page  # still there for tests and tools


def test_rule_name_reads_the_towns_rule_set_and_falls_back_to_the_default(db, world):
    assert rule_name("review_max") == "合法性审查期限"
    db.session.execute(Rule.__table__.update().where(Rule.code == "review_max").values(name="合法性审查时限"))
    assert rule_name("review_max") == "合法性审查时限"
    assert rule_name("no_such_rule") == "时限规则"
    assert rule_name(None) == ""
