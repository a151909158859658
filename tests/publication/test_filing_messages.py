"""The filing pages say a thing once (issue 14): a refusal is not repeated by the page's own notice."""

from __future__ import annotations

from tests.factories import d, numbered, publish
from tests.pages import flashes, text
from tracker.filing.services import missing_packet_items

SIGNED, PUBLISHED = d("2026-10-19"), d("2026-10-22")


def test_missing_filing_materials_are_said_once_before_and_after_a_refused_submission(db, world, login_as):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(world, doc, PUBLISHED, effective_on=d("2026-11-21"))
    db.session.commit()
    assert missing_packet_items(doc) == ["备案报告"]
    clerk = login_as("clerk")

    page = text(clerk.get(f"/filing/documents/{doc.id}/submit"))
    assert page.count("备案材料不齐全") == 1 and 'data-testid="packet-missing"' in page

    r = clerk.post(
        f"/filing/documents/{doc.id}/submit",
        data={"submitted_on": "2026-10-26", "method": "中山市规范性文件管理系统", "system_ref": ""},
    )
    assert r.status_code == 200
    assert flashes(r) == ["备案材料不齐全，缺少：备案报告。"]
    assert text(r).count("备案材料不齐全") == 1  # the flash says it; the notice stays away
    assert 'value="2026-10-26"' in text(r)  # the date typed is kept


def test_the_filing_summary_names_its_rule_as_people_do(db, world, login_as):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(world, doc, PUBLISHED, effective_on=d("2026-11-21"))
    db.session.commit()
    for url in (f"/documents/{doc.id}", f"/filing/documents/{doc.id}/submit"):
        page = text(login_as("clerk").get(url))
        assert "依据“报送备案期限”：发布后 15 日" in page, url
        assert "filing_deadline" not in page, url
