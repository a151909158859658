"""The one .xlsx writer: any list page exports through xlsx_response() with its own columns.

openpyxl's write-only workbook writes each row to a temporary file as it comes, so a 100,000-row export holds
one batch of database rows in memory, never the sheet.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

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


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # Excel's unit: the width of one "0"; a Chinese character takes about two
    kind: str = "text"  # text | date | datetime | number


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL]


def _converter(ws, column: Column, tz):
    """value -> what openpyxl writes for this column; one function per column, chosen once per export."""
    if column.kind == "date":
        # openpyxl gives a date the number format yyyy-mm-dd by itself: a real date, not text.
        return lambda value: value if isinstance(value, date) else _plain(ws, value)
    if column.kind == "datetime":

        def instant(value):
            if not isinstance(value, datetime):
                return _plain(ws, value)
            # Excel has no time zones: write the office's wall-clock time.
            cell = WriteOnlyCell(ws, value=value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value)
            cell.number_format = DATETIME_FORMAT
            return cell

        return instant
    if column.kind == "number":
        return lambda value: value if isinstance(value, int | float) else _plain(ws, value)
    return lambda value: _plain(ws, value)


def _plain(ws, value):
    if value is None or value == "":
        return None
    text = _text(value.label if hasattr(value, "label") else value)
    if text.startswith("="):
        # A title typed as "=HYPERLINK(...)" stays text: never a formula in the office's spreadsheet.
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        return cell
    return text


def write_xlsx(fileobj, columns: Sequence[Column], rows: Iterable[Sequence], *, sheet_title: str) -> int:
    """Write a one-sheet workbook: bold frozen header, column widths, a filter on the header; returns the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=re.sub(r"[\\/*?:\[\]]", " ", sheet_title)[:31] or "Sheet1")
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.header)
        cell.font, cell.alignment = bold, centred
        header.append(cell)
    ws.append(header)
    tz = office_tz()
    converters = [_converter(ws, column, tz) for column in columns]
    n = 0
    for row in rows:
        ws.append([convert(value) for convert, value in zip(converters, row, strict=True)])
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"
    wb.save(fileobj)
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
