"""开始施行 and 有效期届满失效 by hand: buttons posting to their own endpoints, refused in words on the page."""

from __future__ import annotations

import re

from tests.factories import d, in_force, publish, ready_to_publish
from tests.pages import error_message, flashes, text
from tracker.documents.states import DocStatus
from tracker.extensions import db


def _buttons(page: str) -> dict[str, str]:
    """action name -> where its form posts, for the actions panel of a document page."""
    return dict(re.findall(r'data-testid="action-(\w+)">\s*<form method="post" action="([^"]+)"', page))


def test_a_numbered_document_cannot_be_taken_into_force_and_says_why(world, login_as):
    doc = ready_to_publish(world, "测试镇编号待发布办法", d("2026-09-01"))
    db.session.commit()
    clerk = login_as("clerk")
    url = f"/publication/documents/{doc.id}/take-effect"
    assert clerk.get(url).status_code == 405
    r = clerk.post(url)  # a page left open, or a forged post: no 500
    assert r.status_code == 409
    assert error_message(r) == "文件当前为“已登记编号待发布”，不能执行“开始施行”。"  # said beside the actions
    assert 'data-testid="doc-title"' in text(r)
    db.session.refresh(doc)
    assert doc.status is DocStatus.NUMBERED


def test_the_buttons_post_to_their_endpoints_and_work(world, login_as):
    published = ready_to_publish(world, "测试镇已发布待施行办法", d("2026-08-03"))
    publish(world, published, d("2026-09-01"), effective_on=d("2026-10-08"))
    expiring = in_force(world, "测试镇有效期已满办法", d("2020-01-06"), d("2020-03-02"), d("2020-04-01"))
    db.session.commit()
    clerk = login_as("clerk")

    page = text(clerk.get(f"/documents/{published.id}"))
    assert _buttons(page)["take_effect"] == f"/publication/documents/{published.id}/take-effect"
    r = clerk.post(f"/publication/documents/{published.id}/take-effect")
    assert r.status_code == 302 and "已登记开始施行。" in flashes(clerk.get(f"/documents/{published.id}"))
    db.session.refresh(published)
    assert published.status is DocStatus.IN_FORCE

    page = text(clerk.get(f"/documents/{expiring.id}"))
    assert _buttons(page)["expire"] == f"/publication/documents/{expiring.id}/expire"
    r = clerk.post(f"/publication/documents/{expiring.id}/expire")
    assert r.status_code == 302
    db.session.refresh(expiring)
    assert expiring.status is DocStatus.EXPIRED

    # Nobody else holds the step.
    for role in ("drafter", "reviewer", "leader"):
        assert login_as(role).post(f"/publication/documents/{expiring.id}/expire").status_code == 403
