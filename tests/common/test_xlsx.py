"""Every .xlsx comes from one writer, and text people typed is never a live formula in it (issue #15 item 4)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.factories import at, d, make_document, numbered, publish
from tracker.cleanup import services as cleanup_services
from tracker.cleanup.models import CleanupResult
from tracker.common.xlsx import Column, Sheet, workbook_bytes
from tracker.filing import services as filing
from tracker.filing.word import generate_filing_report

# What people type to make a spreadsheet run something: each must come back as the same text, never a formula.
HOSTILE = (
    '=HYPERLINK("http://evil.example","点我")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    '＝HYPERLINK("http://evil.example")',
)


def formulas(data: bytes) -> list[str]:
    """Every <f> element of every worksheet of the workbook: what a spreadsheet would compute."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        return [f for n in sheets for f in re.findall(r"<(?:\w+:)?f[ >].*?</(?:\w+:)?f>", zf.read(n).decode())]


def cells_holding(data: bytes, texts) -> dict[str, openpyxl.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    found = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in texts:
                    found[cell.value] = cell
    return found


def assert_text_not_formula(data: bytes, texts) -> None:
    assert formulas(data) == []
    found = cells_holding(data, set(texts))
    assert set(found) == set(texts), set(texts) - set(found)
    for text, cell in found.items():
        assert cell.data_type == "s", text
        # Excel's own mark for "typed with a leading apostrophe": editing the cell keeps it text.
        assert cell.quotePrefix, text


def test_the_writer_keeps_formula_like_text_as_quoted_text_and_types_the_rest():
    rows = [(text, 7, date(2026, 11, 2)) for text in HOSTILE] + [("普通文本", 8, datetime(2026, 11, 2, 10, 30))]
    columns = (Column("文本", 20), Column("数", 8, "number"), Column("日期", 12, "date"))
    data = workbook_bytes([Sheet("表", columns, rows)])
    assert_text_not_formula(data, HOSTILE)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    plain = ws.cell(len(HOSTILE) + 2, 1)
    assert plain.value == "普通文本" and not plain.quotePrefix
    assert ws.cell(2, 2).value == 7 and ws.cell(2, 2).data_type == "n"
    assert ws.cell(2, 3).is_date and ws.cell(2, 3).number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("kind", ["text", "auto", "date", "datetime", "number"])
def test_every_column_kind_falls_back_to_safe_text(kind):
    data = workbook_bytes([Sheet("表", (Column("列", 20, kind),), [(text,) for text in HOSTILE])])
    assert_text_not_formula(data, HOSTILE)


def test_the_register_export_keeps_every_kind_of_formula_as_text(db, world, now, login_as):

    for text in HOSTILE:
        make_document(world, now, title=text)
    db.session.commit()
    r = login_as("clerk").get("/documents/export.xlsx")
    assert r.status_code == 200
    # A title is stripped of surrounding blanks when registered: a leading tab or CR does not survive.
    assert_text_not_formula(r.data, {t for t in HOSTILE if not t[0].isspace()})


def test_the_cleanup_catalogue_keeps_typed_formulas_as_text(monkeypatch):
    rows = [
        {"title": text, "issue_number": "测府〔2025〕1号", "normative_number": text, "issuer": "镇政府", "reason": text}
        for text in HOSTILE
    ]
    monkeypatch.setattr(cleanup_services, "catalogue", lambda campaign: {CleanupResult.KEEP: rows})
    data = cleanup_services.catalogue_xlsx(campaign=None)
    assert_text_not_formula(data, HOSTILE)
    assert openpyxl.load_workbook(io.BytesIO(data)).active.cell(2, 1).value == 1  # the 序号 stays a number


def test_the_filing_packet_sheet_keeps_a_typed_formula_as_text(db, world):
    title = '=HYPERLINK("http://evil.example","测试镇河道管理办法")'
    doc = numbered(world, title, d("2026-10-21"))
    publish(world, doc, d("2026-10-22"), effective_on=d("2026-11-21"))
    generate_filing_report(doc, actor=world["clerk"], now=at(d("2026-10-22"), 14))
    data, _name = filing.export_packet(doc)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.read("07 文件信息.xlsx")
    assert_text_not_formula(sheet, {title})
    meta = dict(openpyxl.load_workbook(io.BytesIO(sheet)).active.iter_rows(min_row=2, values_only=True))
    assert meta["施行日期"] == datetime(2026, 11, 21)  # dates stay dates


def test_only_the_common_writer_builds_a_workbook():
    """One writer for every .xlsx: a new export that built its own Workbook would bypass the rule above."""
    root = Path(__file__).resolve().parents[2] / "tracker"
    writers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(r"\bWorkbook\s*\(|from openpyxl import[^\n]*\bWorkbook\b", path.read_text(encoding="utf-8"))
    )
    assert writers == ["common/xlsx.py"]
