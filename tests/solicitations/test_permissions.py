"""Who may see and handle drafts for comment: the 司法所 and the office handle them, the leader and the admin read
them, drafting units see nothing of them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import at, d
from tracker.extensions import db
from tracker.solicitations import services
from tracker.solicitations.models import Solicitation, SolicitationPhase

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
HANDLERS = {"reviewer", "clerk"}
READERS = {"leader", "admin"}


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    return clock


@pytest.fixture
def sol(world):
    sol = services.register(
        actor=world["reviewer"],
        now=at(d("2026-10-26")),
        from_body="中山市司法局",
        title="中山市行政执法公示办法（征求意见稿）",
        reference=None,
        received_on=d("2026-10-26"),
        reply_due_on=d("2026-11-09"),
        assignee_id=world["reviewer"].id,
    )
    services.save_reply(sol, actor=world["reviewer"], now=at(d("2026-10-27")), reply_text="建议删除第三条。",
                        assignee_id=None, expected_version=None)  # fmt: skip
    db.session.commit()
    return sol


def state(sol_id: int):
    db.session.expire_all()
    s = db.session.get(Solicitation, sol_id)
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Solicitation))
    return count, s.reply_text, s.phase, s.version_id


@pytest.mark.parametrize("who", ROLES)
def test_reading_the_register_and_a_request(db, world, login_as, sol, who):
    c = login_as(who)
    pages = {
        "list": c.get("/solicitations/?year=2026").status_code,
        "show": c.get(f"/solicitations/{sol.id}").status_code,
        "new": c.get("/solicitations/new").status_code,
        "reply.docx": c.get(f"/solicitations/{sol.id}/reply.docx").status_code,
    }
    if who in HANDLERS:
        assert pages == {"list": 200, "show": 200, "new": 200, "reply.docx": 200}
    elif who in READERS:
        assert pages == {"list": 200, "show": 200, "new": 403, "reply.docx": 403}
    else:
        assert pages == {"list": 403, "show": 403, "new": 403, "reply.docx": 403}


@pytest.mark.parametrize("who", ROLES)
def test_only_the_handlers_may_post(db, world, login_as, sol, who):
    c = login_as(who)
    before = state(sol.id)
    answers = [
        c.post(
            "/solicitations/new",
            data={
                "from_body": "中山市司法局",
                "title": "另一件征求意见稿",
                "received_on": "2026-11-02",
                "reply_due_on": "2026-11-16",
                "assignee_id": "0",
            },
        ).status_code,
        c.post(
            f"/solicitations/{sol.id}",
            data={"form": "reply", "r-reply_text": "改写", "r-assignee_id": "0", "r-version_id": "2"},
        ).status_code,
        c.post(
            f"/solicitations/{sol.id}",
            data={"form": "sent", "s-sent_on": "2026-11-02", "s-method": "公文交换系统"},
        ).status_code,
    ]
    if who in HANDLERS:
        assert answers == [302, 302, 302]
        count, reply, phase, _ = state(sol.id)
        assert (count, reply, phase) == (2, "改写", SolicitationPhase.SENT)
    else:
        assert answers == [403, 403, 403]
        assert state(sol.id) == before == (1, "建议删除第三条。", SolicitationPhase.DRAFTING, 2)


def test_a_reader_sees_the_reply_but_no_form(db, world, login_as, sol):
    page = login_as("leader").get(f"/solicitations/{sol.id}").get_data(as_text=True)
    assert "建议删除第三条。" in page
    assert 'data-testid="save-reply"' not in page and 'data-testid="mark-sent"' not in page
    assert 'data-testid="reply-docx"' not in page  # the Word letter is the handlers' (403 above)
