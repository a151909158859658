"""The demo town (沙溪镇): units, one user per role, and ~20 documents spread over every lifecycle stage.

Every step goes through the services and workflow.apply() with the date it happened, so each document's
timeline is a real audit trail. Publication and filing records are created directly here until their
module's services exist (issue "publication and filing").
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
import docx

from tracker.alerts.scan import scan
from tracker.auth.models import Role, TownKind, Unit, UnitKind, User
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.auth.towns import ensure_town
from tracker.cleanup import services as cleanup_services
from tracker.common.planner import refresh_statistics
from tracker.documents.models import (
    Attachment,
    AttachmentKind,
    DocKind,
    Document,
    DocumentBasis,
    DocumentVersion,
    LegalSource,
    RelationKind,
    SourceKind,
    SourceState,
    TrialKind,
)
from tracker.documents.services import DocumentData, add_attachment, add_version, register_draft
from tracker.extensions import db
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.filing import bureau as filing_bureau
from tracker.filing import services as filing_services
from tracker.filing.models import Filing, FilingAttempt, FilingResult
from tracker.filing.word import generate_filing_report
from tracker.publication import services as publication
from tracker.publication.models import Publication
from tracker.review import precheck_rules
from tracker.review import services as review
from tracker.review.models import (
    Consultation,
    DeliberationDecision,
    Disposition,
    FindingResponse,
    Opinion,
    PointResult,
    ProcedureKind,
    ReviewPoint,
    ReviewRound,
)
from tracker.rules.conclusions import conclusion_by_label
from tracker.rules.ruleset import set_setting
from tracker.setup import ensure_reference_data
from tracker.workflow.service import apply

DEMO_PASSWORD = "Shaxi-2026"
CITY = "中山市"
# The city's other towns in the demo: name, kind, login prefix, one-character short name (numbers), government.
NEIGHBOURS = (
    ("大涌镇", TownKind.TOWN, "dayong", "涌", "大涌镇人民政府"),
    ("石岐街道", TownKind.STREET, "shiqi", "岐", "石岐街道办事处"),
)
TZ = ZoneInfo("Asia/Shanghai")

UNITS = (
    # name, short, kind, can_issue, can_draft, prefix
    ("沙溪镇人民政府", "镇政府", UnitKind.GOVERNMENT, True, False, "沙府"),
    ("沙溪镇人民政府办公室", "镇政府办", UnitKind.GOVERNMENT_OFFICE, True, False, "沙府办"),
    ("沙溪镇党政办公室", "党政办", UnitKind.DEPARTMENT, False, True, None),
    # The 司法所 replies to drafts for comment in its own name too (沙司函〔…〕N号).
    ("沙溪镇司法所", "司法所", UnitKind.JUDICIAL_OFFICE, False, False, "沙司"),
    ("沙溪镇综合行政执法局", "执法局", UnitKind.DEPARTMENT, False, True, None),
    ("沙溪镇经济发展办公室", "经发办", UnitKind.DEPARTMENT, False, True, None),
    ("沙溪镇农业农村办公室", "农业办", UnitKind.DEPARTMENT, False, True, None),
    ("沙溪镇社会事务局", "社会事务局", UnitKind.DEPARTMENT, False, True, None),
    ("中山市司法局", "市司法局", UnitKind.FILING_AUTHORITY, False, False, None),
)

DEMO_USERS = (
    # username, name, role, unit, password
    ("admin", "周管理", Role.ADMIN, "沙溪镇党政办公室", DEMO_PASSWORD),
    ("reviewer", "李审查", Role.REVIEWER, "沙溪镇司法所", DEMO_PASSWORD),
    ("clerk", "陈文秘", Role.CLERK, "沙溪镇党政办公室", DEMO_PASSWORD),
    ("drafter", "黄经办", Role.DRAFTER, "沙溪镇综合行政执法局", DEMO_PASSWORD),
    ("drafter2", "梁经办", Role.DRAFTER, "沙溪镇农业农村办公室", DEMO_PASSWORD),
    ("drafter3", "何经办", Role.DRAFTER, "沙溪镇社会事务局", DEMO_PASSWORD),
    ("drafter4", "吴经办", Role.DRAFTER, "沙溪镇经济发展办公室", DEMO_PASSWORD),
    ("leader", "郑镇长", Role.LEADER, "沙溪镇人民政府", DEMO_PASSWORD),
    # The city justice bureau's reviewer: every town of the city files with it here.
    ("bureau", "孙备案", Role.BUREAU, "中山市司法局", DEMO_PASSWORD),
    # A leader of the city's justice bureau: reads each town's figures and the documents in force across the city.
    ("city_leader", "林局长", Role.CITY_LEADER, "中山市司法局", DEMO_PASSWORD),
    # The city's administrator: the city's accounts, and the install's time limits, calendar, pre-check rules and
    # Word templates, which every town of the city shares.
    ("city_admin", "罗管理", Role.CITY_ADMIN, "中山市司法局", DEMO_PASSWORD),
)

SOURCES = (
    ("中华人民共和国行政处罚法", SourceKind.LAW, "全国人民代表大会常务委员会"),
    ("中华人民共和国土地管理法", SourceKind.LAW, "全国人民代表大会常务委员会"),
    ("优化营商环境条例", SourceKind.REGULATION, "国务院"),
    ("社会救助暂行办法", SourceKind.REGULATION, "国务院"),
    ("广东省行政规范性文件管理规定", SourceKind.RULE, "广东省人民政府"),
    ("广东省城乡生活垃圾管理条例", SourceKind.LOCAL_REGULATION, "广东省人民代表大会常务委员会"),
    ("中山市养犬管理规定", SourceKind.LOCAL_REGULATION, "中山市人民代表大会常务委员会"),
)
# The catalogue's dates where the demo states them (promulgated, in force, last amended).
SOURCE_DATES = {
    "中华人民共和国行政处罚法": (date(1996, 3, 17), date(1996, 10, 1), date(2021, 1, 22)),
    "中华人民共和国土地管理法": (date(1986, 6, 25), date(1987, 1, 1), date(2019, 8, 26)),
    "优化营商环境条例": (date(2019, 10, 22), date(2020, 1, 1), None),
}


def at(day: date, hour: int = 10) -> datetime:
    """An instant on an office date (Beijing time), stored as UTC."""
    return datetime.combine(day, time(hour), TZ).astimezone(UTC)


def _docx_bytes(title: str, paragraphs: list[str]) -> bytes:
    d = docx.Document()
    d.add_heading(title, level=1)
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


class DemoTown:
    """Builds a demo town step by step; each step is dated."""

    def __init__(self, today: date, name: str = "沙溪镇"):
        self.today = today
        self.name = name
        self.units: dict[str, Unit] = {}
        self.users: dict[str, User] = {}
        self.sources: dict[str, LegalSource] = {}
        self.admin: User | None = None

    def unit(self, name: str) -> Unit:
        return self.units[name]

    def drafter_of(self, unit: Unit) -> User:
        return next(u for u in self.users.values() if u.role is Role.DRAFTER and u.unit_id == unit.id)

    @property
    def reviewer(self) -> User:
        return self.users["reviewer"]

    @property
    def clerk(self) -> User:
        return self.users["clerk"]

    # --- stages -------------------------------------------------------------------------------
    def register(
        self,
        title: str,
        unit: str,
        on: date,
        *,
        issuer: str | None = None,
        trial=TrialKind.NONE,
        summary: str = "",
        bases: tuple[str, ...] = (),
        affects_market=False,
        is_major=False,
    ) -> Document:
        drafting = self.unit(unit)
        doc = register_draft(
            DocumentData(
                title=title,
                kind=DocKind.GOVERNMENT,
                issuer_id=self.unit(issuer or f"{self.name}人民政府").id,
                drafting_unit_id=drafting.id,
                trial_kind=trial,
                summary=summary,
                necessity=f"为规范{title[3:-2]}相关工作，有必要制定本文件。",
                affects_market=affects_market,
                is_major=is_major,
            ),
            actor=self.drafter_of(drafting),
            now=at(on, 9),
        )
        for pos, name in enumerate(bases):
            db.session.add(DocumentBasis(document=doc, source=self.sources[name], position=pos))
        self.upload_version(doc, on, "初稿")
        return doc

    def upload_version(self, doc: Document, on: date, note: str) -> DocumentVersion:
        seq = len(doc.versions) + 1
        # The first draft carries what the demo's findings point at (第五条第二款, 第八条), so the review desk shows
        # its pre-check flags and, in a second round, what became of each clause.
        paras = [
            f"第一条 为规范{doc.title[3:]}工作，根据有关法律法规，结合本镇实际，制定本办法。",
            "第二条 本办法适用于本镇行政区域内的相关管理活动。",
            f"第三条 （第{seq}稿）镇有关部门按照职责分工做好相关工作。",
            "第四条 镇综合行政执法局负责本办法的组织实施。",
            "第五条 相关经营活动应当遵守本办法。",
            "违反本办法的，由镇综合行政执法局处以二千元罚款。"
            if seq == 1
            else "违反本办法的，由镇综合行政执法局依照有关法律法规处理。",
            "第六条 镇人民政府定期公布有关工作情况。",
            "第七条 镇有关部门应当加强监督检查。",
            "第八条 经营者申请登记的，应当提交身份证明、无犯罪记录证明等材料。"
            if seq == 1
            else "第八条 经营者申请登记的，按照国家规定提交材料。",
            "第九条 本办法自印发之日起施行。",
        ]
        checked = CheckedFile(_docx_bytes(doc.title, paras), f"{doc.title}（第{seq}稿）.docx", DOCX_TYPE, "docx")
        return add_version(doc, checked, note=note, actor=self.drafter_of(doc.drafting_unit), now=at(on, 9))

    def attach(self, doc: Document, kind: AttachmentKind, on: date, title: str | None = None) -> Attachment:
        title = title or kind.label
        checked = CheckedFile(_docx_bytes(title, [f"《{doc.title}》{title}。"]), f"{title}.docx", DOCX_TYPE, "docx")
        actor = (
            self.clerk
            if kind in (AttachmentKind.OFFICIAL_TEXT, AttachmentKind.INTERPRETATION)
            else (self.drafter_of(doc.drafting_unit))
        )
        return add_attachment(doc, checked, kind=kind, title=title, actor=actor, now=at(on, 9))

    def consult(self, doc: Document, start: date, end: date, comments: int = 2) -> Consultation:
        actor = self.drafter_of(doc.drafting_unit)
        c = review.save_consultation(
            doc,
            None,
            actor=actor,
            now=at(start, 9),
            channel=f"{self.name}人民政府门户网站",
            url=f"http://www.zs.gov.cn/sxz/zmhd/yjzj/content/post_{doc.id:07d}.html",
            start_on=start,
            end_on=end,
            short_reason="涉及汛期安全，时间紧迫" if (end - start).days + 1 < 30 else None,
        )
        for i in range(comments):
            review.add_comment(
                c,
                actor=actor,
                now=at(start + timedelta(days=3 + i), 15),
                commenter=f"群众{i + 1}",
                content="建议明确各村（社区）的具体职责分工。",
                received_on=start + timedelta(days=3 + i),
                disposition=Disposition.ADOPTED if i == 0 else Disposition.NOT_ADOPTED,
                reason="" if i == 0 else "已有上位法规定，无需重复",
            )
        apply(doc, "start_consultation", actor=actor, now=at(start, 9))
        if end < self.today:
            # Closing on the announced day records the real window and makes the 征求意见及采纳情况 material.
            review.close_consultation(doc, actor=actor, now=at(end, 17), closed_on=end, reason="")
        return c

    def complete_packet(self, doc: Document, on: date) -> None:
        present = {a.kind for a in doc.attachments if not a.superseded}
        for kind in (
            AttachmentKind.REQUEST_LETTER,
            AttachmentKind.DRAFTING_NOTE,
            AttachmentKind.LEGAL_BASIS,
            AttachmentKind.COMMENT_RECORD,
        ):
            if kind not in present:  # the comment record was made when the consultation closed
                self.attach(doc, kind, on)
        if doc.affects_market:
            review.record_procedure(
                doc,
                ProcedureKind.FAIR_COMPETITION,
                actor=self.drafter_of(doc.drafting_unit),
                now=at(on, 9),
                applicable=True,
                conclusion="经审查，未发现排除、限制竞争的内容。",
                record=CheckedFile(
                    _docx_bytes("公平竞争审查表", ["审查结论：符合。"]), "公平竞争审查表.docx", DOCX_TYPE, "docx"
                ),
            )
        if doc.is_major:
            self.attach(doc, AttachmentKind.EXPERT_REPORT, on)
            self.attach(doc, AttachmentKind.RISK_ASSESSMENT, on)

    def submit(self, doc: Document, on: date) -> ReviewRound:
        return review.submit_for_review(doc, actor=self.drafter_of(doc.drafting_unit), now=at(on, 10), received_on=on)

    def accept(self, doc: Document, rnd: ReviewRound, on: date) -> None:
        review.accept(doc, actor=self.reviewer, now=at(on, 11), reviewer_id=self.reviewer.id)

    def conclude(
        self,
        doc: Document,
        rnd: ReviewRound,
        on: date,
        label: str,
        findings: tuple[tuple[str, str, str, str], ...] = (),
        summary: str = "",
    ) -> Opinion:
        now = at(on, 15)
        bad = {ReviewPoint.CONSISTENCY, ReviewPoint.NO_NEW_POWERS} if findings else set()
        review.save_points(
            rnd,
            actor=self.reviewer,
            now=now,
            expected_version=None,
            results={
                p: (PointResult.DOES_NOT, "详见具体审查意见") if p in bad else (PointResult.COMPLIES, "")
                for p in ReviewPoint
            },
        )
        for clause, problem, basis, suggestion in findings:
            review.add_finding(
                rnd,
                actor=self.reviewer,
                now=now,
                clause=clause,
                problem=problem,
                legal_basis=basis,
                suggestion=suggestion,
            )
        opinion = review.issue_opinion(
            doc,
            actor=self.reviewer,
            now=now,
            conclusion_id=conclusion_by_label(label).id,
            summary=summary
            or ("经审查，提出如下意见。" if findings else "经审查，该文件制定主体适格，程序合法，内容合法。"),
        )
        return opinion

    def answer_and_resubmit(self, doc: Document, rnd: ReviewRound, on: date) -> ReviewRound:
        actor = self.drafter_of(doc.drafting_unit)
        for f in rnd.findings:
            review.answer_finding(
                f, actor=actor, now=at(on, 9), response=FindingResponse.ADOPTED, reason="已按审查意见修改"
            )
        self.upload_version(doc, on, "根据审查意见修改")
        return self.submit(doc, on + timedelta(days=1))

    def deliberate(self, doc: Document, rnd: ReviewRound, on: date) -> None:
        review.record_deliberation(
            doc,
            actor=self.clerk,
            now=at(on, 16),
            meeting_name="镇政府常务会议",
            held_on=on,
            decision=DeliberationDecision.APPROVED,
            note="会议同意印发实施",
            minutes=None,
        )

    def number(self, doc: Document, on: date) -> Publication:
        return publication.number_document(doc, actor=self.clerk, now=at(on, 10), signed_on=on, signer="郑镇长")

    def publish(
        self,
        doc: Document,
        pub: Publication,
        on: date,
        *,
        effect_gap: int = 30,
        validity: str = "default",
        early_reason: str | None = None,
    ) -> Filing:
        official = CheckedFile(_docx_bytes(doc.title, ["（正式文本）"]), f"{doc.title}.docx", DOCX_TYPE, "docx")
        reading = CheckedFile(
            _docx_bytes(f"《{doc.title}》政策解读", ["一、制定背景", "二、主要内容"]),
            f"《{doc.title}》政策解读.docx",
            DOCX_TYPE,
            "docx",
        )
        return publication.publish(
            doc,
            actor=self.clerk,
            now=at(on, 11),
            published_on=on,
            channel=f"{self.name}人民政府门户网站",
            url=f"http://www.zs.gov.cn/sxz/zwgk/gfxwj/content/post_{doc.id:07d}.html",
            effective_on=on + timedelta(days=effect_gap),
            early_effect_reason=early_reason,
            validity_mode=validity,
            validity_end_on=None,
            validity_reason="长期适用的管理制度，不设有效期，按期评估" if validity == "none" else None,
            official_text=official,
            interpretation=reading,
        )

    def take_effect(self, doc: Document, pub: Publication) -> None:
        publication.take_effect(doc, actor=SYSTEM, now=at(pub.effective_on, 0))

    def file(
        self,
        doc: Document,
        filing: Filing,
        on: date,
        result: FilingResult | None = None,
        result_on: date | None = None,
        *,
        bureau: User | None = None,
    ) -> FilingAttempt:
        """Filed through the city's own system (the clerk records its answer), or here to the city's `bureau`, whose
        reviewer accepts it the next day and answers with its written opinion."""
        generate_filing_report(doc, actor=self.clerk, now=at(on, 9))
        attempt = filing_services.submit(
            doc,
            actor=self.clerk,
            now=at(on, 14),
            submitted_on=on,
            method="中山市规范性文件管理系统",
            system_ref="" if bureau else f"ZSBA{on:%Y%m%d}{doc.id:03d}",
            in_product=bureau is not None,
        )
        note = "请补充制定依据文本及提前施行的理由说明" if result in filing_services.NEEDS_CORRECTION else ""
        if bureau is not None:
            if result is not None or result_on is not None:
                filing_bureau.accept(
                    doc, attempt, actor=bureau, now=at(on + timedelta(days=1)), accepted_on=on + timedelta(days=1)
                )
            if result is not None:
                filing_bureau.decide(
                    doc, attempt, actor=bureau, now=at(result_on, 15), result=result, decided_on=result_on, note=note
                )
        elif result is not None:
            filing_services.record_result(
                doc, actor=self.clerk, now=at(result_on, 15), result=result, result_on=result_on, note=note
            )
        return attempt

    def end(self, doc: Document, action: str, on: date, note: str) -> None:
        publication.end_document(doc, action, actor=self.clerk, now=at(on, 10), on=on, reason=note)


FINDINGS = (
    (
        "第五条第二款",
        "规定对违规行为处以罚款，属于设定行政处罚，超出镇政府权限。",
        "《中华人民共和国行政处罚法》第十四条、第十六条",
        "删除罚款规定，改为依照有关法律法规处理。",
    ),
    (
        "第八条",
        "要求经营者提交的材料超出上位法规定范围，增加了相对人义务。",
        "《优化营商环境条例》第三十九条",
        "删除“无犯罪记录证明”等材料要求。",
    ),
)


def _passed(town: DemoTown, doc: Document, submit_on: date) -> ReviewRound:
    town.complete_packet(doc, submit_on)
    rnd = town.submit(doc, submit_on)
    town.accept(doc, rnd, submit_on + timedelta(days=1))
    town.conclude(doc, rnd, submit_on + timedelta(days=8), "合法，同意出台")
    return rnd


def _published(
    town: DemoTown,
    doc: Document,
    submit_on: date,
    *,
    effect_gap: int = 30,
    validity: str = "default",
    early_reason: str | None = None,
) -> tuple[Publication, Filing]:
    rnd = _passed(town, doc, submit_on)
    town.deliberate(doc, rnd, submit_on + timedelta(days=14))
    pub = town.number(doc, submit_on + timedelta(days=16))
    filing = town.publish(
        doc, pub, submit_on + timedelta(days=18), effect_gap=effect_gap, validity=validity, early_reason=early_reason
    )
    return pub, filing


def load_demo(*, now: datetime) -> None:
    ensure_reference_data(now)
    town = DemoTown(now.astimezone(TZ).date())
    home = ensure_town(city=CITY, town=town.name, now=now)
    for name, short, kind, can_issue, can_draft, prefix in UNITS:
        unit = Unit(
            name=name,
            short_name=short,
            kind=kind,
            can_issue=can_issue,
            can_draft=can_draft,
            number_prefix=prefix,
            created_at=now,
            # The justice bureau is the city's: every town files with it.
            town_id=home.parent_id if kind is UnitKind.FILING_AUTHORITY else home.id,
        )
        db.session.add(unit)
        town.units[name] = unit
    db.session.flush()
    admin = None
    for username, name, role, unit, password in DEMO_USERS:
        user = create_user(
            # The town's administrator adds the town's people; the city's are added by the install's set-up.
            actor=admin if town.units[unit].town_id == home.id else None,
            now=now,
            username=username,
            display_name=name,
            role=role,
            unit_id=town.units[unit].id,
            password=password,
            email=f"{username}@shaxi.example",
        )
        town.users[username] = user
        admin = admin or user
    for title, kind, body in SOURCES:
        promulgated, effective, amended = SOURCE_DATES.get(title, (None, None, None))
        town.sources[title] = LegalSource(
            title=title,
            kind=kind,
            issuing_body=body,
            promulgated_on=promulgated,
            effective_on=effective,
            amended_on=amended,
            state=SourceState.AMENDED if amended else SourceState.IN_FORCE,
            created_at=now,
        )
        db.session.add(town.sources[title])
    db.session.flush()
    # A rule of the town's own, beside the defaults (the 预检规则 page shows both).
    precheck_rules.add_rule(
        code="benefit_sanction",
        point=6,
        label="以取消待遇作惩戒",
        explanation="条款以取消低保、补贴等待遇或不予办理其他事项作为惩戒，属于减损权利，须有法律、法规、规章依据。",
        words="取消低保、取消补贴、停发补贴、不予办理",
        pattern="",
        unless_basis=True,
        needs_private_subject=False,
        source="没有法律、法规、规章依据，不得减损公民、法人和其他组织的合法权益（国办发〔2018〕37号）；本镇自定规则",
        actor=admin,
        now=now,
    )

    _stories(town, town.today)
    # The neighbours' documents in force were filed here: one registered, one sent back for correction.
    for (name, kind, slug, short, government), result in zip(
        NEIGHBOURS, (FilingResult.REGISTERED, FilingResult.CORRECTION), strict=True
    ):
        _neighbour(name, kind, slug, short, government, town, result, now=now)
    db.session.flush()
    # The dashboards show today's deadlines at once, as after the scheduler's morning run.
    cleanup_services.open_due_evaluations(today=town.today, now=now)
    scan(today=town.today, now=now)
    refresh_statistics()


def _neighbour(
    name: str,
    kind: TownKind,
    slug: str,
    short: str,
    government: str,
    home: DemoTown,
    filing_result: FilingResult,
    *,
    now: datetime,
) -> DemoTown:
    """Another town of the city, smaller: its own units, people and numbers, one document in force, one under review."""
    row = ensure_town(city=CITY, town=name, kind=kind, now=now)
    town = DemoTown(home.today, name)
    town.sources = home.sources  # the catalogue of laws is the city's
    for unit_name, unit_kind, can_issue, can_draft, prefix in (
        (government, UnitKind.GOVERNMENT, True, False, f"{short}府"),
        (f"{name}党政办公室", UnitKind.DEPARTMENT, False, True, None),
        (f"{name}司法所", UnitKind.JUDICIAL_OFFICE, False, False, f"{short}司"),
        (f"{name}规划建设办公室", UnitKind.DEPARTMENT, False, True, None),
    ):
        unit = Unit(
            name=unit_name,
            kind=unit_kind,
            can_issue=can_issue,
            can_draft=can_draft,
            number_prefix=prefix,
            created_at=now,
            town_id=row.id,
        )
        db.session.add(unit)
        town.units[unit_name] = unit
    db.session.flush()
    admin = None
    for role_key, display, role, unit_name in neighbour_users(name, government):
        user = create_user(
            actor=admin,
            now=now,
            username=f"{slug}_{role_key}",
            display_name=display,
            role=role,
            unit_id=town.units[unit_name].id,
            password=DEMO_PASSWORD,
        )
        town.users[role_key] = user
        admin = admin or user
    # The town's 司法所 numbers its opinions in its own series.
    set_setting("opinion_number_pattern", f"{short}司审〔{{year}}〕{{seq}}号", now=now, town_id=row.id)

    def ago(days: int) -> date:
        return home.today - timedelta(days=days)

    planning = f"{name}规划建设办公室"
    doc = town.register(f"{name}农村人居环境整治管理办法", planning, ago(130), issuer=government)
    town.consult(doc, ago(120), ago(90))
    pub, filing = _published(town, doc, ago(78))
    # Published 60 days ago and filed here six days later; the bureau answered within its 30 days.
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=6),
        filing_result,
        pub.published_on + timedelta(days=35),
        bureau=home.users["bureau"],
    )
    town.take_effect(doc, pub)
    draft = town.register(f"{name}临时占用道路管理规定", planning, ago(40), issuer=government)
    town.consult(draft, ago(35), ago(5))
    town.complete_packet(draft, ago(3))
    town.submit(draft, ago(3))
    return town


def neighbour_users(name: str, government: str) -> tuple[tuple[str, str, Role, str], ...]:
    """A neighbouring town's people: (username suffix, name, role, unit)."""
    return (
        ("admin", f"{name[:2]}管理员", Role.ADMIN, f"{name}党政办公室"),
        ("reviewer", f"{name[:2]}审查员", Role.REVIEWER, f"{name}司法所"),
        ("clerk", f"{name[:2]}文秘", Role.CLERK, f"{name}党政办公室"),
        ("drafter", f"{name[:2]}经办人", Role.DRAFTER, f"{name}规划建设办公室"),
        ("leader", f"{name[:2]}领导", Role.LEADER, government),
    )


def _stories(town: DemoTown, today: date) -> None:
    """Told in the order things happened, so serial numbers follow the calendar as they would in the office."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    # Documents of earlier years, now ended or still in force --------------------------------------
    old_repealed = town.register(
        "沙溪镇重点项目征地拆迁补偿办法", "沙溪镇经济发展办公室", ago(2130), bases=("中华人民共和国土地管理法",)
    )
    town.consult(old_repealed, ago(2120), ago(2090))
    pub, filing = _published(town, old_repealed, ago(2060), validity="none")
    town.file(
        old_repealed,
        filing,
        pub.published_on + timedelta(days=7),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=30),
    )
    town.take_effect(old_repealed, pub)

    invalid = town.register("沙溪镇村庄规划建设管理规定", "沙溪镇农业农村办公室", ago(1980))
    town.consult(invalid, ago(1970), ago(1940))
    pub, filing = _published(town, invalid, ago(1900), validity="none")
    town.file(
        invalid,
        filing,
        pub.published_on + timedelta(days=9),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=30),
    )
    town.take_effect(invalid, pub)

    # In force, validity ends within six months: evaluation due.
    doc = town.register("沙溪镇村（社区）集体经济组织财务管理办法", "沙溪镇农业农村办公室", ago(1860))
    town.consult(doc, ago(1850), ago(1820))
    pub, filing = _published(town, doc, ago(1790), validity="default")
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=5),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=35),
    )
    town.take_effect(doc, pub)

    old_amended = town.register("沙溪镇流动人口服务管理办法", "沙溪镇社会事务局", ago(1460))
    town.consult(old_amended, ago(1450), ago(1420))
    old_pub, filing = _published(town, old_amended, ago(1390))
    town.file(
        old_amended,
        filing,
        old_pub.published_on + timedelta(days=8),
        FilingResult.REGISTERED,
        old_pub.published_on + timedelta(days=30),
    )
    town.take_effect(old_amended, old_pub)

    # 暂行 document whose two-year validity ran out.
    doc = town.register(
        "沙溪镇农村危房改造补助办法（暂行）", "沙溪镇农业农村办公室", ago(1050), trial=TrialKind.INTERIM
    )
    town.consult(doc, ago(1040), ago(1010))
    pub, filing = _published(town, doc, ago(980), validity="default")
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=3),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=30),
    )
    town.take_effect(doc, pub)
    publication.expire(doc, actor=SYSTEM, now=at(pub.validity_end_on + timedelta(days=1), 1))

    # This year -------------------------------------------------------------------------------------
    doc = town.register(
        "沙溪镇农业产业化扶持资金管理办法",
        "沙溪镇农业农村办公室",
        ago(330),
        affects_market=True,
        bases=("优化营商环境条例",),
    )
    town.consult(doc, ago(320), ago(290))
    pub, filing = _published(town, doc, ago(270))
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=9),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=30),
    )
    town.take_effect(doc, pub)

    doc = town.register("沙溪镇社区网格化服务管理办法", "沙溪镇社会事务局", ago(280))
    town.consult(doc, ago(270), ago(240))
    pub, filing = _published(town, doc, ago(220))
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=14),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=41),
    )
    town.take_effect(doc, pub)

    new = town.register("沙溪镇来穗人员服务管理办法", "沙溪镇社会事务局", ago(260))
    publication.add_relation(
        new, old_amended, RelationKind.REPLACES, actor=town.drafter_of(new.drafting_unit), now=at(ago(258))
    )
    town.consult(new, ago(250), ago(220))
    pub, filing = _published(town, new, ago(200))
    town.file(
        new,
        filing,
        pub.published_on + timedelta(days=10),
        FilingResult.REGISTERED,
        pub.published_on + timedelta(days=35),
    )
    town.take_effect(new, pub)

    # Took effect early with a recorded reason; the city asked for a correction.
    doc = town.register("沙溪镇出租屋安全管理规定", "沙溪镇综合行政执法局", ago(240))
    town.consult(doc, ago(230), ago(200))
    pub, filing = _published(town, doc, ago(170), effect_gap=10, early_reason="汛期出租屋安全隐患突出，需尽快施行")
    town.file(
        doc,
        filing,
        pub.published_on + timedelta(days=12),
        FilingResult.CORRECTION,
        pub.published_on + timedelta(days=40),
    )
    town.take_effect(doc, pub)

    town.end(old_repealed, "repeal", ago(150), "根据本年度规范性文件清理结果予以废止")
    town.end(invalid, "declare_invalid", ago(150), "调整对象已消失，宣布失效")

    # Under way ---------------------------------------------------------------------------------------
    doc = town.register("沙溪镇集体资产交易管理办法", "沙溪镇农业农村办公室", ago(100))
    town.consult(doc, ago(95), ago(64))
    town.complete_packet(doc, ago(50))
    rnd = town.submit(doc, ago(50))
    town.accept(doc, rnd, ago(49))
    town.conclude(
        doc,
        rnd,
        ago(40),
        "暂缓出台",
        summary="集体资产交易涉及的《广东省农村集体资产管理条例》正在修订，修订后的交易规则尚未公布，"
        "建议待其公布后据此修改本办法，再行送审。",
    )

    doc = town.register(
        "沙溪镇商业网点设置准入管理办法",
        "沙溪镇经济发展办公室",
        ago(90),
        affects_market=True,
        bases=("优化营商环境条例",),
    )
    town.consult(doc, ago(88), ago(58))
    town.complete_packet(doc, ago(45))
    rnd = town.submit(doc, ago(45))
    town.accept(doc, rnd, ago(44))
    town.conclude(
        doc,
        rnd,
        ago(36),
        "不合法，不同意出台",
        FINDINGS[1:],
        summary="该办法设定商业网点准入审批，属于规范性文件不得设定的行政许可，并限定经营者，排除、限制竞争，"
        "不同意出台。",
    )

    doc = town.register(
        "沙溪镇农村集体土地承包经营权流转管理办法",
        "沙溪镇农业农村办公室",
        ago(120),
        bases=("中华人民共和国土地管理法",),
        is_major=True,
    )
    town.consult(doc, ago(110), ago(79))
    town.complete_packet(doc, ago(40))
    rnd = town.submit(doc, ago(40))
    town.accept(doc, rnd, ago(39))
    town.conclude(doc, rnd, ago(30), "退回补充程序或材料", FINDINGS[:1])
    rnd2 = town.answer_and_resubmit(doc, rnd, ago(8))
    town.accept(doc, rnd2, ago(6))

    doc = town.register("沙溪镇高龄老人津贴发放办法", "沙溪镇社会事务局", ago(100))
    town.consult(doc, ago(95), ago(64))
    pub, filing = _published(town, doc, ago(35))
    town.file(doc, filing, pub.published_on + timedelta(days=6))

    # Filed here to the city's bureau a few days ago: on the bureau's desk, waiting to be accepted.
    doc = town.register("沙溪镇农村生活污水处理设施管理办法", "沙溪镇社会事务局", ago(90), bases=("优化营商环境条例",))
    town.consult(doc, ago(85), ago(54))
    _pub, filing = _published(town, doc, ago(30))
    town.file(doc, filing, ago(4), bureau=town.users["bureau"])

    # Published, not yet in force, filing due soon.
    doc = town.register(
        "沙溪镇文明养犬管理规定（试行）",
        "沙溪镇综合行政执法局",
        ago(95),
        trial=TrialKind.TRIAL,
        bases=("中山市养犬管理规定",),
    )
    town.consult(doc, ago(90), ago(59))
    _published(town, doc, ago(28), validity="default")

    doc = town.register(
        "沙溪镇占道经营管理规定",
        "沙溪镇综合行政执法局",
        ago(90),
        affects_market=True,
        bases=("中华人民共和国行政处罚法", "优化营商环境条例"),
    )
    town.consult(doc, ago(85), ago(54))
    town.complete_packet(doc, ago(30))
    rnd = town.submit(doc, ago(30))
    town.accept(doc, rnd, ago(29))
    town.conclude(doc, rnd, ago(20), "应当修改后重新送审", FINDINGS)

    doc = town.register(
        "沙溪镇村级工程建设项目管理办法", "沙溪镇经济发展办公室", ago(85), issuer="沙溪镇人民政府办公室"
    )
    town.consult(doc, ago(80), ago(49))
    rnd = _passed(town, doc, ago(26))
    town.deliberate(doc, rnd, ago(10))
    town.number(doc, ago(2))

    doc = town.register(
        "沙溪镇扶持个体工商户发展若干措施",
        "沙溪镇经济发展办公室",
        ago(80),
        affects_market=True,
        bases=("优化营商环境条例",),
    )
    town.consult(doc, ago(75), ago(44))
    _passed(town, doc, ago(25))

    doc = town.register("沙溪镇防汛防台风应急物资储备管理办法", "沙溪镇综合行政执法局", ago(75))
    town.consult(doc, ago(70), ago(39))
    rnd = _passed(town, doc, ago(20))
    town.deliberate(doc, rnd, ago(5))

    doc = town.register("沙溪镇临时救助实施办法", "沙溪镇社会事务局", ago(70), bases=("社会救助暂行办法",))
    town.consult(doc, ago(65), ago(34))
    town.complete_packet(doc, ago(18))
    rnd = town.submit(doc, ago(18))
    town.accept(doc, rnd, ago(17))

    doc = town.register(
        "沙溪镇老旧小区改造资金管理办法",
        "沙溪镇经济发展办公室",
        ago(60),
        affects_market=True,
        bases=("优化营商环境条例",),
    )
    town.consult(doc, ago(50), ago(20))
    town.complete_packet(doc, ago(2))
    town.submit(doc, ago(2))

    doc = town.register("沙溪镇电动自行车停放充电管理规定", "沙溪镇综合行政执法局", ago(50))
    apply(
        doc,
        "withdraw",
        actor=town.drafter_of(doc.drafting_unit),
        now=at(ago(30)),
        note="市级已出台统一规定，本镇不再另行制定",
    )

    doc = town.register(
        "沙溪镇城乡生活垃圾分类管理办法", "沙溪镇综合行政执法局", ago(40), bases=("广东省城乡生活垃圾管理条例",)
    )
    town.consult(doc, ago(20), today + timedelta(days=10))

    town.register(
        "沙溪镇农村宅基地审批管理实施细则", "沙溪镇农业农村办公室", ago(10), bases=("中华人民共和国土地管理法",)
    )


def print_logins() -> None:
    click.echo("")
    click.echo(f"演示登录（密码均为 {DEMO_PASSWORD}）：")
    for username, name, role, unit, _pw in DEMO_USERS:
        click.echo(f"  {username:<10} {name}（{role.label}，{unit}）")
    for name, _kind, slug, _short, government in NEIGHBOURS:
        click.echo(f"  {name}：")
        for suffix, display, role, unit in neighbour_users(name, government):
            click.echo(f"  {slug + '_' + suffix:<16} {display}（{role.label}，{unit}）")
