"""Deadlines are never stale: a change brings its document's alerts up to date in the same transaction (no scan),
and every list of deadlines says how many days are left, in working or calendar days as the step's rule counts.

The clock reads 2026-11-02 10:00 in Beijing (a Monday). November 2026 has no holiday.
"""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from icalendar import Calendar

from tests.alerts.test_feeds import rotate
from tests.api.town import bearer, create_token
from tests.factories import (
    at,
    d,
    docx_bytes,
    draft,
    filing_result,
    in_force,
    publish,
    ready_to_publish,
    submit,
    submit_filing,
)
from tests.pages import text
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.scan import ScanResult, _reconcile, due_items, refresh, scan
from tracker.cleanup.services import open_due_evaluations
from tracker.extensions import db
from tracker.filing.models import FilingResult
from tracker.scheduler.models import JobRun

TODAY = d("2026-11-02")
TITLE = "测试镇夜市管理办法"


def risk_items(page: str, kind: str) -> list[tuple[str, str]]:
    """(level, text) of the risk board's items of one kind."""
    found = re.findall(
        rf'<li data-testid="risk-item" data-level="(\w+)" data-kind="{kind}">(.*?)</li>', page, flags=re.S
    )
    return [(level, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body)).strip()) for level, body in found]


def deadlines_of(page: str) -> str:
    section = re.search(r'data-testid="deadlines">(.*?)</ul>', page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(1))) if section else ""


def alerts_table(page: str) -> list[str]:
    table = re.search(r'data-testid="alerts">(.*?)</table>', page, flags=re.S)
    rows = re.findall(r"<tr class=[^>]*>(.*?)</tr>", table.group(1), flags=re.S) if table else []
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_publishing_puts_the_filing_deadline_on_the_clerks_board_at_once_with_days_left(
    app, db, world, login_as, clock
):
    doc = ready_to_publish(world, TITLE, d("2026-10-12"))  # numbered on 10-28
    db.session.commit()
    clerk = login_as("clerk")
    assert risk_items(text(clerk.get("/")), "filing_due") == []

    r = clerk.post(
        f"/publication/documents/{doc.id}/publish",
        data={
            "published_on": "2026-11-02",
            "channel": "镇人民政府门户网站",
            "url": "https://www.example.gov.cn/gfxwj/night-market.html",
            "effective_on": "2026-12-02",
            "validity_mode": "default",
            "official_text": (io.BytesIO(docx_bytes(TITLE, "第一条 总则。")), "正式文本.docx"),
            "interpretation": (io.BytesIO(docx_bytes("政策解读")), "政策解读.docx"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, text(r)

    # No scan ran (no job, no command): the publication's own transaction made the alerts.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    home = text(clerk.get("/"))
    # Filing: 15 calendar days after 11-02, 11-17 (a Tuesday); effect on 12-02, 30 days ahead.
    assert risk_items(home, "filing_due") == [("open", f"《{TITLE}》报送备案 报备期限 · 2026年11月17日 · 剩 15 日")]
    assert risk_items(home, "effect_due") == [("open", f"《{TITLE}》待施行 待施行 · 2026年12月2日 · 剩 30 日")]

    # The document page, the API, and the clerk's calendar feed say the same.
    page = deadlines_of(text(clerk.get(f"/documents/{doc.id}")))
    assert re.search(r"报送备案 ：2026年11月17日\s+剩余 15 日", page), page
    assert re.search(r"施行 ：2026年12月2日\s+剩余 30 日", page), page
    api = app.test_client()
    items = api.get("/api/v1/deadlines", headers=bearer(create_token(clerk))).get_json()["items"]
    assert [(i["kind"], i["due_on"], i["days_left"], i["days_counted"]) for i in items] == [
        ("filing_due", "2026-11-17", 15, "calendar_days"),
        ("effect_due", "2026-12-02", 30, "calendar_days"),
    ]
    feed = Calendar.from_ical(api.get(rotate(clerk)).get_data())
    assert [str(e["summary"]) for e in feed.walk("VEVENT")] == [
        f"报备期限：《{TITLE}》报送备案（剩 15 日）",
        f"待施行：《{TITLE}》待施行（剩 30 日）",
    ]


def test_a_submission_is_on_the_reviewers_list_at_once_in_working_days(db, world, login_as, clock):
    doc = draft(world, TITLE, TODAY)
    submit(world, doc, TODAY)
    db.session.commit()
    # Received 11-02; 15 working days: 11-03…06 (4), 11-09…13 (9), 11-16…20 (14), 11-23 (15).
    rows = alerts_table(text(login_as("reviewer").get("/")))
    assert rows == [f"未到期 《{TITLE}》第 1 轮合法性审查 合法性审查期限 2026年11月23日 剩 15 个工作日"]


def test_the_leader_sees_a_filing_registered_late_as_overdue_at_once(db, world, login_as, clock):
    doc = ready_to_publish(world, TITLE, d("2026-09-21"))
    # Published on 10-12 but recorded only today: the filing was due on 10-27 (a Tuesday).
    publish(world, doc, d("2026-10-12"), effective_on=d("2026-11-12"), now=at(TODAY, 9))
    db.session.commit()
    rows = alerts_table(text(login_as("leader").get("/")))
    assert rows == [f"已逾期 《{TITLE}》报送备案 报备期限 2026年10月27日 逾期 6 日"]


def test_an_evaluation_under_way_is_not_an_overdue_start(db, world, login_as, clock):
    # In force from 2022-02-08 with the default 5 years: the validity ends 2027-02-07, the evaluation window opened
    # 2026-08-07; filed and registered, so the only deadlines are the evaluation's.
    doc = in_force(world, TITLE, d("2021-12-01"), d("2022-01-04"), d("2022-02-08"))
    submit_filing(world, doc, d("2022-01-10"))
    filing_result(world, doc, d("2022-01-28"), FilingResult.REGISTERED)
    db.session.commit()
    drafter = login_as("drafter")

    def page() -> str:
        return deadlines_of(text(drafter.get(f"/documents/{doc.id}")))

    # Before the morning job opens it: due when the validity ends, 97 days ahead; never "start it", 87 days late.
    assert "启动有效期届满前评估" not in page()
    assert re.search(r"有效期届满前评估 ：2027年2月7日\s+剩余 97 日", page()), page()

    assert open_due_evaluations(today=TODAY, now=at(TODAY, 6, 30)) == 1
    db.session.commit()
    assert "启动有效期届满前评估" not in page() and "已逾期" not in page()
    assert re.search(r"有效期届满前评估 ：2027年2月7日\s+剩余 97 日", page()), page()
    assert re.search(r"有效期届满 ：2027年2月7日\s+剩余 97 日", page()), page()
    # The drafting unit's task says it too, and its alert is on the list with its days left.
    home = text(drafter.get("/"))
    task = re.search(r'data-testid="task-evaluation">(.*?)</li>', home, flags=re.S).group(1)
    assert re.sub(r"<[^>]+>", "", task) == f"完成评估：{TITLE}（2027年2月7日 前，剩 97 日）"
    assert alerts_table(home) == [f"未到期 《{TITLE}》有效期届满前评估 有效期届满前评估 2027年2月7日 剩 97 日"]


def test_a_document_before_its_window_shows_when_the_evaluation_starts(db, world, login_as, clock):
    doc = in_force(world, TITLE, d("2024-12-02"), d("2025-01-06"), d("2025-02-10"))
    db.session.commit()
    page = deadlines_of(text(login_as("drafter").get(f"/documents/{doc.id}")))
    # Validity to 2030-02-09; the evaluation opens 6 months before, 2029-08-09.
    assert re.search(r"启动有效期届满前评估 ：2029年8月9日\s+剩余 1011 日", page), page


def _statements(fn) -> int:
    count = 0

    def seen(*args):
        nonlocal count
        count += 1

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    return count


def _add_to_town(world, first: int, n: int) -> list[int]:
    """n submissions under review and n publications waiting for filing and effect."""
    ids = []
    for i in range(first, first + n):
        doc = draft(world, f"测试镇第{i}号送审办法", d("2026-10-19"))
        submit(world, doc, d("2026-10-19"))
        ids.append(doc.id)
        pub = ready_to_publish(world, f"测试镇第{i}号发布办法", d("2026-09-21"))
        publish(world, pub, d("2026-10-12"), effective_on=d("2026-11-12"))
        ids.append(pub.id)
    db.session.commit()
    return ids


def _measure(ids: list[int]) -> tuple[int, int]:
    """Statements of a scan that finds nothing to change, and of a refresh of these documents."""
    scan(today=TODAY, now=at(TODAY, 6, 30))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 3 * len(ids) // 2
    result: list[ScanResult] = []
    quiet = _statements(lambda: result.append(scan(today=TODAY, now=at(TODAY, 7))))
    assert (result[0].created, result[0].changed, result[0].escalated, result[0].resolved) == (0, 0, 0, 0)
    return quiet, _statements(lambda: refresh(today=TODAY, now=at(TODAY, 7), documents=ids))


def test_the_scan_and_the_refresh_read_sets_not_one_document_at_a_time(db, world):
    ids = _add_to_town(world, 0, 1)
    small = _measure(ids)
    ids += _add_to_town(world, 1, 2)
    # Three times the documents and due items, the same statements: one query per domain, not one per document.
    assert _measure(ids) == small


def test_an_alert_another_transaction_made_meanwhile_is_taken_over(db, world):
    doc = draft(world, TITLE, TODAY)
    submit(world, doc, TODAY)
    db.session.commit()
    [alert] = db.session.scalars(sa.select(Alert)).all()
    # As if another request had committed the alert after this transaction looked for it: the insert conflicts
    # with the unique key, the savepoint is rolled back and the row found is brought up to date instead.
    [item] = due_items(d("2026-11-18"), documents=[doc.id])
    result = ScanResult()
    _reconcile({(item.kind, item.key): item}, {}, today=d("2026-11-18"), now=at(d("2026-11-18")), result=result)
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalars(sa.select(Alert)).all() == [alert]
    assert (result.created, result.escalated) == (0, 1)
    # 11-18: 11-19, 11-20, 11-23 are left, three working days.
    assert (alert.kind, alert.level, alert.level_changed_on) == (
        AlertKind.REVIEW_DUE,
        AlertLevel.DUE_SOON,
        d("2026-11-18"),
    )
