"""The home pages list a bounded number of rows and say how many there are (issue #17: a town's leader may have
thousands of overdue deadlines; the page shows the earliest and names the rest)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import PASS_WITH_CHANGES, RETURN, at, d, make_document
from tests.pages import without_tokens
from tests.review import steps
from tests.word.town_year import publish_documents
from tracker import main
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupResult
from tracker.documents.states import DocStatus
from tracker.reports import dashboard
from tracker.review.models import FindingResponse
from tracker.review.services import answer_finding


def _overdue(db, world, now, n: int) -> None:
    doc = make_document(world, now, title="测试镇逾期事项办法")
    # As tests/alerts/lifecycle.py: the draft is committed first, and the made-up alerts only flushed (a commit
    # would bring the alerts of the draft, which owes nothing, up to date).
    db.session.commit()
    for i in range(n):
        day = d("2026-01-01") + timedelta(days=i)
        alert = Alert(
            town_id=doc.town_id,
            kind=AlertKind.FILING_DUE,
            subject_key=f"test:{i}",
            document_id=doc.id,
            unit_id=doc.drafting_unit_id,
            due_on=day,
            rule_code="filing_deadline",
            provisional=False,
            level=AlertLevel.OVERDUE,
            level_changed_on=d("2026-11-02"),
            message=f"第{i}项报送备案（{day.isoformat()}）",
            created_at=now,
        )
        db.session.add(alert)


def rows_of(page: str, testid: str) -> int:
    table = re.search(rf'data-testid="{testid}">(.*?)</table>', page, flags=re.S)
    assert table, testid
    return table.group(1).count("<tr") - 1  # the header row


def test_a_leader_sees_the_earliest_overdue_deadlines_and_how_many_there_are(db, world, now, login_as):
    _overdue(db, world, now, main.HOME_ALERTS + 3)
    db.session.flush()
    page = login_as("leader").get("/").get_data(as_text=True)
    assert rows_of(page, "alerts") == main.HOME_ALERTS
    assert f"共 {main.HOME_ALERTS + 3} 项，此处列出期限最早的 {main.HOME_ALERTS} 项" in page
    assert "第0项报送备案" in page and f"第{main.HOME_ALERTS + 2}项报送备案" not in page  # the earliest first


def test_a_short_list_says_nothing_more(db, world, now, login_as):
    _overdue(db, world, now, 2)
    db.session.flush()
    page = login_as("leader").get("/").get_data(as_text=True)
    assert rows_of(page, "alerts") == 2 and 'data-testid="alerts-more"' not in page


def test_a_drafting_unit_sees_its_latest_documents_in_progress_and_the_way_to_the_rest(db, world, now, login_as):
    for i in range(dashboard.DRAFTER_LIST + 2):
        make_document(world, now + timedelta(minutes=i), title=f"测试镇第{i}号在办办法")
    db.session.commit()
    page = login_as("drafter").get("/").get_data(as_text=True)
    assert page.count('data-testid="in-progress"') == dashboard.DRAFTER_LIST
    assert f"共 {dashboard.DRAFTER_LIST + 2} 件，此处列出最近更新的 {dashboard.DRAFTER_LIST} 件" in page
    assert f"?unit={world['drafter'].unit_id}" in page
    assert f"测试镇第{dashboard.DRAFTER_LIST + 1}号在办办法" in page and "测试镇第0号在办办法" not in page


def test_the_clerks_risk_board_lists_the_most_urgent_and_leads_to_the_register_for_the_rest(db, world, now, login_as):
    extra = 7
    _overdue(db, world, now, dashboard.RISK_BOARD_ROWS + extra)
    db.session.flush()
    clerk = login_as("clerk")
    page = clerk.get("/").get_data(as_text=True)
    assert page.count('data-testid="risk-item"') == dashboard.RISK_BOARD_ROWS
    assert "第0项报送备案" in page and f"第{dashboard.RISK_BOARD_ROWS}项报送备案" not in page  # the most urgent first
    more = re.search(r'<p [^>]*id="risk-more"[^>]*>(.*?)</p>', page, flags=re.S)
    assert more, "risk-more"
    shown, total = dashboard.RISK_BOARD_ROWS, dashboard.RISK_BOARD_ROWS + extra
    assert re.sub(r"<[^>]+>", "", more.group(1)).startswith(
        f"仅列出最紧急的 {shown} 项（共 {total} 项）；另有 {extra} 项未列出"
    )
    href = re.search(r'<a href="([^"]+)">登记簿中的期限视图</a>', more.group(1))
    assert href and href.group(1) == "/documents/?deadlines=1"
    register = clerk.get(href.group(1))
    assert register.status_code == 200
    listing = register.get_data(as_text=True)
    assert 'name="deadlines" value="1" checked' in listing  # the register's filter of open deadlines is on
    assert "测试镇逾期事项办法" in listing


def test_a_short_risk_board_says_nothing_more(db, world, now, login_as):
    _overdue(db, world, now, 2)
    db.session.flush()
    page = login_as("clerk").get("/").get_data(as_text=True)
    assert page.count('data-testid="risk-item"') == 2 and 'id="risk-more"' not in page


def _concluded(world, now, title: str, label: str, *, answer: bool = False):
    doc, rnd = steps.under_review(world, now, title=title)
    steps.fill_points(rnd, world, now)
    steps.finding(rnd, world, now)
    steps.conclude(doc, world, now, label)
    if answer:
        (finding,) = rnd.findings
        answer_finding(finding, actor=world["drafter"], now=now, response=FindingResponse.ADOPTED, reason="")
    return doc


def test_the_drafters_answers_are_the_latest_first_at_most_a_page_and_counted(db, world, now, login_as, monkeypatch):
    """Returned drafts and passed drafts with a suggestion unanswered wait for the unit; a passed draft whose
    suggestions are answered does not. A unit with more than a page of them sees the latest and how many."""
    monkeypatch.setattr(dashboard, "DRAFTER_LIST", 3)
    returned = [_concluded(world, now + timedelta(minutes=i), f"测试镇退回第{i}号办法", RETURN) for i in range(3)]
    suggested = _concluded(world, now + timedelta(minutes=5), "测试镇待答复建议办法", PASS_WITH_CHANGES)
    answered = _concluded(world, now + timedelta(minutes=6), "测试镇已答复建议办法", PASS_WITH_CHANGES, answer=True)
    db.session.commit()
    assert {doc.status for doc in returned} == {DocStatus.RETURNED}
    assert suggested.status is answered.status is DocStatus.PASSED
    page = login_as("drafter").get("/").get_data(as_text=True)
    listed = re.findall(r'data-testid="task-answer"><a href="[^"]+">答复审查意见：([^<]+)</a>', page)
    assert listed == ["测试镇待答复建议办法", "测试镇退回第2号办法", "测试镇退回第1号办法"]
    more = re.search(r'data-testid="answers-more">(.*?)</p>', page, flags=re.S)
    assert more and "待答复审查意见的草案共 4 件，此处列出最近更新的 3 件" in more.group(1)
    # With the page larger than the list, every draft is listed and nothing more is said.
    monkeypatch.setattr(dashboard, "DRAFTER_LIST", 30)
    page = login_as("drafter").get("/").get_data(as_text=True)
    assert page.count('data-testid="task-answer"') == 4 and 'data-testid="answers-more"' not in page


def test_the_drafters_clean_up_proposals_are_at_most_a_page_and_lead_to_the_campaign(db, world, login_as, monkeypatch):
    publish_documents(world)
    campaign = cleanup.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-10-08")),
        name="2026年定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2026-09-30"),
    )
    db.session.commit()
    unit = world["drafter"].unit_id
    asked = [item for item in campaign.items if item.document.drafting_unit_id == unit]
    assert len(asked) >= 2
    monkeypatch.setattr(dashboard, "DRAFTER_LIST", len(asked) - 1)
    page = login_as("drafter").get("/").get_data(as_text=True)
    assert page.count('data-testid="task-proposal"') == len(asked) - 1
    more = re.search(r'data-testid="proposals-more">(.*?)</p>', page, flags=re.S)
    assert more and f"待提出清理意见的文件共 {len(asked)} 件，此处列出 {len(asked) - 1} 件" in more.group(1)
    assert f'href="/cleanup/{campaign.id}"' in more.group(1)
    # Once proposed, an item leaves the list; after the campaign moves on, nothing is asked.
    first = asked[0]
    cleanup.propose(
        first, actor=world["drafter"], now=at(d("2026-10-09")), result=CleanupResult.KEEP, reason="仍然适用。"
    )
    db.session.commit()
    page = login_as("drafter").get("/").get_data(as_text=True)
    assert page.count('data-testid="task-proposal"') == len(asked) - 1
    assert 'data-testid="proposals-more"' not in page


def test_the_home_page_is_each_persons_and_follows_every_write_and_each_day(db, world, now, login_as, clock):
    """The body of the home page is remembered per person and day until the next write (main.index)."""
    make_document(world, now, title="测试镇本单位在办办法")  # the first drafting unit's
    db.session.commit()
    # Every login first: a login writes, and the pages below are asked with nothing written in between.
    leader, drafter, drafter2 = (login_as(name) for name in ("leader", "drafter", "drafter2"))
    assert "测试镇本单位在办办法" in drafter.get("/").get_data(as_text=True)
    assert "测试镇本单位在办办法" not in drafter2.get("/").get_data(as_text=True)  # never the other unit's page
    first = leader.get("/").get_data(as_text=True)
    assert "您好，" + world["leader"].display_name in first
    assert without_tokens(leader.get("/").get_data(as_text=True)) == without_tokens(first)
    _overdue(db, world, now, 1)
    db.session.commit()
    page = leader.get("/").get_data(as_text=True)
    assert "第0项报送备案" in page  # the write is on the page at once
    left = re.search(r'data-testid="days-left">([^<]+)<', page).group(1)
    clock.set(now + timedelta(days=7))  # a week later, nothing written
    later = re.search(r'data-testid="days-left">([^<]+)<', leader.get("/").get_data(as_text=True)).group(1)
    assert later != left
