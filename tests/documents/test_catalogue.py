"""The 法规目录 the office maintains: entries with their level and dates, verification of titles drafters typed, and
the .xlsx/.csv import (per-row errors, nothing written while any row is wrong, a hard cap on the rows read)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.pages import flashes, text
from tracker.documents import catalogue
from tracker.documents.models import LegalSource, SourceKind, SourceState
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db

TODAY = date(2026, 11, 2)
UNKNOWN_LEVEL = "效力级别“法规”无法识别（可填：法律、行政法规、地方性法规、规章、上级规范性文件）"
HEADER = ("名称", "制定机关", "效力级别", "文号", "公布日期", "施行日期", "修改日期", "废止日期", "状态")
GOOD = (
    ("中华人民共和国行政处罚法", "全国人民代表大会", "法律", "主席令第70号",
     "1996-03-17", "1996-10-01", "2021-01-22", "", ""),
    ("优化营商环境条例", "国务院", "行政法规", "国务院令第722号", "2019-10-22", "2020-01-01", "", "", "现行有效"),
    ("社会救助暂行办法", "国务院", "行政法规", "国务院令第649号", "2014-02-21", "2014-05-01", "", "", ""),
    ("广东省城乡生活垃圾处理条例", "广东省人大常委会", "地方性法规", "",
     "2015-09-25", "2016-01-01", "", "2020-11-27", "已废止"),
)  # fmt: skip


def _rows() -> dict[str, tuple]:
    return {
        s.title: (s.kind, s.state, s.amended_on, s.repealed_on, s.verified)
        for s in db.session.scalars(sa.select(LegalSource))
    }


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="gbk") -> bytes:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk", "csv-utf8"])
def test_a_good_catalogue_imports_every_row_and_updates_a_known_title(db, world, now, fmt):
    db.session.add(LegalSource(title="优化营商环境条例", kind=SourceKind.RULE, verified=False, created_at=now))
    db.session.commit()
    data, name = {
        "xlsx": (xlsx(GOOD), "法规目录.xlsx"),
        "csv-gbk": (csv_bytes(GOOD), "法规目录.csv"),
        "csv-utf8": (b"\xef\xbb\xbf" + csv_bytes(GOOD, "utf-8"), "法规目录.csv"),
    }[fmt]
    preview = catalogue.parse(data, name, today=TODAY)
    assert [(r.row_no, r.errors, r.existing is not None) for r in preview.rows] == [
        (2, [], False),
        (3, [], True),
        (4, [], False),
        (5, [], False),
    ]
    assert catalogue.import_rows(preview, actor=world["reviewer"], now=now) == (3, 1)
    db.session.commit()
    assert _rows() == {
        "中华人民共和国行政处罚法": (SourceKind.LAW, SourceState.AMENDED, date(2021, 1, 22), None, True),
        "优化营商环境条例": (SourceKind.REGULATION, SourceState.IN_FORCE, None, None, True),
        "社会救助暂行办法": (SourceKind.REGULATION, SourceState.IN_FORCE, None, None, True),
        "广东省城乡生活垃圾处理条例": (
            SourceKind.LOCAL_REGULATION,
            SourceState.REPEALED,
            None,
            date(2020, 11, 27),
            True,
        ),
    }


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        (("", "国务院", "行政法规", "", "", "", "", "", ""), ["缺少名称"]),
        (("某条例", "", "法规", "", "", "", "", "", ""), [UNKNOWN_LEVEL]),
        (("某条例", "", "行政法规", "", "2019-02-30", "", "", "", ""), ["公布日期“2019-02-30”不是有效日期"]),
        (("某条例", "", "行政法规", "", "2019-10-22", "2019-01-01", "", "", ""), ["施行日期早于公布日期"]),
        (("某条例", "", "行政法规", "", "", "", "", "", "已废止"), ["已废止的须填写废止日期"]),
        (("某条例", "", "行政法规", "", "", "", "2027-01-01", "", ""), ["修改日期晚于今天"]),
        (("优化营商环境条例", "", "行政法规", "", "", "", "", "", ""), ["与第 3 行重复"]),
    ],
    ids=["no-title", "ambiguous-level", "bad-date", "effect-before-promulgation", "repealed-undated", "future", "dup"],
)  # fmt: skip
def test_one_bad_row_names_its_row_and_nothing_is_written(db, world, now, row, errors):
    preview = catalogue.parse(xlsx((*GOOD, row)), "法规目录.xlsx", today=TODAY)
    assert [(r.row_no, r.errors) for r in preview.rows][-1] == (6, errors)
    assert all(r.ok for r in preview.rows[:-1]) and not preview.ok
    with pytest.raises(ValidationFailed, match="有 1 行存在错误，未导入任何数据。"):
        catalogue.import_rows(preview, actor=world["reviewer"], now=now)
    assert _rows() == {}


def test_a_file_that_is_not_a_catalogue_is_refused_as_a_whole(db):
    assert catalogue.parse(xlsx(GOOD, header=HEADER[1:]), "a.xlsx", today=TODAY).file_errors == [
        "缺少必需的列：名称（首行为列名）。"
    ]
    assert catalogue.parse(b"PK\x03\x04 no", "a.xlsx", today=TODAY).file_errors == [
        "无法读取该 Excel 文件（须为 .xlsx，或另存为 .csv）。"
    ]
    assert catalogue.parse(b"\x00\x01\x02", "a.csv", today=TODAY).file_errors == ["该文件不是文本格式的 CSV。"]


def test_rows_are_read_up_to_a_hard_cap(db):
    """A sheet of a hundred thousand rows (blank ones included) is refused without reading it all."""
    many = [(f"条例{i}", "", "行政法规", "", "", "", "", "", "") for i in range(catalogue.MAX_READ + 5)]
    preview = catalogue.parse(csv_bytes(many, "utf-8"), "a.csv", today=TODAY)
    limit = f"表格超过 {catalogue.MAX_READ} 行，请分批导入（每次不超过 {catalogue.MAX_ROWS} 条）。"
    assert preview.file_errors == [limit]
    assert preview.rows == []


def test_only_the_judicial_office_and_the_administrator_maintain_the_catalogue(db, world, now):
    preview = catalogue.parse(xlsx(GOOD), "a.xlsx", today=TODAY)
    data = catalogue.SourceData(title="某条例", kind=SourceKind.REGULATION)
    for username in ("clerk", "drafter", "leader"):
        with pytest.raises(PermissionDenied):
            catalogue.import_rows(preview, actor=world[username], now=now)
        with pytest.raises(PermissionDenied):
            catalogue.save(None, data, actor=world[username], now=now, today=TODAY)
    assert catalogue.import_rows(preview, actor=world["admin"], now=now) == (4, 0)


def test_the_catalogue_pages(db, world, now, clock, login_as):
    db.session.add(LegalSource(title="中山市养犬管理规定", kind=SourceKind.RULE, verified=False, created_at=now))
    db.session.commit()
    source_id = db.session.scalar(sa.select(LegalSource.id))
    # Everyone reads it; the drafter sees no editing controls and may not post.
    drafter = login_as("drafter")
    page = text(drafter.get("/catalogue/"))
    assert 'data-source="中山市养犬管理规定"' in page and 'data-testid="unverified"' in page
    assert 'data-testid="new-source"' not in page
    assert drafter.post(f"/catalogue/{source_id}/verify").status_code == 403
    assert drafter.get("/catalogue/new").status_code == 403
    # The reviewer verifies it and adds an entry; a bad one is refused with the reason and the form kept.
    reviewer = login_as("reviewer")
    r = reviewer.post(f"/catalogue/{source_id}/verify", follow_redirects=True)
    assert "已核实《中山市养犬管理规定》。" in flashes(r)
    r = reviewer.post(
        "/catalogue/save",
        data={
            "title": "中华人民共和国土地管理法",
            "kind": "law",
            "promulgated_on": "1986-06-25",
            "amended_on": "2019-08-26",
        },
        follow_redirects=True,
    )
    assert "法规目录已保存。" in flashes(r)
    r = reviewer.post("/catalogue/save", data={"title": "某条例", "kind": "regulation", "promulgated_on": "2030-01-01"})
    assert r.status_code == 422 and "公布日期晚于今天。" in flashes(r) and 'value="某条例"' in text(r)
    assert _rows() == {
        "中山市养犬管理规定": (SourceKind.RULE, SourceState.IN_FORCE, None, None, True),
        "中华人民共和国土地管理法": (SourceKind.LAW, SourceState.AMENDED, date(2019, 8, 26), None, True),
    }


def test_the_import_through_http_previews_then_writes_on_confirm(db, world, clock, login_as):
    c = login_as("reviewer")
    bad = csv_bytes((*GOOD, ("某条例", "", "法规", "", "", "", "", "", "")))
    r = c.post("/catalogue/import/upload", data={"file": (io.BytesIO(bad), "法规目录.csv")}, follow_redirects=True)
    assert 'data-testid="bad-count">1<' in text(r) and 'data-testid="confirm-import"' not in text(r)
    r = c.post("/catalogue/import/upload", data={"file": (io.BytesIO(csv_bytes(GOOD)), "法规目录.csv")})
    preview_url = r.headers["Location"]
    page = text(c.get(preview_url))
    assert 'data-testid="bad-count">0<' in page and _rows() == {}  # the preview writes nothing
    file_id = preview_url.rsplit("=", 1)[1]
    # Another user may not confirm someone else's upload.
    assert login_as("admin").post("/catalogue/import/confirm", data={"file_id": file_id}).status_code == 403
    r = c.post("/catalogue/import/confirm", data={"file_id": file_id}, follow_redirects=True)
    assert "新增 4 条，更新 0 条。" in flashes(r)
    assert len(_rows()) == 4
