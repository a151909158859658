"""The 500s the fuzz test found (issue #15 item 3), one test each: a NUL in a search, 20-digit ids and page
numbers, impossible years and dates, a form posted without (or with an empty) version_id."""

from __future__ import annotations

import sqlalchemy as sa

from tests.crawl import read_page
from tests.factories import d, deliberated, make_document
from tests.pages import error_message, is_chinese, text
from tracker.auth.models import User
from tracker.common.inputs import bounded_int
from tracker.documents.models import Document

HUGE = "9" * 20


def _form(client, url: str, action_path: str) -> list[tuple[str, str]]:
    """The fields of the form posting to action_path, as the page shows them."""
    page = client.get(url)
    _links, forms = read_page("http://localhost" + url, text(page))
    (form,) = [f for f in forms if f.action.endswith(action_path) and f.method == "POST"]
    return [(f.name, f.value) for f in form.fields if f.kind not in ("submit", "file") and f.name != "csrf_token"]


def test_a_search_holding_a_nul_character_is_refused_in_chinese(world, login_as):
    r = login_as("clerk").get("/documents/?q=%E6%A3%80%00%E7%B4%A2")
    assert r.status_code == 400
    assert "NUL" in error_message(r) and is_chinese(error_message(r))


def test_a_nul_in_a_posted_field_is_refused_and_nothing_is_saved(db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    client = login_as("drafter")
    data = dict(_form(client, f"/documents/{doc.id}/edit", f"/documents/{doc.id}/edit"))
    data["title"] = "测试镇\x00管理办法"
    r = client.post(f"/documents/{doc.id}/edit", data=data)
    assert r.status_code == 400 and "NUL" in error_message(r)
    assert db.session.scalar(sa.select(Document.title).where(Document.id == doc.id)) == "测试镇某某管理办法"


def test_ids_of_20_digits_are_pages_that_do_not_exist(world, login_as):
    client = login_as("clerk")
    for url in (f"/documents/{HUGE}", f"/audit/users/{HUGE}", f"/cleanup/{HUGE}", f"/word/generated/{HUGE}/preview"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert is_chinese(error_message(r))
    r = client.post(f"/documents/{HUGE}/actions/withdraw", data={"note": "x"})
    assert r.status_code == 404


def test_numbers_of_20_digits_in_queries_and_forms_are_ignored_or_refused(world, login_as):
    clerk = login_as("clerk")
    assert clerk.get(f"/solicitations/?year={HUGE}").status_code == 200
    assert clerk.get(f"/reports/annual?year={HUGE}").status_code == 200
    r = clerk.get(f"/api/v1/documents?page={HUGE}&per_page={HUGE}")
    assert r.status_code == 200 and r.get_json()["items"] == []
    reviewer = login_as("reviewer")
    r = reviewer.post("/cleanup/sources", data={"source_id": HUGE, "state": "repealed", "changed_on": "2026-10-01"})
    assert r.status_code == 404


def test_a_year_no_record_can_have_is_a_page_that_does_not_exist(world, login_as):
    client = login_as("leader")
    for url in ("/reports/annual/0.xlsx", "/reports/annual/0/records/review_rate", f"/reports/annual/{HUGE}.docx"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/statistics/0").status_code == 404


def test_dates_far_in_the_past_or_future_are_refused_by_every_form(db, world, now, login_as):

    doc = deliberated(world, "测试镇集贸市场管理办法", d("2026-10-12"))
    db.session.commit()
    client = login_as("clerk")
    for day in ("0001-01-01", "9999-12-31"):
        r = client.post(f"/publication/documents/{doc.id}/number", data={"signed_on": day, "signer": "镇长"})
        assert r.status_code == 200, day
        assert "日期须在 1900-01-01 至 2099-12-31 之间" in text(r)
    assert db.session.get(Document, doc.id).status.value == "deliberated"


def test_an_edit_posted_without_its_version_or_with_an_empty_one_is_refused(db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    client = login_as("drafter")
    shown = _form(client, f"/documents/{doc.id}/edit", f"/documents/{doc.id}/edit")
    assert ("version_id", "1") in shown
    changed = [(k, "测试镇新名称管理办法" if k == "title" else v) for k, v in shown]
    missing = [(k, v) for k, v in changed if k != "version_id"]
    empty = [(k, "" if k == "version_id" else v) for k, v in changed]
    for data in (missing, empty):
        r = client.post(f"/documents/{doc.id}/edit", data=dict(data))
        assert r.status_code == 400
        assert "缺少版本信息" in error_message(r)
        assert db.session.scalar(sa.select(Document.title).where(Document.id == doc.id)) == "测试镇某某管理办法"
    r = client.post(f"/documents/{doc.id}/edit", data=dict(changed))
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Document.title).where(Document.id == doc.id)) == "测试镇新名称管理办法"


def test_a_user_edit_without_its_version_is_not_saved(db, world, login_as):
    """The form is built on the user: WTForms would fill a missing version_id with the current one."""
    drafter = world["drafter"]
    client = login_as("admin")
    shown = dict(_form(client, f"/admin/users/{drafter.id}", f"/admin/users/{drafter.id}"))
    shown.pop("version_id")
    shown["display_name"] = "改名"
    r = client.post(f"/admin/users/{drafter.id}", data=shown)
    assert r.status_code == 200 and "缺少版本信息" in text(r)
    assert db.session.scalar(sa.select(User.display_name).where(User.id == drafter.id)) != "改名"


def test_bounded_int_reads_only_plain_numbers_in_range():
    assert bounded_int("42") == 42
    assert bounded_int(" 7 ") == 7
    assert bounded_int(HUGE) is None
    assert bounded_int("²") is None  # str.isdigit() says yes, int() says no
    assert bounded_int("-3") is None and bounded_int("-3", low=-10) == -3
    assert bounded_int("") is None and bounded_int(None) is None and bounded_int("1e3") is None
