"""The read-only API answers with what the pages would show the same user: documents, deadlines, statistics."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.alerts.lifecycle import seed_alerts
from tests.api import town
from tests.api.town import bearer, create_token
from tests.conftest import FIXED_NOW
from tests.factories import d, make_document
from tests.pages import is_chinese
from tracker.documents.models import Document

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
TODAY = d("2026-11-02")


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    return clock


class TokenClient:
    """Calls the API with a user's token, on a client without a session."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, bearer(token)

    def __call__(self, url: str):
        return self.client.get(url, headers=self.headers)

    def post(self, url: str, **kw):
        return self.client.post(url, headers=self.headers, **kw)


@pytest.fixture
def api(app, login_as):
    """api('drafter')(url) -> the response to GET url with a token of that user."""
    return lambda username: TokenClient(app.test_client(), create_token(login_as(username)))


def keys_of(ids: dict[str, int], found) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in found}


@pytest.mark.parametrize("who", ROLES)
def test_the_list_holds_exactly_the_documents_the_register_shows(db, world, api, login_as, who):
    ids = town.build(world)
    expected = town.SEEN_BY.get(who, set(town.TITLES))  # every other role sees every document

    body = api(who)("/api/v1/documents").get_json()
    assert body["total"] == len(expected) and (body["page"], body["per_page"]) == (1, 50)
    assert keys_of(ids, [item["id"] for item in body["items"]]) == expected
    assert {item["title"] for item in body["items"]} == {town.TITLES[k] for k in expected}
    assert [item["id"] for item in body["items"]] == sorted(item["id"] for item in body["items"])

    page = login_as(who).get("/documents/").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r'href="/documents/(\d+)"', page)}
    assert keys_of(ids, shown) == expected


def test_the_remembered_list_is_each_views_own_and_follows_every_write(db, world, api):
    """The list is remembered per page and view of the records until the next write (api/views.documents)."""
    ids = town.build(world)
    drafter, drafter2, clerk = api("drafter"), api("drafter2"), api("clerk")  # tokens first: creating one writes
    for who, client in (("clerk", clerk), ("drafter", drafter), ("drafter2", drafter2)):
        found = [item["id"] for item in client("/api/v1/documents").get_json()["items"]]
        assert keys_of(ids, found) == town.SEEN_BY.get(who, set(town.TITLES)), who
    doc = db.session.get(Document, ids["own_draft"])
    doc.title = "测试镇改名后的接口文件"
    db.session.commit()
    titles = {item["title"] for item in drafter("/api/v1/documents").get_json()["items"]}
    assert "测试镇改名后的接口文件" in titles


def test_an_item_carries_the_register_fields(db, world, api):
    ids = town.build(world)
    items = {i["id"]: i for i in api("drafter2")("/api/v1/documents").get_json()["items"]}
    # Numbered first of the year (2026-05-20), published 2026-05-25, in force 2026-06-25, 5 years' validity.
    assert items[ids["own_in_force"]] == {
        "id": ids["own_in_force"],
        "title": "测试镇执法局施行中的办法",
        "status": "in_force",
        "status_label": "施行中",
        "filing_status": "not_submitted",
        "kind": "government",
        "issuer": "测试镇人民政府",
        "drafting_unit": "测试镇综合行政执法局",
        "issue_number": "测府〔2026〕1号",
        "normative_number": "测府规字〔2026〕1号",
        "published_on": "2026-05-25",
        "effective_on": "2026-06-25",
        "validity_end_on": "2031-06-24",
        "ended_on": None,
    }
    repealed = items[ids["other_repealed"]]
    assert (repealed["status"], repealed["status_label"], repealed["ended_on"]) == ("repealed", "已废止", "2026-09-01")
    draft = items[ids["other_draft"]]
    assert (draft["status"], draft["issue_number"], draft["published_on"]) == ("drafting", None, None)


def test_pages_and_page_sizes(db, world, api):
    ids = town.build(world)
    get = api("clerk")
    in_order = sorted(ids.values())

    def page(query: str):
        body = get(f"/api/v1/documents?{query}").get_json()
        return body["page"], body["per_page"], body["total"], [i["id"] for i in body["items"]]

    assert page("per_page=3") == (1, 3, 7, in_order[:3])
    assert page("per_page=3&page=2") == (2, 3, 7, in_order[3:6])
    assert page("per_page=3&page=3") == (3, 3, 7, in_order[6:])
    assert page("per_page=3&page=4") == (4, 3, 7, [])
    # Out-of-range or unreadable values fall back to the nearest sensible one.
    assert page("per_page=3&page=0") == (1, 3, 7, in_order[:3])
    assert page("per_page=0") == (1, 1, 7, in_order[:1])
    assert page("per_page=abc&page=xyz") == (1, 50, 7, in_order)


def test_a_page_holds_at_most_200_documents(db, world, api):
    for n in range(203):
        make_document(world, FIXED_NOW, title=f"测试镇第{n}号管理办法")
    db.session.commit()
    get = api("leader")
    body = get("/api/v1/documents?per_page=1000").get_json()
    assert (body["per_page"], body["total"], len(body["items"])) == (200, 203, 200)
    body = get("/api/v1/documents?per_page=1000&page=2").get_json()
    assert (body["page"], body["per_page"], len(body["items"])) == (2, 200, 3)
    all_ids = sorted(db.session.scalars(sa.select(Document.id)))
    assert [i["id"] for i in body["items"]] == all_ids[200:]


def test_the_status_filter_and_an_unknown_status(db, world, api):
    ids = town.build(world)
    get = api("drafter")

    def keys(status: str) -> set[str]:
        body = get(f"/api/v1/documents?status={status}").get_json()
        assert body["total"] == len(body["items"])
        return keys_of(ids, [i["id"] for i in body["items"]])

    assert keys("in_force") == {"own_in_force", "other_in_force"}
    assert keys("drafting") == {"own_draft"}  # not the other unit's draft
    assert keys("submitted") == {"own_submitted"}
    assert keys("numbered") == set()  # the other unit's numbered document is not published yet
    assert keys("repealed") == {"other_repealed"}

    r = get("/api/v1/documents?status=bogus")
    assert r.status_code == 400 and r.is_json
    assert r.get_json() == {"error": "未知状态：bogus"}


def test_one_document_with_its_deadlines(db, world, api):
    ids = town.build(world)
    r = api("drafter2")(f"/api/v1/documents/{ids['own_in_force']}")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["id"], body["title"], body["status"]) == (ids["own_in_force"], "测试镇执法局施行中的办法", "in_force")
    # Filing due 15 days after publication (2026-05-25 -> 2026-06-09, never filed); evaluation from 6 months before
    # the validity ends (2031-06-24).
    assert body["deadlines"] == [
        {
            "label": "报送备案",
            "due_on": "2026-06-09",
            "days_left": (d("2026-06-09") - TODAY).days,
            "days_counted": "calendar_days",
            "rule": "15自然日，通行做法",
            "provisional": False,
        },
        {
            "label": "启动有效期届满前评估",
            "due_on": "2030-12-24",
            "days_left": (d("2030-12-24") - TODAY).days,
            "days_counted": "calendar_days",
            "rule": "6个月，粤府令第277号第34条",
            "provisional": False,
        },
        {
            "label": "有效期届满",
            "due_on": "2031-06-24",
            "days_left": (d("2031-06-24") - TODAY).days,
            "days_counted": "calendar_days",
            "rule": "5年，粤府令第277号第34条；外地规定",
            "provisional": False,
        },
    ]
    assert body["deadlines"][0]["days_left"] == -146


def test_a_document_the_user_may_not_see_is_forbidden_and_an_unknown_one_not_found(db, world, api):
    ids = town.build(world)
    get = api("drafter")
    for key in ("other_draft", "other_numbered"):
        r = get(f"/api/v1/documents/{ids[key]}")
        assert (r.status_code, r.get_json()) == (403, {"error": "无权查看该文件。"}), key
    for key in town.SEEN_BY["drafter"]:
        assert get(f"/api/v1/documents/{ids[key]}").status_code == 200, key
    r = get(f"/api/v1/documents/{max(ids.values()) + 1}")
    assert (r.status_code, r.get_json()) == (404, {"error": "文件不存在。"})


# seed_alerts (tests/alerts/lifecycle.py): who is responsible for which alert on 2026-11-02.
ALERTS_OF = {
    "reviewer": ["r1"],
    "clerk": ["f2", "f4"],
    "drafter": ["e3"],
    "drafter2": ["e6"],
    "leader": ["r1"],
    "admin": [],
}

# On 2026-11-02 (a Monday): the review counts working days (due Friday 10-30: one working day late), the rest
# calendar days.
DAYS_LEFT = {
    "r1": (-1, "working_days"),
    "f2": (2, "calendar_days"),
    "f4": (28, "calendar_days"),
    "e3": (3, "calendar_days"),
    "e6": (59, "calendar_days"),
}


@pytest.mark.parametrize("who", ROLES)
def test_deadlines_are_the_users_own_open_alerts(db, world, api, who):
    alerts = seed_alerts(world, FIXED_NOW)
    db.session.commit()
    items = api(who)("/api/v1/deadlines").get_json()["items"]
    expected = [
        {
            "kind": alerts[key].kind.value,
            "kind_label": alerts[key].kind.label,
            "level": alerts[key].level.value,
            "due_on": alerts[key].due_on.isoformat(),
            "days_left": DAYS_LEFT[key][0],
            "days_counted": DAYS_LEFT[key][1],
            "provisional": False,
            "message": alerts[key].message,
            "document_id": alerts[key].document_id,
        }
        for key in ALERTS_OF[who]
    ]
    assert items == expected


def test_deadline_items_spelled_out(db, world, api):
    alerts = seed_alerts(world, FIXED_NOW)
    db.session.commit()
    assert api("clerk")("/api/v1/deadlines").get_json()["items"] == [
        {
            "kind": "filing_due",
            "kind_label": alerts["f2"].kind.label,
            "level": "due_soon",
            "due_on": "2026-11-04",
            "days_left": 2,  # calendar days, as the filing rule counts
            "days_counted": "calendar_days",
            "provisional": False,
            "message": "《测试镇f2号管理办法》报送备案",
            "document_id": alerts["f2"].document_id,
        },
        {
            "kind": "filing_due",
            "kind_label": alerts["f4"].kind.label,
            "level": "open",
            "due_on": "2026-11-30",
            "days_left": 28,
            "days_counted": "calendar_days",
            "provisional": False,
            "message": "《测试镇f4号管理办法》报送备案",
            "document_id": alerts["f4"].document_id,
        },
    ]


@pytest.mark.parametrize("who", ROLES)
def test_statistics_follow_the_reports_permission(db, world, api, who):
    town.build(world)
    r = api(who)("/api/v1/statistics/2026")
    if who.startswith("drafter"):
        assert (r.status_code, r.get_json()) == (403, {"error": "无权查看统计。"})
        return
    assert r.status_code == 200
    body = r.get_json()
    assert body["year"] == 2026
    # Counted by hand from tests/api/town.py: four documents reviewed (合法，同意出台) and numbered in 2026, three
    # of them published (none filed), one repealed on 2026-09-01 before the year ends.
    rates = {k: (v["numerator"], v["denominator"], v["percent"]) for k, v in body["rates"].items()}
    assert rates == {
        "review_rate": (3, 3, 100.0),
        "publication_rate": (3, 4, 75.0),
        "filing_rate": (0, 3, 0.0),
        "on_time_rate": (0, 0, None),
    }
    assert body["rates"]["review_rate"]["label"] == "合法性审查审核率"
    figures = {k: (v["value"], v["breakdown"]) for k, v in body["figures"].items()}
    assert figures == {
        "opinions": (4, {"合法，同意出台": 4}),
        "reviewed": (4, {}),
        "published": (3, {}),
        "filing_outcomes": (0, {}),
        "cleanups": (0, {}),
        # The repeal of 2026-09-01 (outside a campaign) is counted (docs/rules.md §7).
        "ended": (1, {"废止": 1, "其中经清理": 0}),
        "evaluations": (0, {}),
        "in_force": (2, {}),
        "expiring": (0, {}),
        "solicitations": (0, {"收到": 0, "答复": 0}),
    }
    assert body["figures"]["in_force"]["label"] == "年末现行有效的规范性文件"


def test_api_errors_are_json_too(db, world, api):
    """An integrating system reads JSON: a year out of range, an unknown address and a refused method included."""
    get = api("leader")
    answers = [get("/api/v1/statistics/1999"), get("/api/v1/nothing-here"), get.post("/api/v1/documents", json={})]
    assert [(r.status_code, r.is_json) for r in answers] == [(404, True), (404, True), (405, True)]
    assert all(is_chinese(r.get_json()["error"]) for r in answers)
