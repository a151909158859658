"""Daily digest e-mails against a real SMTP server on loopback (aiosmtpd), read back as a mail program would."""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from tests.alerts.lifecycle import seed_alerts
from tests.factories import at, d
from tracker.alerts.models import Alert, AlertLevel, ReminderSend
from tracker.alerts.reminders import send_digests
from tracker.scheduler.jobs import run_once

SITE = "http://tracker.test:8080"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Inbox:
    port: int
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this hook by name
        self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def messages(self) -> dict[str, EmailMessage]:
        """Recipient → the one message to them; fails if anyone got two."""
        out: dict[str, EmailMessage] = {}
        for rcpts, raw in self.received:
            for rcpt in rcpts:
                assert rcpt not in out, f"{rcpt} received two messages"
                out[rcpt] = message_from_bytes(raw, policy=policy.default)
        return out


@pytest.fixture
def inbox():
    box = Inbox(free_port())
    box.start()
    yield box
    box.stop()


@pytest.fixture
def mail(app, inbox, monkeypatch):
    """The app configured to send through the local server (monkeypatch restores the settings afterwards)."""
    for key, value in {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": inbox.port,
        "MAIL_FROM": "noreply@tracker.test",
        "SITE_URL": SITE,
        "MAIL_TIMEOUT": 5,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    return inbox


@pytest.fixture
def alerts(db, world, now):
    for user in world.users.values():
        user.email = f"{user.username}@town.test"
    seeded = seed_alerts(world, now)
    db.session.commit()
    return seeded


def body(msg: EmailMessage) -> str:
    return msg.get_body(preferencelist=("plain",)).get_content()


def sends(day) -> list[tuple[str, str, int, int]]:
    from tracker.auth.models import User
    from tracker.extensions import db

    db.session.expire_all()
    rows = db.session.execute(
        sa.select(User.username, ReminderSend.status, ReminderSend.attempts, ReminderSend.items)
        .join(User, User.id == ReminderSend.user_id)
        .where(ReminderSend.day == day)
        .order_by(User.username)
    ).all()
    return [tuple(r) for r in rows]


def test_each_user_gets_one_chinese_digest_with_links(db, mail, alerts):
    today = d("2026-11-02")
    result = send_digests(today=today, now=at(today, 8))
    db.session.commit()
    assert (result.sent, result.failed, result.skipped, result.nothing_due) == (4, 0, 0, 2)

    got = mail.messages()
    assert sorted(got) == ["clerk@town.test", "drafter@town.test", "leader@town.test", "reviewer@town.test"]
    r1, f2, e3 = alerts["r1"], alerts["f2"], alerts["e3"]

    reviewer = got["reviewer@town.test"]
    assert reviewer["Subject"] == "【规范性文件】11月2日提醒：1 项已逾期，0 项即将到期"
    assert reviewer["To"].addresses[0].display_name == "reviewer"
    assert reviewer["To"].addresses[0].addr_spec == "reviewer@town.test"
    assert reviewer["From"].addresses[0].display_name == "规范性文件审查备案跟踪"
    assert reviewer["From"].addresses[0].addr_spec == "noreply@tracker.test"
    assert body(reviewer).splitlines() == [
        "reviewer，您好：",
        "",
        "截至 2026-11-02，以下事项需要您处理：",
        "",
        "· [已逾期] 《测试镇r1号管理办法》第 1 轮合法性审查（合法性审查期限，期限 2026-10-30，逾期 1 个工作日）",
        f"  {SITE}/documents/{r1.document_id}",
        "",
        "此邮件由系统每日自动发送。",
    ]

    clerk = got["clerk@town.test"]
    assert clerk["Subject"] == "【规范性文件】11月2日提醒：0 项已逾期，1 项即将到期"
    assert "· [即将到期] 《测试镇f2号管理办法》报送备案（报备期限，期限 2026-11-04，剩 2 日）" in body(clerk)
    assert f"{SITE}/documents/{f2.document_id}" in body(clerk)
    assert "f4" not in body(clerk)  # still 未到期: not in a digest

    drafter = got["drafter@town.test"]
    assert drafter["Subject"] == "【规范性文件】11月2日提醒：0 项已逾期，1 项即将到期"
    assert "《测试镇e3号管理办法》有效期届满前评估（有效期届满前评估，期限 2026-11-05，剩 3 日）" in body(drafter)
    assert f"{SITE}/documents/{e3.document_id}" in body(drafter)

    leader = got["leader@town.test"]
    assert leader["Subject"] == "【规范性文件】11月2日提醒：1 项已逾期，0 项即将到期"
    assert f"{SITE}/documents/{r1.document_id}" in body(leader)

    # Headers travel RFC 2047-encoded, so every mail program shows the Chinese.
    raw = next(content for rcpts, content in mail.received if rcpts == ["reviewer@town.test"])
    headers = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    assert headers.isascii()
    assert b"subject: =?utf-8?" in headers.lower()

    assert sends(today) == [
        ("clerk", "sent", 1, 1),
        ("drafter", "sent", 1, 1),
        ("leader", "sent", 1, 1),
        ("reviewer", "sent", 1, 1),
    ]

    # Second run the same day: nothing is sent again.
    again = send_digests(today=today, now=at(today, 12))
    db.session.commit()
    assert (again.sent, again.failed, again.skipped) == (0, 0, 4)
    assert len(mail.received) == 4


def test_a_failed_send_is_recorded_and_sent_by_the_next_run(app, db, mail, alerts, caplog):
    today = d("2026-11-03")
    open_before = db.session.scalar(sa.select(sa.func.count()).where(Alert.level != AlertLevel.RESOLVED))
    mail.stop()  # the mail server is down: connections to its port are refused
    caplog.set_level(logging.WARNING, logger="tracker.alerts.reminders")

    summary = run_once("reminders", now=at(today, 8))
    assert summary == "sent=0 failed=4 skipped=0 nothing_due=2"  # the job finished: it did not crash
    assert sends(today) == [
        ("clerk", "failed", 1, 1),
        ("drafter", "failed", 1, 1),
        ("leader", "failed", 1, 1),
        ("reviewer", "failed", 1, 1),
    ]
    assert all(row.last_error for row in db.session.scalars(sa.select(ReminderSend)))
    assert "reminders: sending to reviewer failed (attempt 1)" in caplog.text
    # The alerts are untouched.
    assert db.session.scalar(sa.select(sa.func.count()).where(Alert.level != AlertLevel.RESOLVED)) == open_before
    assert mail.received == []

    # The server is back; the next run (here `flask jobs run reminders --force`, as an operator retries) sends.
    mail.start()
    out = app.test_cli_runner().invoke(args=["jobs", "run", "reminders", "--date", "2026-11-03", "--force"])
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "sent=4 failed=0 skipped=0 nothing_due=2"
    assert sends(today) == [
        ("clerk", "sent", 2, 1),
        ("drafter", "sent", 2, 1),
        ("leader", "sent", 2, 1),
        ("reviewer", "sent", 2, 1),
    ]
    got = mail.messages()
    assert got["reviewer@town.test"]["Subject"] == "【规范性文件】11月3日提醒：1 项已逾期，0 项即将到期"
    assert len(got) == 4

    # And once sent, a further run that day sends nothing.
    out = app.test_cli_runner().invoke(args=["jobs", "run", "reminders", "--date", "2026-11-03", "--force"])
    assert out.output.strip() == "sent=0 failed=0 skipped=4 nothing_due=2"
    assert len(mail.received) == 4


def test_without_a_mail_server_nothing_is_sent_and_the_admin_is_told(app, db, inbox, alerts, login_as, monkeypatch):
    # The SMTP server is up and its port configured, but MAIL_SERVER is empty (TestConfig's default).
    monkeypatch.setitem(app.config, "MAIL_PORT", inbox.port)
    assert app.config["MAIL_SERVER"] == ""
    today = d("2026-11-02")
    result = send_digests(today=today, now=at(today, 8))
    assert result.sent == result.failed == 0
    assert inbox.received == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderSend)) == 0

    notice = 'data-testid="mail-missing"'
    page = login_as("admin").get("/")
    assert page.status_code == 200
    assert notice in page.get_data(as_text=True)
    assert "尚未配置邮件服务器" in page.get_data(as_text=True)
    assert notice not in login_as("clerk").get("/").get_data(as_text=True)  # only the admin is told

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    assert notice not in login_as("admin").get("/").get_data(as_text=True)


def test_an_address_that_cannot_be_sent_to_fails_alone(db, mail, alerts, world):
    """The user form accepts any a@b.c; a non-ASCII address must fail for that user only, not stop the job."""
    world["drafter"].email = "经办人@例子.中国"
    db.session.commit()
    today = d("2026-11-02")
    summary = run_once("reminders", now=at(today, 8))
    assert summary == "sent=3 failed=1 skipped=0 nothing_due=2"
    assert sorted(mail.messages()) == ["clerk@town.test", "leader@town.test", "reviewer@town.test"]
    assert sends(today) == [
        ("clerk", "sent", 1, 1),
        ("drafter", "failed", 1, 1),
        ("leader", "sent", 1, 1),
        ("reviewer", "sent", 1, 1),
    ]
