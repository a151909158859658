"""The register's rows are rendered once and remembered until the next write (register/views.index): every write,
a new day, another view of the records and another town each get rows of their own (issue #17)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.pages import without_tokens
from tests.register.test_register import listed, reg  # noqa: F401 (the fixture)
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.documents.models import Document
from tracker.extensions import db as _db


def test_the_rows_follow_every_write(db, reg, login_as, now):  # noqa: F811
    clerk = login_as("clerk")
    page = clerk.get("/documents/?status=drafting").get_data(as_text=True)
    doc = _db.session.get(Document, reg.draft)
    assert doc.title in page
    again = clerk.get("/documents/?status=drafting").get_data(as_text=True)
    assert without_tokens(again) == without_tokens(page)  # remembered: the same rows
    doc.title = "测试镇改名后的管理办法"
    db.session.commit()
    page = clerk.get("/documents/?status=drafting").get_data(as_text=True)
    assert "测试镇改名后的管理办法" in page
    # A deadline's badge comes with the alert that brings it.
    badge = f'data-document-id="{reg.draft_2025}"'
    row = page.split(badge, 1)[1].split("</tr>", 1)[0]
    assert "未办结期限" not in row
    db.session.add(
        Alert(
            town_id=doc.town_id,
            kind=AlertKind.FILING_DUE,
            subject_key="test:remembered",
            document_id=reg.draft_2025,
            unit_id=doc.drafting_unit_id,
            due_on=now.date(),
            rule_code="filing_deadline",
            provisional=False,
            level=AlertLevel.OVERDUE,
            message="测试",
            created_at=now,
        )
    )
    db.session.commit()
    page = clerk.get("/documents/?status=drafting").get_data(as_text=True)
    row = page.split(badge, 1)[1].split("</tr>", 1)[0]
    assert "未办结期限" in row and "逾期" in row


def test_each_view_of_the_records_has_rows_of_its_own(reg, login_as):  # noqa: F811
    # Every login first: a login writes (the time of the last login), and no write may come between the lists.
    clerk, drafter, drafter2, leader = (login_as(name) for name in ("clerk", "drafter", "drafter2", "leader"))
    everything = set(listed(clerk, ""))
    assert reg.draft_2025 in everything  # the clerk's rows, remembered first
    assert reg.draft_2025 not in listed(drafter, "")  # another unit's draft: never the clerk's rows
    assert reg.draft_2025 in listed(drafter2, "")
    assert set(listed(leader, "")) == everything  # every document of the town: the clerk's view


def test_a_new_day_renders_the_rows_again(reg, login_as, clock):  # noqa: F811
    clerk = login_as("clerk")
    assert listed(clerk, "expiring=3") == [reg.expiring_soon]  # 2026-11-02: ends 2026-12-31
    clock.set(datetime(2027, 1, 15, 2, tzinfo=UTC))  # nothing written since
    assert listed(clerk, "expiring=3") == [reg.in_force]  # ends 2027-03-31
