"""The register import cannot tie up a worker (issue #15 item 1): the rows of the sheet are counted and capped as
they are read, whatever size the sheet declares; time and memory measured in a fresh process."""

from __future__ import annotations

import io
import zipfile

import sqlalchemy as sa
from openpyxl import Workbook

from tests.documents.files import rezip
from tests.limits import WORKER_TIMEOUT, measure
from tests.pages import text
from tests.publication.test_import import HEADER, ROW2, TODAY, xlsx
from tracker.documents.models import Document
from tracker.publication import importer

LAST_ROW = 1_048_576  # Excel's last row


def declaring_the_whole_sheet(rows, *, far_cell: bool) -> bytes:
    """A register whose sheet declares A1:XFD1048576; with far_cell, one cell sits in the very last row."""
    book = Workbook()
    ws = book.active
    ws.append(HEADER)
    for r in rows:
        ws.append([r.get(h) for h in HEADER])
    if far_cell:
        ws.cell(LAST_ROW, 1, "页脚")
    buf = io.BytesIO()
    book.save(buf)
    data = buf.getvalue()
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    declared = sheet.replace(f'<dimension ref="{ws.dimensions}"/>', '<dimension ref="A1:XFD1048576"/>')
    assert declared != sheet
    return rezip(data, replace={"xl/worksheets/sheet1.xml": declared.encode()})


SETUP = """
from datetime import UTC, date, datetime
from config import TestConfig
from tracker import create_app
from tracker.cli import ensure_reference_data
from tracker.extensions import db
from tracker.publication import importer
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR={uploads!r})
app.app_context().push()
db.create_all()
ensure_reference_data(datetime(2026, 11, 2, 2, tzinfo=UTC))
data = open({path!r}, "rb").read()
"""


def test_a_sheet_reaching_the_last_row_is_refused_in_seconds_without_growing_the_worker(tmp_path):
    path = tmp_path / "register.xlsx"
    path.write_bytes(declaring_the_whole_sheet([ROW2], far_cell=True))
    measured = measure(
        "importer.parse_register(data, today=date(2026, 11, 2)).file_errors",
        setup=SETUP.format(uploads=str(tmp_path / "uploads"), path=str(path)),
        timeout=90,
    )
    assert measured.outcome == "returned", measured
    assert measured.result == [
        f"表格超过 {importer.MAX_SHEET_ROWS} 行（空行也计入；一次最多导入 {importer.MAX_ROWS} 件），"
        "请删除多余的行后重新上传。"
    ]
    assert measured.elapsed < WORKER_TIMEOUT / 3, measured
    assert measured.growth_mb < 40, measured


def test_the_declared_size_alone_is_not_a_reason_to_refuse(db, world):
    """Only the rows present count: a sheet that declares A1:XFD1048576 but holds two rows is read as two rows."""
    preview = importer.parse_register(declaring_the_whole_sheet([ROW2], far_cell=False), today=TODAY)
    assert preview.file_errors == []
    assert [r.row_no for r in preview.rows] == [2]


def test_a_row_wider_than_the_limit_is_refused_before_the_workbook_is_read(db, world):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(["测试"] * (importer.MAX_COLUMNS + 1))
    buf = io.BytesIO()
    book.save(buf)
    preview = importer.parse_register(buf.getvalue(), today=TODAY)
    assert preview.rows == []
    assert preview.file_errors == [f"该 Excel 表格有一行超过 {importer.MAX_COLUMNS} 个单元格，已拒收。"]


def test_the_import_page_says_why_and_imports_nothing(db, world, login_as):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Document))
    data = declaring_the_whole_sheet([ROW2], far_cell=True)
    r = login_as("clerk").post(
        "/publication/import",
        data={"file": (io.BytesIO(data), "原登记簿.xlsx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    assert f"表格超过 {importer.MAX_SHEET_ROWS} 行" in text(r)
    assert 'data-testid="confirm-import"' not in text(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == before
    # An ordinary register still previews as before.
    r = login_as("clerk").post(
        "/publication/import",
        data={"file": (io.BytesIO(xlsx([ROW2])), "原登记簿.xlsx")},
        content_type="multipart/form-data",
    )
    assert 'data-testid="confirm-import"' in text(r)
