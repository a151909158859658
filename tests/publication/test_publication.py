"""Publication (stage 12–13) and filing (stage 14–15): the effective-date gap, validity, the filing due date on the
2026 calendar, the packet and its .zip export, submission, the correction loop and the on-time flag.

Rule set defaults (docs/rules.md §3): effective no earlier than 30 CD after publication unless a reason is recorded;
validity 5 years, 2 for 暂行/试行; filing within 15 CD of publication; correction within 30 CD of the result; a CD
limit ending on a rest day rolls to the next working day. 2026 (docs/rules.md §3): holidays 09-25…27 (中秋) and
10-01…07 (国庆), make-up workdays 09-20 (Sun) and 10-10 (Sat). Every expected date below is counted by hand.
"""

from __future__ import annotations

import io
import zipfile

import docx
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import at, d, filing_result, numbered, publish, submit_filing
from tests.publication.steps import row_counts
from tracker.documents.models import TrialKind
from tracker.documents.states import DocStatus, FilingStatus
from tracker.errors import ValidationFailed
from tracker.files.storage import path_of
from tracker.filing import services as filing
from tracker.filing.models import Filing, FilingResult
from tracker.filing.word import generate_filing_report
from tracker.publication.queries import current_publication

SIGNED = d("2026-10-21")
PUBLISHED = d("2026-10-22")
EARLY_REASON = "汛期将至，河道管理措施须立即施行"


def _unpublished(pub) -> dict:
    return {
        k: getattr(pub, k)
        for k in ("published_on", "channel", "url", "effective_on", "early_effect_reason", "validity_end_on")
    }


NOT_PUBLISHED = dict.fromkeys(
    ("published_on", "channel", "url", "effective_on", "early_effect_reason", "validity_end_on")
)


# --- the effective date ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective_on", "reason", "gap"),
    [
        (d("2026-11-20"), None, 29),
        (d("2026-11-20"), "   ", 29),
        (d("2026-10-22"), None, 0),
    ],
    ids=["29-days", "29-days-blank-reason", "same-day"],
)
def test_an_effective_date_too_early_without_a_reason_is_refused_and_nothing_changes(
    db, world, effective_on, reason, gap
):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    db.session.commit()
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        publish(world, doc, PUBLISHED, effective_on=effective_on, early_effect_reason=reason)
    assert exc.value.message == (
        f"施行日期距发布日期仅 {gap} 日，少于规定的 30 日（通行做法）；"
        "因特殊情况须提前施行的，请填写理由（将随备案材料报送）。"
    )
    # Refused before any write: the session holds no change (the view's rollback is not what keeps it clean).
    assert doc.status is DocStatus.NUMBERED
    assert doc.filing_status is FilingStatus.NOT_SUBMITTED
    assert _unpublished(current_publication(doc)) == NOT_PUBLISHED
    assert row_counts() == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Filing)) == 0


def test_thirty_days_after_publication_needs_no_reason(db, world):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    filing_ = publish(world, doc, PUBLISHED, effective_on=d("2026-11-21"), early_effect_reason="无需理由")
    pub = current_publication(doc)
    assert (pub.published_on, pub.effective_on) == (PUBLISHED, d("2026-11-21"))
    assert pub.early_effect_reason is None  # not "early": the reason is neither kept nor filed
    assert doc.status is DocStatus.PUBLISHED  # effective in the future: published, waiting
    assert [i.label for i in filing.packet(doc)] == [
        "备案报告",
        "正式文本",
        "起草说明",
        "制定依据",
        "合法性审查意见书",
        "政策解读",
    ]
    assert filing_.due_on == d("2026-11-06")


def test_an_early_effective_date_with_a_reason_is_accepted_and_the_reason_is_filed(db, world):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(world, doc, PUBLISHED, effective_on=PUBLISHED, early_effect_reason=f"  {EARLY_REASON} ")
    pub = current_publication(doc)
    assert pub.effective_on == PUBLISHED
    assert pub.early_effect_reason == EARLY_REASON
    assert doc.status is DocStatus.IN_FORCE  # effective today: in force at once
    items = {i.label: i for i in filing.packet(doc)}
    reason = items["提前施行的理由说明"]
    assert reason.required and reason.present and reason.note == EARLY_REASON
    # The packet is complete once the 备案报告 is generated; the export carries the reason as its own file.
    assert filing.missing_packet_items(doc) == ["备案报告"]
    generate_filing_report(doc, actor=world["clerk"], now=at(PUBLISHED, 14))
    data, name = filing.export_packet(doc)
    assert name == "测府规字〔2026〕1号《测试镇河道管理办法》备案材料.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "07 提前施行的理由说明.docx" in zf.namelist()
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(zf.read("07 提前施行的理由说明.docx"))).paragraphs)
        sheet = load_workbook(io.BytesIO(zf.read("08 文件信息.xlsx"))).active
    assert "关于《测试镇河道管理办法》提前施行的说明" in text
    assert EARLY_REASON in text
    assert dict(sheet.iter_rows(min_row=2, values_only=True))["提前施行理由"] == EARLY_REASON


# --- validity -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "trial", "effective_on", "end_on"),
    [
        ("测试镇河道管理办法", TrialKind.NONE, d("2026-11-21"), d("2031-11-20")),
        ("测试镇河道管理办法", TrialKind.NONE, d("2027-01-01"), d("2031-12-31")),
        ("测试镇河道管理办法（试行）", TrialKind.TRIAL, d("2026-12-01"), d("2028-11-30")),
        ("测试镇河道管理暂行办法", TrialKind.INTERIM, d("2027-03-01"), d("2029-02-28")),
    ],
    ids=["5-years", "5-years-from-new-year", "trial-2-years", "interim-2-years"],
)
def test_the_default_validity_ends_the_day_before_the_anniversary(db, world, title, trial, effective_on, end_on):
    doc = numbered(world, title, SIGNED, trial_kind=trial)
    publish(world, doc, PUBLISHED, effective_on=effective_on)
    pub = current_publication(doc)
    assert (pub.validity_end_on, pub.validity_reason) == (end_on, None)


@pytest.mark.parametrize(
    ("mode", "end_on", "reason", "message"),
    [
        ("custom", d("2029-11-20"), None, "有效期与默认值（5 年，至 2031-11-20）不同的，须说明理由。"),
        ("custom", d("2029-11-20"), "  ", "有效期与默认值（5 年，至 2031-11-20）不同的，须说明理由。"),
        ("custom", None, "试点三年", "请填写有效期截止日期。"),
        ("custom", d("2026-11-21"), "试点三年", "有效期截止日期须晚于施行日期。"),
        ("custom", d("2026-11-20"), "试点三年", "有效期截止日期须晚于施行日期。"),
        ("none", None, None, "有效期与默认值（5 年，至 2031-11-20）不同的，须说明理由。"),
        ("forever", None, "理由", "有效期设置无效。"),
    ],
    ids=[
        "custom-no-reason",
        "custom-blank-reason",
        "custom-no-date",
        "custom-on-effect",
        "custom-before",
        "none",
        "unknown-mode",
    ],
)
def test_a_validity_other_than_the_default_needs_a_reason_and_a_later_date(db, world, mode, end_on, reason, message):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    db.session.commit()
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        publish(
            world,
            doc,
            PUBLISHED,
            effective_on=d("2026-11-21"),
            validity_mode=mode,
            validity_end_on=end_on,
            validity_reason=reason,
        )
    assert exc.value.message == message
    assert doc.status is DocStatus.NUMBERED
    assert _unpublished(current_publication(doc)) == NOT_PUBLISHED
    assert row_counts() == before


@pytest.mark.parametrize(
    ("mode", "end_on", "stored"),
    [("custom", d("2029-11-20"), d("2029-11-20")), ("none", None, None)],
    ids=["custom", "none"],
)
def test_a_validity_other_than_the_default_with_a_reason_is_kept(db, world, mode, end_on, stored):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(
        world,
        doc,
        PUBLISHED,
        effective_on=d("2026-11-21"),
        validity_mode=mode,
        validity_end_on=end_on,
        validity_reason=" 试点期三年，届时评估 ",
    )
    pub = current_publication(doc)
    assert (pub.validity_end_on, pub.validity_reason) == (stored, "试点期三年，届时评估")


# --- the filing due date --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published_on", "due_on"),
    [
        # 09-16 + 15 = 10-01, 国庆 10-01…07 → Thursday 10-08.
        (d("2026-09-16"), d("2026-10-08")),
        # 09-10 + 15 = 09-25 (Fri, 中秋), 09-26/27 weekend holidays → Monday 09-28.
        (d("2026-09-10"), d("2026-09-28")),
        # 10-22 + 15 = 11-06, a Friday: no roll.
        (d("2026-10-22"), d("2026-11-06")),
        # 10-23 + 15 = 11-07, a Saturday → Monday 11-09.
        (d("2026-10-23"), d("2026-11-09")),
        # 09-05 + 15 = 09-20, a Sunday but a make-up workday (调休): no roll.
        (d("2026-09-05"), d("2026-09-20")),
        # 09-25 + 15 = 10-10, a Saturday but a make-up workday: no roll.
        (d("2026-09-25"), d("2026-10-10")),
    ],
    ids=["national-day", "mid-autumn", "friday", "saturday", "makeup-sunday", "makeup-saturday"],
)
def test_the_filing_due_date_is_fifteen_calendar_days_rolled_past_rest_days(db, world, published_on, due_on):
    doc = numbered(world, "测试镇河道管理办法", d("2026-09-01") if published_on < SIGNED else SIGNED)
    f = publish(world, doc, published_on, effective_on=d("2026-12-01"))
    assert (f.due_on, f.due_rule_code, f.due_rule_days, f.due_provisional) == (due_on, "filing_deadline", 15, False)
    assert db.session.get(Filing, f.id).due_on == due_on


# --- the packet, its export, submission ------------------------------------------------------------------------


def test_the_exported_zip_holds_every_packet_file_under_a_chinese_name_and_the_metadata_sheet(db, world):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(world, doc, PUBLISHED, effective_on=d("2026-11-21"))
    generate_filing_report(doc, actor=world["clerk"], now=at(PUBLISHED, 14))
    data, name = filing.export_packet(doc)
    assert name == "测府规字〔2026〕1号《测试镇河道管理办法》备案材料.zip"
    items = filing.packet(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.namelist() == [
            "01 备案报告.docx",
            "02 正式文本.docx",
            "03 起草说明.docx",
            "04 制定依据.docx",
            "05 合法性审查意见书.docx",
            "06 政策解读.docx",
            "07 文件信息.xlsx",
        ]
        # Each entry is the stored file itself, byte for byte.
        for n, item in enumerate(items, start=1):
            assert zf.read(f"{n:02d} {item.label}.docx") == path_of(item.file).read_bytes(), item.label
        report = "\n".join(p.text for p in docx.Document(io.BytesIO(zf.read("01 备案报告.docx"))).paragraphs)
        official = "\n".join(p.text for p in docx.Document(io.BytesIO(zf.read("02 正式文本.docx"))).paragraphs)
        sheet = load_workbook(io.BytesIO(zf.read("07 文件信息.xlsx"))).active
    assert "关于《测试镇河道管理办法》的备案报告" in report
    assert "测试镇河道管理办法" in official
    assert sheet.title == "文件信息"
    assert next(sheet.iter_rows(max_row=1, values_only=True)) == ("项目", "内容")
    meta = dict(sheet.iter_rows(min_row=2, values_only=True))
    assert meta["文件名称"] == "测试镇河道管理办法"
    assert meta["发文机关"] == "测试镇人民政府"
    assert meta["起草单位"] == "测试镇综合行政执法局"
    assert meta["发文字号"] == "测府〔2026〕1号"
    assert meta["规范性文件编号"] == "测府规字〔2026〕1号"
    assert meta["签发日期"].date() == SIGNED
    assert meta["发布日期"].date() == PUBLISHED
    assert meta["发布网址"] == f"https://www.example.gov.cn/gfxwj/{doc.id}.html"
    assert meta["施行日期"].date() == d("2026-11-21")
    assert meta["有效期至"].date() == d("2031-11-20")
    assert meta["报备期限"].date() == d("2026-11-06")
    assert meta["提前施行理由"] in (None, "")


def test_submission_and_export_are_refused_while_the_packet_is_incomplete(db, world):
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    publish(world, doc, PUBLISHED, effective_on=d("2026-11-21"))
    db.session.commit()
    assert filing.missing_packet_items(doc) == ["备案报告"]
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        filing.submit(
            doc,
            actor=world["clerk"],
            now=at(d("2026-10-26")),
            submitted_on=d("2026-10-26"),
            method="市系统",
            system_ref="",
        )
    assert exc.value.message == "备案材料不齐全，缺少：备案报告。"
    with pytest.raises(ValidationFailed) as exc:
        filing.export_packet(doc)
    assert exc.value.message == "备案材料不齐全，缺少：备案报告。请先上传或生成。"
    f = filing.current_filing(doc)
    assert doc.filing_status is FilingStatus.NOT_SUBMITTED
    assert (f.first_submitted_on, f.attempts, f.on_time) == (None, [], None)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("result_on", "correction_due_on"),
    [
        # 09-17 + 30 = 10-17, a Saturday → Monday 10-19.
        (d("2026-09-17"), d("2026-10-19")),
        # 09-01 + 30 = 10-01, 国庆 → 10-08.
        (d("2026-09-01"), d("2026-10-08")),
    ],
    ids=["saturday", "national-day"],
)
def test_the_correction_loop_ends_registered(db, world, result_on, correction_due_on):
    doc = numbered(world, "测试镇河道管理办法", d("2026-08-18"))
    f = publish(world, doc, d("2026-08-20"), effective_on=d("2026-09-20"))
    assert f.due_on == d("2026-09-04")  # 08-20 + 15, a Friday
    first = submit_filing(world, doc, d("2026-08-31"))
    assert (first.attempt_no, doc.filing_status) == (1, FilingStatus.SUBMITTED)
    with pytest.raises(ValidationFailed) as exc:
        filing_result(world, doc, result_on, FilingResult.CORRECTION, note="")
    assert exc.value.message == "请填写备案审查机关要求补正或纠正的内容。"
    attempt = filing_result(world, doc, result_on, FilingResult.CORRECTION, note="起草说明未列明征求意见情况")
    assert attempt.correction_due_on == correction_due_on
    assert doc.filing_status is FilingStatus.CORRECTION
    assert filing.filing_summary(doc, today=result_on)["correction_due_on"] == correction_due_on
    # A resubmission cannot predate the result it answers.
    with pytest.raises(ValidationFailed) as exc:
        submit_filing(world, doc, d("2026-08-31"))
    assert exc.value.message == "重新报送日期不能早于上次审查结果的日期。"
    second = submit_filing(world, doc, d("2026-10-08"))
    assert (second.attempt_no, doc.filing_status) == (2, FilingStatus.SUBMITTED)
    done = filing_result(world, doc, d("2026-10-20"), FilingResult.REGISTERED)
    assert done is second
    assert (done.result, done.result_on, done.correction_due_on) == (FilingResult.REGISTERED, d("2026-10-20"), None)
    assert doc.filing_status is FilingStatus.REGISTERED
    f = filing.current_filing(doc)
    assert [(a.attempt_no, a.submitted_on, a.result) for a in f.attempts] == [
        (1, d("2026-08-31"), FilingResult.CORRECTION),
        (2, d("2026-10-08"), FilingResult.REGISTERED),
    ]
    # 报备及时 is decided by the first submission (08-31 ≤ 09-04), not the resubmission.
    assert (f.first_submitted_on, f.on_time) == (d("2026-08-31"), True)
    assert filing.filing_summary(doc, today=d("2026-10-21"))["correction_due_on"] is None


@pytest.mark.parametrize(
    ("published_on", "submitted_on", "on_time"),
    [
        (d("2026-09-16"), d("2026-10-08"), True),  # due 10-08 (rolled past 国庆): the last day counts
        (d("2026-09-16"), d("2026-10-09"), False),
        (d("2026-09-16"), d("2026-10-01"), True),  # on a holiday, before the due date
        (d("2026-10-22"), d("2026-11-06"), True),  # due 11-06
        (d("2026-10-22"), d("2026-11-07"), False),
    ],
)
def test_the_on_time_flag(db, world, published_on, submitted_on, on_time):
    doc = numbered(world, "测试镇河道管理办法", d("2026-09-14"))
    f = publish(world, doc, published_on, effective_on=d("2026-12-01"))
    assert f.on_time is None
    submit_filing(world, doc, submitted_on)
    assert (f.first_submitted_on, f.on_time) == (submitted_on, on_time)
    assert filing.filing_summary(doc, today=submitted_on)["late"] is False


def test_a_document_in_force_at_once_still_owes_its_filing(db, world):
    """Published and effective the same day: in force at once, its filing open with its due date."""
    doc = numbered(world, "测试镇河道管理办法", SIGNED)
    f = publish(world, doc, PUBLISHED, effective_on=PUBLISHED, early_effect_reason=EARLY_REASON)
    assert doc.status is DocStatus.IN_FORCE
    assert (f.due_on, doc.filing_status) == (d("2026-11-06"), FilingStatus.NOT_SUBMITTED)
    summary = filing.filing_summary(doc, today=d("2026-11-09"))
    assert summary["late"] is True and summary["days_left"] == -3
