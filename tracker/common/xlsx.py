"""The one writer of every .xlsx the tracker produces: people's text is stored as text, never as a live formula.

A cell whose text starts with = + - or @ (or with a tab or carriage return, as spreadsheet-injection payloads
do) is what a spreadsheet runs as a formula: `=HYPERLINK("http://…","点我")` typed as a title would become a
link to anywhere in the office's sheet. Such text is written as a string cell with Excel's "quote prefix" (what
Excel itself sets when someone types '=…), so it stays text even after F2 and Enter. The product writes no
formulas at all.

openpyxl's write-only workbook writes each row to a temporary file as it comes, so a 100,000-row export holds
one batch of rows in memory, never the sheet.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from flask import Response, send_file
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.common.timeutil import office_tz

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_CELL = 32767  # Excel's limit on the characters of a cell
# First characters that make a spreadsheet read a cell as a formula (full-width forms too: an input method
# may turn them into the ASCII ones when the cell is edited).
FORMULA_START = frozenset("=+-@\t\r＝＋－＠")


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # Excel's unit: the width of one "0"; a Chinese character takes about two
    kind: str = "text"  # text | date | datetime | number | auto (a date, number or text, by the value)


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]
    caption: str | None = None  # a bold line above the header (then a blank line)
    preamble: Sequence[Sequence] = ()  # label/value lines under the caption, before the blank line (as text)
    wrap: bool = False  # wrap long text in the data cells, aligned to the top
    autofilter: bool = True


def sheet_title(name: str) -> str:
    """Excel refuses \\ / * ? : [ ] in a sheet name and more than 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", " ", name)[:31] or "Sheet1"


def clean_text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL]


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_START


class _Cells:
    """value -> what openpyxl writes, for one sheet: one converter per column, chosen once."""

    def __init__(self, ws, *, tz: tzinfo | None, wrap: bool):
        self.ws = ws
        self.tz = tz
        self.alignment = Alignment(wrap_text=True, vertical="top") if wrap else None

    def _cell(self, value, number_format: str | None = None, *, text: bool = False):
        cell = WriteOnlyCell(self.ws, value=value)
        if text:
            cell.data_type = "s"  # openpyxl made it a formula ("f") because it starts with "="
            cell.quotePrefix = True
        if number_format:
            cell.number_format = number_format
        if self.alignment is not None:
            cell.alignment = self.alignment
        return cell

    def _styled(self, value):
        return value if self.alignment is None or value is None else self._cell(value)

    def text(self, value):
        if value is None or value == "":
            return None
        text = clean_text(value.label if hasattr(value, "label") else value)
        if looks_like_formula(text):
            return self._cell(text, text=True)
        return self._styled(text)

    def date(self, value):
        if isinstance(value, datetime):
            return self.datetime(value)
        if isinstance(value, date):
            return self._cell(value, DATE_FORMAT)
        return self.text(value)

    def datetime(self, value):
        if not isinstance(value, datetime):
            return self.date(value) if isinstance(value, date) else self.text(value)
        # Excel has no time zones: write the office's wall-clock time.
        local = value.astimezone(self.tz).replace(tzinfo=None) if value.tzinfo and self.tz else value
        return self._cell(local.replace(tzinfo=None), DATETIME_FORMAT)

    def number(self, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.text(value)
        return self._styled(value)

    def auto(self, value):
        if isinstance(value, date):
            return self.date(value)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.number(value)
        return self.text(value)

    def converter(self, column: Column):
        return {"date": self.date, "datetime": self.datetime, "number": self.number, "auto": self.auto}.get(
            column.kind, self.text
        )


def write_workbook(fileobj, sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> list[int]:
    """Write the sheets (bold header, frozen below it, column widths, a filter); returns the data rows of each."""
    wb = Workbook(write_only=True)
    counts = []
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    for sheet in sheets:
        ws = wb.create_sheet(title=sheet_title(sheet.title))
        for i, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = column.width
        cells = _Cells(ws, tz=tz, wrap=sheet.wrap)
        above = (1 if sheet.caption else 0) + len(sheet.preamble)
        header_row = above + 2 if above else 1
        ws.freeze_panes = f"A{header_row + 1}"  # before the first row: a write-only sheet writes its view then
        if sheet.caption:
            caption = WriteOnlyCell(ws, value=clean_text(sheet.caption))
            caption.font = Font(bold=True, size=14)
            ws.append([caption])
        for line in sheet.preamble:
            ws.append([cells.text(value) for value in line])
        if above:
            ws.append([])
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=clean_text(column.header))
            cell.font, cell.alignment = bold, centred
            header.append(cell)
        ws.append(header)
        converters = [cells.converter(column) for column in sheet.columns]
        n = 0
        for row in sheet.rows:
            ws.append([convert(value) for convert, value in zip(converters, row, strict=True)])
            n += 1
        if sheet.autofilter:
            ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(sheet.columns))}{header_row + n}"
        counts.append(n)
    if not sheets:
        wb.create_sheet(title="Sheet1")
    wb.save(fileobj)
    return counts


def workbook_bytes(sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> bytes:
    buf = io.BytesIO()
    write_workbook(buf, sheets, tz=tz)
    return buf.getvalue()


# --- one sheet as a download (any list page) -------------------------------------------------------------


def write_xlsx(fileobj, columns: Sequence[Column], rows: Iterable[Sequence], *, sheet_title: str) -> int:
    """Write a one-sheet workbook: bold frozen header, column widths, a filter on the header; returns the rows."""
    (n,) = write_workbook(fileobj, [Sheet(sheet_title, columns, rows)], tz=office_tz())
    return n


def xlsx_response(
    columns: Sequence[Column], rows: Iterable[Sequence], *, download_name: str, sheet_title: str
) -> Response:
    """Build the workbook in an anonymous temporary file (gone when closed) and send it.

    The file never has a name on disk, so nothing is left behind even if the client goes away mid-download;
    Werkzeug closes it when the response ends.
    """
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_xlsx(tmp, columns, rows, sheet_title=sheet_title)
        tmp.seek(0)
    except BaseException:
        tmp.close()
        raise
    response = send_file(tmp, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=download_name)
    response.headers["Cache-Control"] = "no-store"
    return response


def download_name(stem: str, today: date) -> str:
    return f"{stem}-{today.isoformat()}.xlsx"
