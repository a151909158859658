"""Importing documents issued before the system from the old .xlsx register: preview with per-row errors, every row
or nothing, numbers reserved; through the service and through /publication/import as the clerk.

The workbooks are built here with openpyxl; every expected status, date and number is written out by hand.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.cleanup.town import gov_office
from tests.conftest import FIXED_NOW
from tests.factories import d, numbered
from tests.pages import flashes, hidden_value, is_login_redirect, redirect_target, text
from tests.publication.steps import counters, refusals, row_counts
from tracker.documents.models import Document, TrialKind
from tracker.documents.states import DocStatus, FilingStatus
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db as _db
from tracker.files.models import StoredFile
from tracker.filing.models import Filing, FilingResult
from tracker.publication import importer
from tracker.publication.models import Publication
from tracker.publication.queries import in_force_on

TODAY = date(2026, 11, 2)  # office date of FIXED_NOW
HEADER = (
    "文件名称",
    "发文机关",
    "起草单位",
    "发文字号",
    "规范性文件编号",
    "签发日期",
    "发布日期",
    "施行日期",
    "有效期至",
    "状态",
    "终止日期",
    "备案日期",
    "备案结果",
)
GOV, ENF, AGRI = "测试镇人民政府", "测试镇综合行政执法局", "测试镇农业农村办公室"


def row(**cells) -> dict:
    """A sheet row by column name; columns left out are empty."""
    assert set(cells) <= set(HEADER), set(cells) - set(HEADER)
    return cells


def with_cells(base: dict, **cells) -> dict:
    """A copy of a sheet row with some columns replaced."""
    return row(**{**base, **cells})


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# Sheet rows 2–5. Row 2's 发文字号 is typed with [] as the old register often has it.
ROW2 = row(
    文件名称="测试镇市容管理办法",
    发文机关=GOV,
    起草单位=ENF,
    发文字号="测府[2026]7号",
    规范性文件编号="沙府规字〔2026〕5号",
    签发日期=d("2026-03-02"),
    发布日期=d("2026-03-05"),
    施行日期=d("2026-04-05"),
    有效期至=d("2031-04-04"),
    状态="施行中",
    备案日期=d("2026-03-12"),
    备案结果="予以备案",
)
ROW3 = row(
    文件名称="测试镇摊贩管理办法",
    发文机关=GOV,
    起草单位=ENF,
    发文字号="测府〔2021〕3号",
    规范性文件编号="沙府规字〔2021〕2号",
    签发日期=d("2021-05-06"),
    发布日期=d("2021-05-10"),
    施行日期=d("2021-06-10"),
    有效期至=d("2026-06-09"),
    状态="已废止",
    终止日期=d("2024-09-01"),
    备案日期=d("2021-05-20"),
    备案结果="予以备案",
)
ROW4 = row(
    文件名称="测试镇农机补贴暂行办法",
    发文机关=GOV,
    起草单位=AGRI,
    发文字号="测府〔2022〕4号",
    规范性文件编号="沙府规字〔2022〕3号",
    发布日期=d("2022-01-10"),
    施行日期=d("2022-02-10"),
    有效期至=d("2024-02-09"),
    状态="已失效",
    备案日期=d("2022-01-30"),
)
# Dates typed as text, as they often are in an old register; no validity period.
ROW5 = row(
    文件名称="测试镇养犬管理办法",
    发文机关=GOV,
    起草单位=ENF,
    发文字号="测府〔2026〕6号",
    规范性文件编号="沙府规字〔2026〕4号",
    发布日期="2026/10/20",
    施行日期="2026年11月20日",
    状态="已发布待施行",
)
GOOD = (ROW2, ROW3, ROW4, ROW5)
TITLES = [r["文件名称"] for r in GOOD]


def _doc(title: str) -> Document:
    return _db.session.scalars(sa.select(Document).where(Document.title == title)).one()


def _pub(doc: Document) -> Publication:
    return _db.session.scalars(sa.select(Publication).where(Publication.document_id == doc.id)).one()


def _filing(doc: Document) -> Filing:
    return _db.session.scalars(sa.select(Filing).where(Filing.document_id == doc.id)).one()


# --- the service -----------------------------------------------------------------------------------------------


def test_a_good_register_previews_clean_and_imports_every_row(db, world):
    preview = importer.parse_register(xlsx(GOOD), today=TODAY)
    assert preview.ok and preview.file_errors == []
    assert [(r.row_no, r.errors) for r in preview.rows] == [(2, []), (3, []), (4, []), (5, [])]
    before = row_counts()
    docs = importer.import_register(preview, actor=world["clerk"], now=FIXED_NOW)
    db.session.commit()
    assert [doc.title for doc in docs] == TITLES
    after = row_counts()
    assert {k: after[k] - before[k] for k in ("documents", "publications", "filings", "filing_attempts")} == {
        "documents": 4,
        "publications": 4,
        "filings": 4,
        "filing_attempts": 3,
    }

    states = {
        doc.title: (doc.status, doc.ended_on, doc.filing_status, doc.issuer.name, doc.drafting_unit.name)
        for doc in map(_doc, TITLES)
    }
    assert states == {
        "测试镇市容管理办法": (DocStatus.IN_FORCE, None, FilingStatus.REGISTERED, GOV, ENF),
        "测试镇摊贩管理办法": (DocStatus.REPEALED, d("2024-09-01"), FilingStatus.REGISTERED, GOV, ENF),
        "测试镇农机补贴暂行办法": (DocStatus.EXPIRED, d("2024-02-10"), FilingStatus.SUBMITTED, GOV, AGRI),
        "测试镇养犬管理办法": (DocStatus.PUBLISHED, None, FilingStatus.NOT_SUBMITTED, GOV, ENF),
    }
    assert _doc("测试镇农机补贴暂行办法").trial_kind is TrialKind.INTERIM

    pubs = {
        title: (p.issue_number, p.normative_number, p.signed_on, p.published_on, p.effective_on, p.validity_end_on)
        for title in TITLES
        for p in [_pub(_doc(title))]
    }
    assert pubs == {
        "测试镇市容管理办法": (
            "测府〔2026〕7号",
            "沙府规字〔2026〕5号",
            d("2026-03-02"),
            d("2026-03-05"),
            d("2026-04-05"),
            d("2031-04-04"),
        ),
        "测试镇摊贩管理办法": (
            "测府〔2021〕3号",
            "沙府规字〔2021〕2号",
            d("2021-05-06"),
            d("2021-05-10"),
            d("2021-06-10"),
            d("2026-06-09"),
        ),
        "测试镇农机补贴暂行办法": (
            "测府〔2022〕4号",
            "沙府规字〔2022〕3号",
            d("2022-01-10"),
            d("2022-01-10"),
            d("2022-02-10"),
            d("2024-02-09"),
        ),
        "测试镇养犬管理办法": (
            "测府〔2026〕6号",
            "沙府规字〔2026〕4号",
            d("2026-10-20"),
            d("2026-10-20"),
            d("2026-11-20"),
            None,
        ),
    }
    assert all(_pub(_doc(t)).numbers_entered_by_hand for t in TITLES)

    # Filing: due = publication + 15 CD (03-20 Fri, 2021-05-25 Tue, 2022-01-25 Tue, 11-04 Wed), first submission,
    # the result, 报备及时.
    filings = {}
    for title in TITLES:
        f = _filing(_doc(title))
        filings[title] = (f.due_on, f.first_submitted_on, [a.result for a in f.attempts], f.on_time)
    assert filings == {
        "测试镇市容管理办法": (d("2026-03-20"), d("2026-03-12"), [FilingResult.REGISTERED], True),
        "测试镇摊贩管理办法": (d("2021-05-25"), d("2021-05-20"), [FilingResult.REGISTERED], True),
        "测试镇农机补贴暂行办法": (d("2022-01-25"), d("2022-01-30"), [None], False),
        "测试镇养犬管理办法": (d("2026-11-04"), None, [], None),
    }

    # The imported lives answer "in force on D".
    assert [doc.title for doc in in_force_on(d("2023-06-01"))] == ["测试镇摊贩管理办法", "测试镇农机补贴暂行办法"]
    assert [doc.title for doc in in_force_on(d("2024-08-31"))] == ["测试镇摊贩管理办法"]
    assert [doc.title for doc in in_force_on(d("2024-09-01"))] == []
    assert [doc.title for doc in in_force_on(TODAY)] == ["测试镇市容管理办法"]
    assert [doc.title for doc in in_force_on(d("2026-11-20"))] == ["测试镇市容管理办法", "测试镇养犬管理办法"]

    # Numbers are reserved in their own series: the old 沙府规字 series is not 测试镇人民政府's 规 series today
    # (测府规字), so the next automatic numbers of 2026 are 测府〔2026〕8号 (after 7) and 测府规字〔2026〕1号.
    assert counters() == {
        ("issue:测府", 2021): 3,
        ("normative:沙府规字", 2021): 2,
        ("issue:测府", 2022): 4,
        ("normative:沙府规字", 2022): 3,
        ("issue:测府", 2026): 7,
        ("normative:沙府规字", 2026): 5,
    }
    nxt = numbered(world, "测试镇新定管理办法", d("2026-10-30"))
    assert (_pub(nxt).issue_number, _pub(nxt).normative_number) == ("测府〔2026〕8号", "测府规字〔2026〕1号")


@pytest.mark.parametrize(
    ("numbered_first", "row3", "errors"),
    [
        (False, with_cells(ROW3, 发布日期="2021-02-30"), ["发布日期“2021-02-30”不是有效日期"]),
        (False, with_cells(ROW3, 施行日期="明年"), ["施行日期“明年”不是有效日期"]),
        (False, with_cells(ROW3, 发布日期=None), ["缺少发布日期"]),
        (
            False,
            with_cells(ROW3, 发文字号="测府〔2026〕7号"),
            [
                "发文字号“测府〔2026〕7号”与第 2 行重复",
                "发文字号“测府〔2026〕7号”的年份与签发日期（2021-05-06）不在同一年",
            ],
        ),
        (
            False,
            with_cells(ROW3, 规范性文件编号="沙府规字[2026]5号"),
            [
                "规范性文件编号“沙府规字〔2026〕5号”与第 2 行重复",
                "规范性文件编号“沙府规字〔2026〕5号”的年份与签发、发布日期都不在同一年",
            ],
        ),
        (
            True,
            with_cells(ROW3, 规范性文件编号="测府规字〔2021〕1号"),
            ["规范性文件编号“测府规字〔2021〕1号”已在系统中"],
        ),
        (
            True,
            with_cells(ROW3, 发文字号="测府〔2026〕1号"),
            [
                "发文字号“测府〔2026〕1号”已在系统中",
                "发文字号“测府〔2026〕1号”的年份与签发日期（2021-05-06）不在同一年",
            ],
        ),
        (
            False,
            with_cells(ROW3, 发文字号="测府2021年3号"),
            ["发文字号“测府2021年3号”无法识别：应写明年份和序号，如“沙府规字〔2024〕4号”（年份用六角括号〔〕）"],
        ),
        (False, with_cells(ROW3, 终止日期=None), ["已废止或宣布失效的文件须填写终止日期"]),
        (
            False,
            with_cells(ROW3, 状态="作废"),
            ["状态“作废”无法识别（可填：施行中、已废止、已宣布失效、宣布失效、已失效、有效期届满、已发布待施行）"],
        ),
        (False, with_cells(ROW3, 备案结果="已备案"), ["备案结果“已备案”无法识别"]),
        (False, with_cells(ROW3, 施行日期=d("2021-05-01")), ["施行日期早于发布日期"]),
    ],
    ids=[
        "bad-date",
        "date-in-words",
        "missing-date",
        "duplicate-issue-number",
        "duplicate-normative-number",
        "normative-number-in-system",
        "issue-number-in-system",
        "malformed-number",
        "repealed-without-date",
        "unknown-state",
        "unknown-result",
        "effect-before-publication",
    ],
)
def test_one_bad_row_names_its_row_and_nothing_is_written(db, world, numbered_first, row3, errors):
    if numbered_first:  # 测府〔2026〕1号 and 测府规字〔2021〕1号 are taken
        doc = numbered(world, "测试镇已编号管理办法", d("2026-10-21"))
        _pub(doc).normative_number = "测府规字〔2021〕1号"
    db.session.commit()
    before_rows, before_counters = row_counts(), counters()
    preview = importer.parse_register(xlsx((ROW2, row3, ROW4, ROW5)), today=TODAY)
    assert not preview.ok
    assert [(r.row_no, r.errors) for r in preview.rows] == [(2, []), (3, errors), (4, []), (5, [])]
    with pytest.raises(ValidationFailed) as exc:
        importer.import_register(preview, actor=world["clerk"], now=FIXED_NOW)
    assert exc.value.message == "有 1 行存在错误，未导入任何数据。请修改后重新上传。"
    assert row_counts() == before_rows
    assert counters() == before_counters
    assert not db.session.new and not db.session.dirty


def test_an_unknown_issuer_is_named(db, world):
    preview = importer.parse_register(xlsx((ROW2, with_cells(ROW3, 发文机关="测试镇水务局"))), today=TODAY)
    assert not preview.ok
    assert [r.row_no for r in preview.bad_rows] == [3]
    assert preview.bad_rows[0].errors[0] == "发文机关“测试镇水务局”不在单位名单中或不能发文"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((), "表格中没有数据行。"),
        ("no-title-column", "缺少必需的列：文件名称（首行为列名）。"),
        ("not-xlsx", "无法读取该 Excel 文件（须为 .xlsx）。"),
    ],
    ids=["empty", "missing-column", "not-a-workbook"],
)
def test_a_file_that_is_not_a_register_is_refused_as_a_whole(db, world, rows, message):
    if rows == "no-title-column":
        data = xlsx(GOOD, header=HEADER[1:])
    elif rows == "not-xlsx":
        data = b"PK\x03\x04 not really a workbook"
    else:
        data = xlsx(rows)
    preview = importer.parse_register(data, today=TODAY)
    assert (preview.ok, preview.rows, preview.file_errors) == (False, [], [message])


def test_only_the_clerk_may_import(db, world):
    preview = importer.parse_register(xlsx(GOOD), today=TODAY)
    before = row_counts()
    for username in ("admin", "reviewer", "drafter", "leader"):
        with pytest.raises(PermissionDenied):
            importer.import_register(preview, actor=world[username], now=FIXED_NOW)
    assert row_counts() == before


# --- through HTTP ----------------------------------------------------------------------------------------------

# The route uses the real clock: every date here is in the past, whatever day the suite runs.
HTTP_GOOD = (ROW2, ROW3, ROW4)


def _upload(client, data: bytes, name: str = "原登记簿.xlsx"):
    return client.post(
        "/publication/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _preview_rows(response) -> list[tuple[str, str]]:
    """(row number, problems) of each row of the preview table."""
    body = text(response).split('data-testid="import-preview"', 1)[1].split("</table>", 1)[0]
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        out.append((cells[0], cells[-1]))
    return out


def test_the_clerk_previews_then_confirms_an_import(db, world, login_as):
    clerk = login_as("clerk")
    assert clerk.get("/publication/import").status_code == 200
    before = row_counts()
    r = _upload(clerk, xlsx(HTTP_GOOD))
    assert r.status_code == 200
    assert _preview_rows(r) == [("2", ""), ("3", ""), ("4", "")]
    assert "确认导入 3 件" in text(r)
    assert row_counts() == before  # the preview writes no document
    r = clerk.post("/publication/import", data={"confirm": "1", "file_id": hidden_value(r, "file_id")})
    assert redirect_target(r)[0] == "/documents/"
    assert "已补录 3 件文件。" in flashes(clerk.get("/documents/"))
    db.session.expire_all()
    assert {doc.title: doc.status for doc in map(_doc, (r["文件名称"] for r in HTTP_GOOD))} == {
        "测试镇市容管理办法": DocStatus.IN_FORCE,
        "测试镇摊贩管理办法": DocStatus.REPEALED,
        "测试镇农机补贴暂行办法": DocStatus.EXPIRED,
    }
    assert _pub(_doc("测试镇市容管理办法")).issue_number == "测府〔2026〕7号"
    assert row_counts()["documents"] == before["documents"] + 3


def test_a_bad_row_through_http_is_named_and_nothing_is_written_even_on_a_forged_confirm(db, world, login_as):
    clerk = login_as("clerk")
    before_rows, before_counters = row_counts(), counters()
    r = _upload(clerk, xlsx((ROW2, with_cells(ROW3, 发文字号="测府[2026]7号"), ROW4)))
    assert r.status_code == 200
    problems = (
        "发文字号“测府〔2026〕7号”与第 2 行重复；发文字号“测府〔2026〕7号”的年份与签发日期（2021-05-06）不在同一年"
    )
    assert _preview_rows(r) == [("2", ""), ("3", problems), ("4", "")]
    assert 'data-testid="confirm-import"' not in text(r)
    assert 'name="file_id"' not in text(r)  # no confirm form offered
    # A confirm posted anyway (an old tab, a forged request) re-checks the stored file and writes nothing.
    stored = _db.session.scalars(sa.select(StoredFile).order_by(StoredFile.id.desc())).first()
    r = clerk.post("/publication/import", data={"confirm": "1", "file_id": str(stored.id)})
    assert r.status_code == 200
    assert flashes(r) == ["有 1 行存在错误，未导入任何数据。请修改后重新上传。"]
    _db.session.expire_all()
    assert row_counts() == before_rows
    assert counters() == before_counters


def test_a_row_failing_while_being_written_leaves_nothing_written(db, world, login_as):
    """Row 3's 终止日期 precedes its 发布日期: the preview names it, and a confirm posted anyway writes nothing."""
    clerk = login_as("clerk")
    before_rows, before_counters = row_counts(), counters()
    r = _upload(clerk, xlsx((ROW2, with_cells(ROW3, 终止日期=d("2021-05-01")))))
    assert r.status_code == 200
    assert "终止日期早于发布日期" in r.get_data(as_text=True)
    assert 'data-testid="confirm-import"' not in r.get_data(as_text=True)
    stored = _db.session.scalars(sa.select(StoredFile).order_by(StoredFile.id.desc())).first()
    r = clerk.post("/publication/import", data={"confirm": "1", "file_id": str(stored.id)})
    assert r.status_code == 200
    assert flashes(r) == ["有 1 行存在错误，未导入任何数据。请修改后重新上传。"]
    _db.session.expire_all()
    assert row_counts() == before_rows
    assert counters() == before_counters


@pytest.mark.parametrize("username", ["admin", "reviewer", "drafter", "drafter2", "leader"])
def test_other_roles_get_403(db, world, login_as, username):
    c = login_as(username)
    before = row_counts()
    assert c.get("/publication/import").status_code == 403
    assert _upload(c, xlsx(HTTP_GOOD)).status_code == 403
    assert c.post("/publication/import", data={"confirm": "1", "file_id": "1"}).status_code == 403
    assert row_counts() == before
    assert refusals() == 3  # each attempt is on the record


def test_an_anonymous_visitor_is_sent_to_login(client, world):
    assert is_login_redirect(client.get("/publication/import"))
    assert is_login_redirect(_upload(client, xlsx(HTTP_GOOD)))


# --- a real old register: numbers of any series, documents without a 规 number ----------------------------------


def test_a_real_old_register_with_mixed_series_and_no_normative_numbers_imports_without_edits(db, world, login_as):
    """docs/rules.md §4: old registers hold numbers of older series and documents that never had a 规 number."""
    office = gov_office(world)  # 测试镇人民政府办公室, 发文代字 测府办
    rows = (
        # No 规范性文件编号 at all: imported without one, marked so.
        row(文件名称="测试镇殡葬管理办法", 发文机关=GOV, 起草单位=ENF, 发文字号="测府〔2015〕12号",
            发布日期=d("2015-06-01"), 施行日期=d("2015-07-01"), 状态="施行中"),
        # The office's own series, and a 函 series of the government with a number in the HFGS-year-n form.
        row(文件名称="测试镇村规民约备案办法", 发文机关=office.name, 起草单位=AGRI, 发文字号="测府办〔2018〕5号",
            规范性文件编号="测府办规字〔2018〕1号", 发布日期=d("2018-03-01"), 施行日期=d("2018-04-01"), 状态="施行中"),
        row(文件名称="测试镇河道保洁办法", 发文机关=GOV, 起草单位=ENF, 发文字号="测府函（2019）3号",
            规范性文件编号="CFGS-2019-2", 发布日期=d("2019-05-01"), 施行日期=d("2019-06-01"), 状态="施行中"),
        # The town-wide 规 series of the time (沙府规字), before each issuer had its own.
        row(文件名称="测试镇集市管理办法", 发文机关=GOV, 起草单位=ENF, 发文字号="测府〔2026〕7号",
            规范性文件编号="沙府规字[2026]5号", 签发日期=d("2026-03-02"), 发布日期=d("2026-03-05"),
            施行日期=d("2026-04-05"), 状态="施行中"),
    )  # fmt: skip
    preview = importer.parse_register(xlsx(rows), today=TODAY)
    assert [(r.row_no, r.errors) for r in preview.rows] == [(2, []), (3, []), (4, []), (5, [])]
    importer.import_register(preview, actor=world["clerk"], now=FIXED_NOW)
    db.session.commit()
    numbers = {
        p.document.title: (p.issue_number, p.normative_number, p.normative_scope)
        for p in db.session.scalars(sa.select(Publication))
    }
    assert numbers == {
        "测试镇殡葬管理办法": ("测府〔2015〕12号", None, None),
        "测试镇村规民约备案办法": ("测府办〔2018〕5号", "测府办规字〔2018〕1号", "normative:测府办规字"),
        "测试镇河道保洁办法": ("测府函〔2019〕3号", "CFGS-2019-2", "normative:CFGS-{year}-{seq}"),
        "测试镇集市管理办法": ("测府〔2026〕7号", "沙府规字〔2026〕5号", "normative:沙府规字"),
    }
    assert all(d_.status is DocStatus.IN_FORCE for d_ in map(_doc, numbers))
    # Every series' counter moved past its number; today's series go on from their own counters.
    assert counters() == {
        ("issue:测府", 2015): 12,
        ("issue:测府办", 2018): 5,
        ("normative:测府办规字", 2018): 1,
        ("issue:测府函", 2019): 3,
        ("normative:CFGS-{year}-{seq}", 2019): 2,
        ("issue:测府", 2026): 7,
        ("normative:沙府规字", 2026): 5,
    }
    nxt = numbered(world, "测试镇新定管理办法", d("2026-10-30"))
    assert (_pub(nxt).issue_number, _pub(nxt).normative_number) == ("测府〔2026〕8号", "测府规字〔2026〕1号")
    # The document page says plainly that there is no 规 number.
    page = text(login_as("clerk").get(f"/documents/{_doc('测试镇殡葬管理办法').id}"))
    assert "无（原登记簿未编规范性文件编号）" in page
