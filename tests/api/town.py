"""Seven documents of two drafting units for the API tests, and helpers to obtain a token through /account.

key            title                          unit      state on 2026-11-02    drafter sees   drafter2 sees
own_draft      测试镇执法局起草中的办法         执法局     起草中                  yes            no
own_submitted  测试镇执法局送审中的办法         执法局     已送审                  yes            no
own_in_force   测试镇执法局施行中的办法         执法局     施行中（未报备）         yes            yes
other_draft    测试镇农业办起草中的办法         农业办     起草中                  no             yes
other_numbered 测试镇农业办已编号待发布的办法    农业办     已登记编号待发布          no             yes
other_in_force 测试镇农业办施行中的办法         农业办     施行中                  yes            yes
other_repealed 测试镇农业办已废止的办法         农业办     已废止                  yes            yes
"""

from __future__ import annotations

import re

from tests.factories import World, at, d, draft, in_force, make_document, ready_to_publish, repeal, submit
from tracker.extensions import db

TITLES = {
    "own_draft": "测试镇执法局起草中的办法",
    "own_submitted": "测试镇执法局送审中的办法",
    "own_in_force": "测试镇执法局施行中的办法",
    "other_draft": "测试镇农业办起草中的办法",
    "other_numbered": "测试镇农业办已编号待发布的办法",
    "other_in_force": "测试镇农业办施行中的办法",
    "other_repealed": "测试镇农业办已废止的办法",
}
SEEN_BY = {
    "drafter": {"own_draft", "own_submitted", "own_in_force", "other_in_force", "other_repealed"},
    "drafter2": {"own_in_force", "other_draft", "other_numbered", "other_in_force", "other_repealed"},
}


def build(w: World) -> dict[str, int]:
    """The documents above, through the real services; returns their ids by key."""
    docs = {
        "own_draft": make_document(w, at(d("2026-10-12")), title=TITLES["own_draft"]),
        "other_draft": make_document(w, at(d("2026-10-12")), title=TITLES["other_draft"], drafter="drafter2"),
    }
    docs["own_submitted"] = draft(w, TITLES["own_submitted"], d("2026-10-26"))
    submit(w, docs["own_submitted"], d("2026-10-26"))
    # Published 2026-05-25, in force from 2026-06-25; the filing (due 2026-06-09) was never submitted.
    docs["own_in_force"] = in_force(w, TITLES["own_in_force"], d("2026-05-04"), d("2026-05-25"), d("2026-06-25"))
    docs["other_numbered"] = ready_to_publish(w, TITLES["other_numbered"], d("2026-09-01"), drafter="drafter2")
    docs["other_in_force"] = in_force(
        w, TITLES["other_in_force"], d("2026-06-01"), d("2026-06-22"), d("2026-07-22"), drafter="drafter2"
    )
    docs["other_repealed"] = in_force(
        w, TITLES["other_repealed"], d("2026-03-02"), d("2026-03-23"), d("2026-04-23"), drafter="drafter2"
    )
    repeal(w, docs["other_repealed"], d("2026-09-01"))
    db.session.commit()
    return {key: doc.id for key, doc in docs.items()}


def create_token(client, name: str = "OA 系统") -> str:
    """Create a token on the account page (as the user logged in on `client`) and read it off the page."""
    r = client.post("/account", data={"action": "api_create", "name": name})
    assert r.status_code == 200, r.status_code
    m = re.search(r'data-testid="new-token">([^<]+)</code>', r.get_data(as_text=True))
    assert m, "the new token is not shown"
    return m.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
