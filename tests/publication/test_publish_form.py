"""The publication form proposes what is usual (issue 14: fewer fields to type, by keyboard or otherwise)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import d, numbered
from tests.pages import text
from tracker.common.timeutil import now_utc, office_today
from tracker.rules.ruleset import get_rule


def _value(page: str, name: str) -> str:
    m = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="{name}"', page)
    assert m, name
    return m.group(1) or m.group(2)


def test_the_effective_date_proposed_is_the_rule_sets_shortest_regular_gap(db, world, login_as):
    doc = numbered(world, "测试镇河道管理办法", d("2026-10-19"))
    db.session.commit()
    today = office_today(now_utc())
    page = text(login_as("clerk").get(f"/publication/documents/{doc.id}/publish"))
    assert _value(page, "published_on") == today.isoformat()
    assert _value(page, "effective_on") == (today + timedelta(days=30)).isoformat()

    get_rule("effect_min_gap").value = 45
    db.session.commit()
    page = text(login_as("clerk").get(f"/publication/documents/{doc.id}/publish"))
    assert _value(page, "effective_on") == (today + timedelta(days=45)).isoformat()
