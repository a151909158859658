"""The demo town with one of every other kind of record, built once for a module, and a client per role.

Used by the tests that walk every endpoint and every document page: the demo has documents in all 17 states;
this adds a published and an open clean-up campaign, a draft for comment, a saved filter, a calendar feed and a
draft of one unit that will repeal another unit's published document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from tests.conftest import _truncate_all
from tracker.alerts import feeds
from tracker.auth.models import Unit, User
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CityCampaign, CleanupResult, Evaluation
from tracker.common.timeutil import now_utc, office_today
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.documents import search
from tracker.documents.models import Attachment, Document, DocumentBasis, DocumentVersion, LegalSource, RelationKind
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication import services as publication
from tracker.review.models import Finding, Opinion, PrecheckFlag, PrecheckRuleSetting, ReviewRound
from tracker.rules.models import Rule
from tracker.solicitations import services as solicitations
from tracker.solicitations import word as solicitations_word
from tracker.word.models import GeneratedDocument, OutputKind, TemplateVersion

# The roles of the matrix: "drafter" works in 执法局, "drafter2" is a drafter of another unit (农业办); "bureau" is
# the city justice bureau's 备案审查员, "city_leader" a leader of the city and "city_admin" the city's administrator
# (people of the city, not of the town). The install has several towns: 沙溪镇's "admin" keeps the town's own
# configuration, only "city_admin" the install's.
ROLES = ("admin", "reviewer", "clerk", "drafter", "drafter2", "leader", "bureau", "city_leader", "city_admin")
# 执法局's documents: one still a draft (with review rounds, findings, an opinion), one published and in force.
DRAFT = "沙溪镇占道经营管理规定"
PUBLISHED = "沙溪镇出租屋安全管理规定"
# 执法局's draft under public comment will repeal its published document: named to no other drafting unit.
REPEALING_DRAFT = "沙溪镇城乡生活垃圾分类管理办法"
# 农业办's document in force, also in the clean-up campaigns.
AGRI_IN_FORCE = "沙溪镇农业产业化扶持资金管理办法"


@dataclass
class Town:
    ids: dict[str, dict[str, int]] = field(default_factory=dict)  # variant -> URL argument -> value
    common: dict[str, object] = field(default_factory=dict)  # URL arguments the same for every variant
    documents: dict[DocStatus, tuple[int, int]] = field(default_factory=dict)  # state -> (document, its unit)
    hidden_titles: dict[str, set[str]] = field(default_factory=dict)  # role -> titles it may never read
    # Another town's records (大涌镇): the URL arguments that name them; no one of this town reaches any of them.
    other: dict[str, dict[str, int]] = field(default_factory=dict)  # "draft"/"published"/"common" -> argument -> id
    other_titles: set[str] = field(default_factory=set)  # every title of the other towns: no page here names one
    unit_of: dict[str, int] = field(default_factory=dict)  # drafter role -> unit id


def _one(stmt):
    row = db.session.scalars(stmt.limit(1)).first()
    assert row is not None, f"the demo town lacks {stmt}"
    return row


def _doc(title: str) -> Document:
    return _one(sa.select(Document).where(Document.title == title))


def _user(name: str) -> User:
    return _one(sa.select(User).where(User.username == name))


def _campaign(doc_ids: list[int], name: str, *, now) -> object:
    return cleanup.open_campaign(
        actor=_user("reviewer"),
        now=now,
        name=name,
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.INSTRUCTION,
        trigger_ref="中司函〔2026〕1号",
        cutoff_on=office_today(now),
        document_ids=doc_ids,
    )


def build(app: Flask) -> Town:
    """Empty the database and build the town (inside the caller's app context); everything is committed."""
    _truncate_all()
    now = now_utc()
    today = office_today(now)
    load_demo(now=now)
    draft, published = _doc(DRAFT), _doc(PUBLISHED)
    agri = _doc(AGRI_IN_FORCE)
    drafter, drafter2 = _user("drafter"), _user("drafter2")

    # Clean-up: one campaign carried through to its published result (all kept), one still open.
    done = _campaign([published.id, agri.id], "2026年专项清理（已公布）", now=now)
    for item in done.items:
        owner = drafter if item.document_id == published.id else drafter2
        cleanup.propose(item, actor=owner, now=now, result=CleanupResult.KEEP, reason="仍符合上位法，继续有效")
        cleanup.review(item, actor=_user("reviewer"), now=now, result=CleanupResult.KEEP, note="")
    cleanup.deliberate_campaign(done, actor=_user("clerk"), now=now, meeting="镇政府常务会议", held_on=today)
    cleanup.publish_campaign(
        done, actor=_user("clerk"), now=now, published_on=today, notice_number="", url="https://www.example.gov.cn/q"
    )
    open_ = _campaign([published.id, agri.id], "2026年专项清理（进行中）", now=now)
    item = next(i for i in open_.items if i.document_id == published.id)

    sol = solicitations.register(
        actor=_user("clerk"),
        now=now,
        from_body="中山市司法局",
        title="中山市某某管理办法（征求意见稿）",
        reference="中司函〔2026〕9号",
        received_on=today,
        reply_due_on=today,
        assignee_id=_user("clerk").id,
    )
    solicitations.save_reply(
        sol, actor=_user("clerk"), now=now, reply_text="建议删除第三条。", assignee_id=None, expected_version=None
    )
    saved = search.save_filter(drafter, name="本单位草案", query="status=drafting", now=now)
    token = feeds.rotate_token(drafter, actor=drafter, now=now)
    publication.add_relation(_doc(REPEALING_DRAFT), published, RelationKind.REPEALS, actor=drafter, now=now)
    db.session.commit()

    def first_id(stmt) -> int:
        return _one(stmt).id

    template = db.session.scalars(sa.select(TemplateVersion).order_by(TemplateVersion.id).limit(1)).first()
    town = Town()
    for variant, doc in (("draft", draft), ("published", published)):
        rounds = sa.select(ReviewRound.id).where(ReviewRound.document_id == doc.id)
        town.ids[variant] = {
            "doc_id": doc.id,
            "version_id": first_id(sa.select(DocumentVersion).where(DocumentVersion.document_id == doc.id)),
            "attachment_id": first_id(sa.select(Attachment).where(Attachment.document_id == doc.id)),
            "opinion_id": first_id(sa.select(Opinion).where(Opinion.document_id == doc.id)),
            "gen_id": first_id(
                sa.select(GeneratedDocument)
                .where(GeneratedDocument.document_id == doc.id)
                .order_by(GeneratedDocument.kind == OutputKind.OPINION, GeneratedDocument.id)
            ),
        }
        finding = db.session.scalars(sa.select(Finding).where(Finding.round_id.in_(rounds)).limit(1)).first()
        town.ids[variant]["finding_id"] = (finding or _one(sa.select(Finding))).id
        basis = db.session.scalars(sa.select(DocumentBasis).where(DocumentBasis.document_id == doc.id)).first()
        town.ids[variant]["basis_id"] = (basis or _one(sa.select(DocumentBasis).order_by(DocumentBasis.id))).id
    town.ids["open"] = {"campaign_id": open_.id}
    town.ids["done"] = {"campaign_id": done.id}
    town.common = {
        "user_id": drafter.id,
        "unit_id": first_id(sa.select(Unit).where(Unit.short_name == "党政办")),
        "rule_id": first_id(sa.select(Rule).order_by(Rule.id)),
        "item_id": item.id,
        "evaluation_id": first_id(sa.select(Evaluation).order_by(Evaluation.id)),
        "filter_id": saved.id,
        "sol_id": sol.id,
        # A pre-check flag of the demo's drafts (their first versions cite a fine: docs/precheck.md).
        "flag_id": first_id(sa.select(PrecheckFlag).order_by(PrecheckFlag.id)),
        # The demo town's own pre-check rule (the pages name a rule by its code).
        "rule_code": "review_max",
        "code": _one(sa.select(PrecheckRuleSetting).where(PrecheckRuleSetting.builtin.is_(False))).code,
        "source_id": first_id(sa.select(LegalSource).order_by(LegalSource.id)),
        "year": today.year,
        "key": "opinions",
        "token": token,
        "action": "withdraw",
        "kind": template.kind.value if template else OutputKind.OPINION.value,
        "version_no": template.version_no if template else 0,  # 0: the built-in template
    }
    for doc in db.session.scalars(sa.select(Document).order_by(Document.id)):
        town.documents.setdefault(doc.status, (doc.id, doc.drafting_unit_id))
    for role in ("drafter", "drafter2"):
        unit_id = _user(role).unit_id
        town.unit_of[role] = unit_id
        town.hidden_titles[role] = set(
            db.session.scalars(
                sa.select(Document.title).where(
                    Document.drafting_unit_id != unit_id, Document.status.not_in(EVER_PUBLISHED)
                )
            )
        )
    _other_town(town, now=now)
    _bureau(town)
    db.session.remove()
    return town


def _bureau(town: Town) -> None:
    """The bureau's desk names submissions made here: 沙溪镇's awaiting acceptance ("here"), and 大涌镇's, answered
    with a written opinion ("there"). The bureau reads published documents' filings only: no draft of any town, no
    town's draft for comment or clean-up."""
    here = _one(
        sa.select(FilingAttempt)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Document, Document.id == Filing.document_id)
        .where(FilingAttempt.in_product.is_(True), Document.town_id == _user("clerk").town_id)
    )
    there = _one(
        sa.select(FilingAttempt)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Document, Document.id == Filing.document_id)
        .where(FilingAttempt.in_product.is_(True), Document.town_id == _user("dayong_clerk").town_id)
    )
    assert here.accepted_on is None and there.opinion_number
    # A clean-up the city deployed (its page names each town; no town has taken it up here).
    bureau = _user("bureau")
    deployed = CityCampaign(
        town_id=bureau.town_id,
        name="全市行政规范性文件专项清理",
        kind=CampaignKind.SPECIAL,
        notice_ref="中司〔2026〕9号",
        cutoff_on=office_today(now_utc()),
        due_on=office_today(now_utc()),
        opened_by_id=bureau.id,
        created_at=now_utc(),
    )
    db.session.add(deployed)
    db.session.commit()
    town.common["city_campaign_id"] = deployed.id
    town.ids["here"] = {"attempt_id": here.id, "item_no": 1, "opinion_version": 1}
    town.ids["there"] = {"attempt_id": there.id, "item_no": 1, "opinion_version": 1}
    unpublished = db.session.scalars(sa.select(Document.title).where(Document.status.not_in(EVER_PUBLISHED)))
    # The city's people read every town's published documents (the catalogue of the city), never a draft.
    town.hidden_titles["bureau"] = town.hidden_titles["city_leader"] = set(unpublished) | (
        town.other_titles
        - set(db.session.scalars(sa.select(Document.title).where(Document.status.in_(EVER_PUBLISHED))))
    )


OTHER = "大涌镇"


def _other_town(town: Town, *, now) -> None:
    """What the neighbouring town 大涌镇 of the demo has, plus a campaign, a draft for comment and a saved filter."""
    reviewer, clerk, drafter = (_user(f"dayong_{r}") for r in ("reviewer", "clerk", "drafter"))
    other_id = reviewer.town_id
    docs = {
        variant: _one(sa.select(Document).where(Document.town_id == other_id, Document.status.in_(states)))
        for variant, states in (("draft", [DocStatus.SUBMITTED]), ("published", EVER_PUBLISHED))
    }
    campaign = cleanup.open_campaign(
        actor=reviewer,
        now=now,
        name="大涌镇2026年专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.INSTRUCTION,
        trigger_ref="中司函〔2026〕2号",
        cutoff_on=office_today(now),
    )
    sol = solicitations.register(
        actor=clerk,
        now=now,
        from_body="中山市司法局",
        title="中山市大涌片区某某办法（征求意见稿）",
        reference="中司函〔2026〕10号",
        received_on=office_today(now),
        reply_due_on=office_today(now),
        assignee_id=clerk.id,
    )
    solicitations.save_reply(
        sol, actor=clerk, now=now, reply_text="无修改意见。", assignee_id=None, expected_version=None
    )
    reply = solicitations_word.generate_comment_reply(sol, actor=clerk, now=now)  # a generated file of no document
    saved = search.save_filter(drafter, name="大涌本单位草案", query="status=drafting", now=now)
    # A finding on the draft and a legal basis of each document (the demo's neighbour has neither).
    rnd = _one(sa.select(ReviewRound).where(ReviewRound.document_id == docs["draft"].id))
    finding = Finding(round_id=rnd.id, position=1, clause="第三条", problem="大涌镇的审查意见")
    source = _one(sa.select(LegalSource).order_by(LegalSource.id))
    bases = {v: DocumentBasis(document_id=doc.id, source_id=source.id, position=0) for v, doc in docs.items()}
    db.session.add_all([finding, *bases.values()])
    db.session.commit()
    published = docs["published"].id
    # The draft, still with the 司法所, has no opinion nor generated file yet: the published one's stand in.
    outputs = {
        "opinion_id": _one(sa.select(Opinion).where(Opinion.document_id == published)).id,
        "gen_id": _one(sa.select(GeneratedDocument).where(GeneratedDocument.document_id == published)).id,
    }
    for variant, doc in docs.items():
        town.other[variant] = {
            **outputs,
            # The draft's variant asks for the reply to the draft for comment: judged by its solicitation's town.
            **({"gen_id": reply.id} if variant == "draft" else {}),
            "doc_id": doc.id,
            "version_id": _one(sa.select(DocumentVersion).where(DocumentVersion.document_id == doc.id)).id,
            "attachment_id": _one(sa.select(Attachment).where(Attachment.document_id == doc.id)).id,
            "finding_id": finding.id,
            "basis_id": bases[variant].id,
        }
    town.other["common"] = {
        "campaign_id": campaign.id,
        "item_id": campaign.items[0].id,
        "sol_id": sol.id,
        "filter_id": saved.id,
        "user_id": drafter.id,
        "unit_id": drafter.unit_id,
    }
    town.other["city"] = {"unit_id": _one(sa.select(Unit).where(Unit.town_id == reviewer.town.parent_id)).id}
    town.other_titles = set(
        db.session.scalars(sa.select(Document.title).where(Document.town_id != _user("clerk").town_id))
    ) | {sol.title, campaign.name}


def login(app: Flask, role: str):
    c = app.test_client()
    r = c.post("/login", data={"username": role, "password": DEMO_PASSWORD})
    assert r.status_code == 302, f"login as {role} failed"
    return c


def clients(app: Flask) -> dict[str, object]:
    """One logged-in client per role (the logins are committed), and an anonymous one."""
    return {"anonymous": app.test_client(), **{role: login(app, role) for role in ROLES}}
