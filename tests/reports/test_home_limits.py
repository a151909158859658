"""The home pages list a bounded number of rows and say how many there are (issue #17: a town's leader may have
thousands of overdue deadlines; the page shows the earliest and names the rest)."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.factories import d, make_document
from tracker import main
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.reports import dashboard


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
