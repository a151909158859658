"""The administrator's 编号规则 page: each issuer's series with the next numbers, a preview that writes nothing,
patterns saved with an audit event, and a pattern that cannot be a series refused with the reason and kept."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.cleanup.town import gov_office
from tests.factories import d, numbered
from tests.pages import flashes, redirect_target, text
from tracker.audit.models import AuditEvent
from tracker.publication.models import NumberPattern
from tracker.rules.ruleset import get_setting


def _row(page: str, unit_id: int) -> str:
    return re.search(rf'<tr id="unit-{unit_id}".*?</tr>', page, re.S).group(0)


def _span(html: str, testid: str) -> str:
    return re.search(rf'data-testid="{testid}">(.*?)</span>', html).group(1)


def test_the_page_shows_each_issuers_series_and_next_numbers(db, world, clock, login_as):
    office = gov_office(world)
    numbered(world, "测试镇甲管理办法", d("2026-10-19"))
    db.session.commit()
    page = text(login_as("admin").get("/numbering/"))
    gov = _row(page, world.units["gov"].id)
    assert (_span(gov, "next-issue"), _span(gov, "next-normative")) == ("测府〔2026〕2号", "测府规字〔2026〕2号")
    off = _row(page, office.id)
    assert (_span(off, "next-issue"), _span(off, "next-normative")) == ("测府办〔2026〕1号", "测府办规字〔2026〕1号")
    examples = (_span(off, "issue-example"), _span(off, "normative-example"))
    assert examples == ("测府办〔2026〕1号", "测府办规字〔2026〕1号")


def test_a_preview_shows_typed_patterns_without_saving_them(db, world, clock, login_as):
    c = login_as("admin")
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    r = c.get("/numbering/", query_string={"normative_number_pattern": "{prefix}规〔{year}〕{seq}号"})
    page = text(r)
    assert 'data-testid="previewing"' in page
    assert _span(_row(page, world.units["gov"].id), "normative-example") == "测府规〔2026〕1号"
    assert get_setting("normative_number_pattern") == "{prefix}规字〔{year}〕{seq}号"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events


def test_saving_an_issuers_own_pattern_changes_its_series(db, world, clock, login_as):
    c = login_as("admin")
    unit = world.units["gov"]
    r = c.post(f"/numbering/units/{unit.id}", data={"issue_pattern": "", "normative_pattern": "测规〔{year}〕{seq}号"})
    assert redirect_target(r)[0] == "/numbering/"
    row = db.session.scalar(sa.select(NumberPattern).where(NumberPattern.unit_id == unit.id))
    assert (row.issue_pattern, row.normative_pattern) == (None, "测规〔{year}〕{seq}号")
    page = text(c.get("/numbering/"))
    assert _span(_row(page, unit.id), "next-normative") == "测规〔2026〕1号"
    assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.action == "numbering.unit_pattern"))


def test_a_pattern_that_is_no_series_is_refused_with_the_reason_and_kept_on_the_page(db, world, clock, login_as):
    c = login_as("admin")
    r = c.post(
        "/numbering/defaults",
        data={
            "opinion_number_pattern": "沙司审〔{year}〕{seq}号",
            "issue_number_pattern": "{prefix}〔{year}〕号",
            "normative_number_pattern": "{prefix}规字〔{year}〕{seq}号",
        },
        follow_redirects=True,
    )
    assert any("须含且只含一次 {year}（年份）和 {seq}（序号）" in f for f in flashes(r))
    assert 'value="{prefix}〔{year}〕号"' in text(r)  # what was typed is still there
    assert get_setting("issue_number_pattern") == "{prefix}〔{year}〕{seq}号"


def test_only_the_administrator_may_see_or_change_the_patterns(db, world, login_as):
    for username in ("clerk", "reviewer", "drafter", "leader"):
        c = login_as(username)
        assert c.get("/numbering/").status_code == 403
        assert c.post("/numbering/defaults", data={"issue_number_pattern": "x{year}{seq}"}).status_code == 403
    assert get_setting("issue_number_pattern") == "{prefix}〔{year}〕{seq}号"
