"""2024–2026 of 测试镇 through the real services, in date order, so the annual figures can be counted by hand.

Every document is drafted by 综合行政执法局 (titles in TITLES). “import”: from the old register, never reviewed,
no website address. Per document: review opinions; numbered / published / in force; filing submitted (due) -> results.

- OLD  import; 2020-05-25 / 06-01 / 07-01, validity to 2025-06-30; filed 2020-06-10 予以备案;
       evaluation agreed 2025-02-10 (继续施行), renewed 2025-03-03 (new validity to 2030-03-02)
- E1   import; 2021-01-10 / 01-15 / 02-01, validity to 2026-01-31; evaluation agreed 2025-09-15 (继续施行)
- E2   import; 2021-05-25 / 06-01 / 07-01, validity to 2026-06-30
- E3   import; 2021-05-25 / 06-01 / 07-02, validity to 2026-07-01
- P0   2024-11-11 合法，同意出台; 2024-11-20 / 12-02 / 2025-01-02; 2024-12-09 (12-17) -> 2025-01-10 予以备案
- R1   2024-12-09 合法，同意出台; 2024-12-18 / 2025-01-06 / 02-06; 2025-01-13 (01-21) -> 02-10 予以备案
- A1   2025-02-10 合法，同意出台; 2025-02-19 / 03-03 / 04-03; 2025-03-10 (03-18) -> 04-15 予以备案
- A2   2025-03-10 应当修改后重新送审, 2025-03-24 基本合法，建议修改后出台; 2025-04-02 / 04-14 / 05-14;
       2025-05-20 (04-29: late) -> 06-03 暂缓登记、限期补正, again 06-16 -> 06-30 予以备案
- I1   import; 2025-04-30 / 05-06 / 06-01, no validity; 2025-05-12 (05-21) -> 06-20 不予备案
- A4   2025-05-13 合法，同意出台; 2025-05-22 / 06-03 / 07-03; never filed (due 06-18)
- X1   2025-08-11 不合法，不同意出台
- A7   2025-11-24 合法，同意出台; 2025-12-03 / 12-15 / 2026-01-15; 2026-01-08 (2025-12-30: late, after year end)
- A5   2025-12-01 合法，同意出台; 2025-12-10 / 12-22 / 2026-01-22; 2026-01-05 (2026-01-06: after year end, in time)
- X2   2025-12-08 合法，同意出台; 2025-12-17 / published 2026-01-05 in `next_year`

Clean-up: C1 (定期清理, cut-off 2025-09-30) over the ten documents then in force, published 2025-10-20:
A1 修改, I1 废止 and A4 宣布失效 (both end that day), the other seven 继续有效. C2 (专项, opened 2025-11-03 over P0)
is never published.

Drafts for comment: S3 received 2024-12-20, answered 2025-01-03 (无修改意见); S1 received 2025-03-03, answered
2025-03-12; S4 received 2025-06-02, never answered; S2 received 2025-12-20, answered 2026-01-05.

`next_year` then changes 2026: X2 published, A5/A7 take effect and get filing results, E2 is repealed; `renew_e1`
renews E1 (its evaluation of 2025 agreed 继续施行).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook

from tests.factories import (
    FINE,
    PASS_WITH_CHANGES,
    REJECT,
    RETURN,
    World,
    accept,
    at,
    conclude_review,
    d,
    deliberate,
    docx_bytes,
    draft,
    filing_result,
    number,
    publish,
    published,
    ready_to_publish,
    repeal,
    submit,
    submit_filing,
    take_effect,
)
from tracker.cleanup import services as cleanup
from tracker.cleanup import services as cleanup_services
from tracker.cleanup.models import (
    CampaignKind,
    CampaignTrigger,
    CleanupCampaign,
    CleanupResult,
    Evaluation,
    EvaluationConclusion,
)
from tracker.documents.models import Document
from tracker.documents.services import add_version
from tracker.extensions import db
from tracker.files.uploads import check_upload
from tracker.filing.models import FilingResult
from tracker.publication import importer
from tracker.review import services as review
from tracker.review.models import FindingResponse
from tracker.solicitations import services as solicitations
from tracker.solicitations.models import Solicitation

TITLES = {
    "OLD": "测试镇旧城区管理办法",
    "E1": "测试镇停车场管理办法",
    "E2": "测试镇垃圾分类管理办法",
    "E3": "测试镇殡葬管理办法",
    "P0": "测试镇户外广告设置管理办法",
    "R1": "测试镇农村宅基地审批管理办法",
    "A1": "测试镇占道经营管理规定",
    "A2": "测试镇防汛物资管理办法",
    "I1": "测试镇集贸市场管理办法",
    "A4": "测试镇犬只管理办法",
    "X1": "测试镇收费管理办法",
    "A7": "测试镇烟花爆竹燃放管理办法",
    "A5": "测试镇农贸市场管理办法",
    "X2": "测试镇夜市管理办法",
}
CLEANUP = {"A1": CleanupResult.AMEND, "I1": CleanupResult.REPEAL, "A4": CleanupResult.DECLARE_INVALID}
HEADER = ("文件名称", "发文机关", "起草单位", "发文字号", "规范性文件编号", "签发日期", "发布日期", "施行日期",
          "有效期至", "状态", "备案日期", "备案结果")  # fmt: skip


@dataclass
class Year:
    docs: dict[str, Document] = field(default_factory=dict)
    campaigns: dict[str, CleanupCampaign] = field(default_factory=dict)
    evaluations: dict[str, Evaluation] = field(default_factory=dict)
    solicitations: dict[str, Solicitation] = field(default_factory=dict)

    def ids(self, *keys: str) -> list[int]:
        return sorted(self.docs[k].id for k in keys)

    def key_of(self, doc_id: int) -> str:
        return next(k for k, doc in self.docs.items() if doc.id == doc_id)

    def keys(self, ids) -> set[str]:
        return {self.key_of(i) for i in ids}


def _register(rows: list[tuple]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def import_rows(w: World, rows: list[tuple], on: date) -> list[Document]:
    preview = importer.parse_register(_register(rows), today=on)
    assert preview.ok, [(r.row_no, r.errors) for r in preview.rows if r.errors] or preview.errors
    return importer.import_register(preview, actor=w["clerk"], now=at(on))


def _row(key: str, seq: int, signed, published, effective, validity, filed=None, result=None) -> tuple:
    """A row of the old register: 测府〔year〕seq号 / 沙府规字〔year〕seq号, issued by 镇政府, drafted by 执法局."""
    year = signed[:4]
    issue, normative = f"测府〔{year}〕{seq}号", f"沙府规字〔{year}〕{seq}号"
    dates = [d(x) if x else None for x in (signed, published, effective, validity)]
    return (TITLES[key], "测试镇人民政府", "测试镇综合行政执法局", issue, normative, *dates, "施行中",
            d(filed) if filed else None, result)  # fmt: skip


def _evaluate(w: World, y: Year, key: str, opened: date, submitted: date, agreed: date) -> None:
    assert cleanup.open_due_evaluations(today=opened, now=at(opened, 1)) == 1
    ev = db.session.query(Evaluation).filter_by(document_id=y.docs[key].id).one()
    cleanup.submit_evaluation(
        ev,
        actor=w["drafter"],
        now=at(submitted),
        conclusion=EvaluationConclusion.CONTINUE,
        reason="实施效果良好，仍需继续施行",
        report=check_upload(docx_bytes(f"{TITLES[key]}评估报告"), "评估报告.docx"),
    )
    cleanup.review_evaluation(ev, actor=w["reviewer"], now=at(agreed), agree=True, note="")
    y.evaluations[key] = ev


def _solicit(w, received: str, due: str, title: str, assignee: str) -> Solicitation:
    return solicitations.register(
        actor=w["reviewer"],
        now=at(d(received)),
        from_body="中山市司法局",
        title=title,
        reference=None,
        received_on=d(received),
        reply_due_on=d(due),
        assignee_id=w[assignee].id,
    )


def _reply(w, sol: Solicitation, on: str, text: str = "建议明确第三条的适用范围。") -> None:
    solicitations.save_reply(
        sol, actor=sol.assignee, now=at(d(on)), reply_text=text, assignee_id=None, expected_version=None
    )


def _sent(w, sol: Solicitation, on: str, no_comment: bool = False) -> None:
    solicitations.mark_sent(
        sol, actor=sol.assignee, now=at(d(on), 16), sent_on=d(on), method="公文交换系统", no_comment=no_comment
    )


def build(w: World) -> Year:
    y = Year()
    docs = y.docs
    # --- 2024 ----------------------------------------------------------------------------------------------
    old_register = [
        _row("OLD", 3, "2020-05-25", "2020-06-01", "2020-07-01", "2025-06-30", "2020-06-10", "予以备案"),
        _row("E1", 1, "2021-01-10", "2021-01-15", "2021-02-01", "2026-01-31", "2021-01-25", "予以备案"),
        _row("E2", 5, "2021-05-25", "2021-06-01", "2021-07-01", "2026-06-30", "2021-06-08", "予以备案"),
        _row("E3", 6, "2021-05-25", "2021-06-01", "2021-07-02", "2026-07-01", "2021-06-08", "予以备案"),
    ]
    old = import_rows(w, old_register, d("2024-11-01"))
    docs.update(zip(("OLD", "E1", "E2", "E3"), old, strict=True))
    docs["P0"] = published(w, TITLES["P0"], d("2024-11-04"), d("2024-12-02"), d("2025-01-02"))
    docs["R1"] = ready_to_publish(w, TITLES["R1"], d("2024-12-02"))
    submit_filing(w, docs["P0"], d("2024-12-09"))
    y.solicitations["S3"] = _solicit(w, "2024-12-20", "2025-01-06", "广东省行政执法监督条例（征求意见稿）", "reviewer")

    # --- 2025 ----------------------------------------------------------------------------------------------
    take_effect(docs["P0"], d("2025-01-02"))
    _sent(w, y.solicitations["S3"], "2025-01-03", no_comment=True)
    publish(w, docs["R1"], d("2025-01-06"), effective_on=d("2025-02-06"))
    filing_result(w, docs["P0"], d("2025-01-10"), FilingResult.REGISTERED)
    submit_filing(w, docs["R1"], d("2025-01-13"))
    _evaluate(w, y, "OLD", opened=d("2025-01-06"), submitted=d("2025-01-20"), agreed=d("2025-02-10"))
    docs["A1"] = ready_to_publish(w, TITLES["A1"], d("2025-02-03"))
    take_effect(docs["R1"], d("2025-02-06"))
    filing_result(w, docs["R1"], d("2025-02-10"), FilingResult.REGISTERED)
    publish(w, docs["A1"], d("2025-03-03"), effective_on=d("2025-04-03"))
    cleanup_services.renew(
        docs["OLD"],
        actor=w["clerk"],
        now=at(d("2025-03-03")),
        signed_on=d("2025-03-03"),
        published_on=d("2025-03-03"),
        url="https://www.example.gov.cn/gfxwj/old-renewed.html",
    )

    # A2: returned in the first round, passed with changes in the second.
    docs["A2"] = a2 = draft(w, TITLES["A2"], d("2025-03-03"))
    rnd1 = submit(w, a2, d("2025-03-03"))
    accept(w, a2, d("2025-03-04"))
    y.solicitations["S1"] = _solicit(w, "2025-03-03", "2025-03-17", "中山市城市管理条例（征求意见稿）", "clerk")
    conclude_review(w, a2, rnd1, d("2025-03-10"), label=RETURN, findings=(FINE,))
    [finding] = rnd1.findings
    submit_filing(w, docs["A1"], d("2025-03-10"))
    _reply(w, y.solicitations["S1"], "2025-03-10")
    _sent(w, y.solicitations["S1"], "2025-03-12")
    review.answer_finding(finding, actor=w["drafter"], now=at(d("2025-03-14")), response=FindingResponse.ADOPTED,
                          reason="")  # fmt: skip
    revised = check_upload(docx_bytes(TITLES["A2"], "第五条 删去罚款。"), "修改稿.docx", docx_only=True)
    add_version(a2, revised, note="按审查意见修改", actor=w["drafter"], now=at(d("2025-03-14")))
    rnd2 = submit(w, a2, d("2025-03-17"))
    accept(w, a2, d("2025-03-18"))
    conclude_review(w, a2, rnd2, d("2025-03-24"), label=PASS_WITH_CHANGES)
    deliberate(w, a2, d("2025-03-31"))
    number(w, a2, d("2025-04-02"))
    take_effect(docs["A1"], d("2025-04-03"))
    publish(w, a2, d("2025-04-14"), effective_on=d("2025-05-14"))
    filing_result(w, docs["A1"], d("2025-04-15"), FilingResult.REGISTERED)

    docs["A4"] = ready_to_publish(w, TITLES["A4"], d("2025-05-06"))  # passed 05-13, numbered 05-22
    take_effect(a2, d("2025-05-14"))
    submit_filing(w, a2, d("2025-05-20"))
    y.solicitations["S4"] = _solicit(w, "2025-06-02", "2025-06-16", "中山市物业管理条例（征求意见稿）", "clerk")
    publish(w, docs["A4"], d("2025-06-03"), effective_on=d("2025-07-03"))
    filing_result(w, a2, d("2025-06-03"), FilingResult.CORRECTION, note="请补充起草说明")
    # Imported after the fact: published 2025-05-06 outside the system, never reviewed, no website address.
    i1 = _row("I1", 20, "2025-04-30", "2025-05-06", "2025-06-01", None, "2025-05-12")
    [docs["I1"]] = import_rows(w, [i1], d("2025-06-10"))
    submit_filing(w, a2, d("2025-06-16"))
    filing_result(w, docs["I1"], d("2025-06-20"), FilingResult.NOT_ACCEPTED)
    filing_result(w, a2, d("2025-06-30"), FilingResult.REGISTERED)
    take_effect(docs["A4"], d("2025-07-03"))

    docs["X1"] = x1 = draft(w, TITLES["X1"], d("2025-08-04"))
    rnd = submit(w, x1, d("2025-08-04"))
    accept(w, x1, d("2025-08-05"))
    conclude_review(w, x1, rnd, d("2025-08-11"), label=REJECT, findings=(FINE,))
    _evaluate(w, y, "E1", opened=d("2025-08-01"), submitted=d("2025-08-20"), agreed=d("2025-09-15"))

    c1 = cleanup.open_campaign(
        actor=w["reviewer"],
        now=at(d("2025-10-08")),
        name="2025年规范性文件定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2025-09-30"),
    )
    for item in c1.items:
        result = CLEANUP.get(y.key_of(item.document_id), CleanupResult.KEEP)
        cleanup.propose(item, actor=w["drafter"], now=at(d("2025-10-09")), result=result, reason="经评估提出。")
        cleanup.review(item, actor=w["reviewer"], now=at(d("2025-10-12")), result=result, note="")
    cleanup.deliberate_campaign(c1, actor=w["clerk"], now=at(d("2025-10-15"), 16), meeting="镇政府常务会议",
                                held_on=d("2025-10-15"))  # fmt: skip
    cleanup.publish_campaign(
        c1,
        actor=w["clerk"],
        now=at(d("2025-10-20")),
        published_on=d("2025-10-20"),
        notice_number="测府〔2025〕40号",
        url="https://www.example.gov.cn/gfxwj/qingli-2025.html",
    )
    y.campaigns["C1"] = c1
    y.campaigns["C2"] = cleanup.open_campaign(
        actor=w["reviewer"],
        now=at(d("2025-11-03")),
        name="涉及户外广告的规范性文件专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.HIGHER_LAW,
        trigger_ref="《广东省户外广告管理规定》修订",
        cutoff_on=d("2025-10-31"),
        document_ids=[docs["P0"].id],
    )

    docs["A7"] = published(w, TITLES["A7"], d("2025-11-17"), d("2025-12-15"), d("2026-01-15"))  # passed 11-24
    docs["A5"] = published(w, TITLES["A5"], d("2025-11-24"), d("2025-12-22"), d("2026-01-22"))  # passed 12-01
    docs["X2"] = ready_to_publish(w, TITLES["X2"], d("2025-12-01"))  # passed 12-08, numbered 12-17
    y.solicitations["S2"] = _solicit(w, "2025-12-20", "2026-01-10", "中山市河道管理条例（征求意见稿）", "reviewer")
    _reply(w, y.solicitations["S2"], "2025-12-30")

    # --- early 2026: what still belongs to 2025 (a filing within its deadline) and what does not -------------
    submit_filing(w, docs["A5"], d("2026-01-05"))
    _sent(w, y.solicitations["S2"], "2026-01-05")
    submit_filing(w, docs["A7"], d("2026-01-08"))
    db.session.commit()
    return y


def next_year(w: World, y: Year) -> None:
    """Later changes in 2026 that must not move 2025's figures: a publication, entries into force, filing results,
    a repeal."""
    docs = y.docs
    publish(w, docs["X2"], d("2026-01-05"), effective_on=d("2026-02-05"))
    take_effect(docs["A7"], d("2026-01-15"))
    take_effect(docs["A5"], d("2026-01-22"))
    filing_result(w, docs["A5"], d("2026-02-10"), FilingResult.REGISTERED)
    filing_result(w, docs["A7"], d("2026-02-10"), FilingResult.CORRECTION, note="请补充政策解读")
    repeal(w, docs["E2"], d("2026-03-02"))
    db.session.commit()


def renew_e1(w: World, y: Year) -> None:
    """2026-01-20: E1, evaluated in 2025 (继续施行 agreed), is renewed; its validity restarts to 2031-01-19."""
    cleanup_services.renew(
        y.docs["E1"],
        actor=w["clerk"],
        now=at(d("2026-01-20")),
        signed_on=d("2026-01-20"),
        published_on=d("2026-01-20"),
        url="https://www.example.gov.cn/gfxwj/e1-renewed.html",
    )
    db.session.commit()
