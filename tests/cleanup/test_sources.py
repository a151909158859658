"""A higher-level law changes: every document citing it is flagged and a 专项 campaign is offered over them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from tests.cleanup.town import build_subjects, item_titles, titles
from tests.factories import at, d
from tests.pages import flashes, redirect_target, text
from tracker.audit.models import AuditEvent
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupCampaign
from tracker.documents.models import Document, LegalSource, SourceState
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db

FOOD = "中华人民共和国食品安全法"
# build_subjects: the documents citing the food-safety law, whatever their state.
CITING_FOOD = {"测试镇食品摊贩管理办法", "测试镇农产品质量管理办法", "测试镇餐饮油烟管理办法", "测试镇小作坊登记办法"}
# Of those, the ones in force (the repealed one and the draft cannot be cleaned up).
IN_FORCE_CITING_FOOD = {"测试镇食品摊贩管理办法", "测试镇农产品质量管理办法"}


def _source(title: str) -> LegalSource:
    return db.session.scalar(sa.select(LegalSource).where(LegalSource.title == title))


def _flagged_titles() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Document.title)
            .join(AuditEvent, AuditEvent.document_id == Document.id)
            .where(AuditEvent.action == "source.change")
            .order_by(Document.title)
        )
    )


class _FormValues(HTMLParser):
    """The values a browser would submit from the page's forms: inputs, textareas, selected options."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file", "radio", "checkbox"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first_option = a.get("name"), None
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = a.get("value")
                self.values.setdefault(self._select, a.get("value"))
            if "selected" in a:
                self.values[self._select] = a.get("value")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(response) -> dict[str, str]:
    page = text(response)
    m = re.search(r"<main.*?(<form method=\"post\" novalidate.*?</form>)", page, re.S)
    assert m, "no form in the page"
    parser = _FormValues()
    parser.feed(m.group(1))
    return parser.values


def test_recording_a_change_flags_exactly_the_documents_citing_it(db, world):
    build_subjects(world)
    food = _source(FOOD)

    flagged = services.record_source_change(
        food, actor=world["reviewer"], now=at(d("2026-10-20")), state=SourceState.AMENDED, changed_on=d("2026-10-15")
    )
    db.session.commit()

    assert titles(flagged) == CITING_FOOD
    assert (food.state, food.state_changed_on) == (SourceState.AMENDED, d("2026-10-15"))
    # One timeline entry on each citing document, none on the others (农贸市场 cites the price law only).
    assert _flagged_titles() == sorted(CITING_FOOD)
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "source.change", AuditEvent.document_id.is_not(None))
    ).all()
    assert set(summaries) == {"制定依据《中华人民共和国食品安全法》已修改，须评估是否清理"}
    overall = db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "source.change", AuditEvent.document_id.is_(None))
    )
    assert overall == "登记《中华人民共和国食品安全法》已修改（2026-10-15），涉及 4 件文件"

    # A 专项 campaign over the changed law covers exactly those of the citing documents in force on the cut-off.
    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-10-21")),
        name="因食品安全法修改开展的专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.HIGHER_LAW,
        trigger_ref="《中华人民共和国食品安全法》已修改",
        cutoff_on=d("2026-10-20"),
        document_ids=services.scoped_document_ids(cutoff_on=d("2026-10-20"), source_id=food.id),
    )
    db.session.commit()
    assert item_titles(campaign) == IN_FORCE_CITING_FOOD


def test_only_the_judicial_office_records_a_change_and_it_must_be_a_change(db, world):
    build_subjects(world)
    db.session.commit()
    food = _source(FOOD)
    for user in ("drafter", "clerk", "leader", "admin"):
        with pytest.raises(PermissionDenied, match="只有司法所审查员可以登记上位法变化"):
            services.record_source_change(
                food, actor=world[user], now=at(d("2026-10-20")), state=SourceState.REPEALED, changed_on=d("2026-10-15")
            )
    with pytest.raises(ValidationFailed, match="请选择“已修改”或“已废止”"):
        services.record_source_change(
            food,
            actor=world["reviewer"],
            now=at(d("2026-10-20")),
            state=SourceState.IN_FORCE,
            changed_on=d("2026-10-15"),
        )
    db.session.rollback()
    assert _source(FOOD).state is SourceState.IN_FORCE
    assert _flagged_titles() == []


def test_the_sources_page_flags_the_documents_and_offers_a_special_campaign_over_them(db, world, login_as):
    build_subjects(world)
    db.session.commit()
    food = _source(FOOD)
    reviewer = login_as("reviewer")

    page = reviewer.post(
        "/cleanup/sources", data={"source_id": food.id, "state": "repealed", "changed_on": "2026-10-15"}
    )
    assert page.status_code == 200
    assert f"已登记《{FOOD}》的变化。" in flashes(page)
    box = re.search(r'data-testid="flagged">(.*?)</div>', text(page), re.S).group(1)
    assert f"《{FOOD}》已废止，引用它的文件共 4 件" in box
    assert set(re.findall(r'<a href="/documents/\d+">(.*?)</a>', box)) == CITING_FOOD
    offer = re.search(r'href="([^"]+)" data-testid="offer-special"', box).group(1)
    assert offer == f"/cleanup/new?source_id={food.id}"

    form = reviewer.get(offer)
    values = form_values(form)
    assert {k: values[k] for k in ("name", "kind", "trigger", "trigger_ref", "source_id", "issuer_id", "subject")} == {
        "name": f"因《{FOOD}》已废止开展的专项清理",
        "kind": "special",
        "trigger": "higher_law",
        "trigger_ref": f"《{FOOD}》已废止",
        "source_id": str(food.id),
        "issuer_id": "0",
        "subject": "",
    }

    # The reviewer keeps everything pre-filled and picks the cut-off date.
    response = reviewer.post("/cleanup/new", data={**values, "cutoff_on": "2026-10-30"})
    path, _ = redirect_target(response)
    campaign = db.session.scalar(sa.select(CleanupCampaign))
    assert path == f"/cleanup/{campaign.id}"
    assert (campaign.kind, campaign.trigger, campaign.trigger_ref, campaign.cutoff_on) == (
        CampaignKind.SPECIAL,
        CampaignTrigger.HIGHER_LAW,
        f"《{FOOD}》已废止",
        d("2026-10-30"),
    )
    assert item_titles(campaign) == IN_FORCE_CITING_FOOD


@pytest.mark.parametrize("user", ["drafter", "clerk", "leader", "admin"])
def test_others_cannot_record_a_change_or_open_a_campaign(db, world, login_as, user):
    build_subjects(world)
    db.session.commit()
    food = _source(FOOD)
    client = login_as(user)

    page = client.post("/cleanup/sources", data={"source_id": food.id, "state": "amended", "changed_on": "2026-10-15"})
    assert "只有司法所审查员可以登记上位法变化。" in flashes(page)
    assert 'data-testid="flagged"' not in text(page)
    assert client.get(f"/cleanup/new?source_id={food.id}").status_code == 403
    assert client.post("/cleanup/new", data={"name": "x", "kind": "routine", "trigger": "schedule"}).status_code == 403
    db.session.expire_all()
    assert _source(FOOD).state is SourceState.IN_FORCE
    assert _flagged_titles() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CleanupCampaign)) == 0
