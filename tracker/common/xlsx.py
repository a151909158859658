"""The one writer of every .xlsx the tracker produces: people's text is stored as text, never as a live formula.

A cell whose text starts with = + - or @ (or with a tab or carriage return, as spreadsheet-injection payloads
do) is what a spreadsheet runs as a formula: `=HYPERLINK("http://…","点我")` typed as a title would become a
link to anywhere in the office's sheet. Such text is written as a string cell with Excel's "quote prefix" (what
Excel itself sets when someone types '=…), so it stays text even after F2 and Enter. The product writes no
formulas at all.

Two ways out, one typing of cells (typed()): the report workbooks (several sheets, captions, wrapped text) are
written by openpyxl's write-only workbook; a list download (one sheet, one header, perhaps the whole register) is
streamed by stream_xlsx(), which sends its first bytes at once and holds one batch of rows in memory.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from xml.sax.saxutils import escape

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tracker.common.downloads import attachment
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


def safe_sheet_title(name: str) -> str:
    """Excel refuses \\ / * ? : [ ] in a sheet name and more than 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", " ", name)[:31] or "Sheet1"


def clean_text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL]


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in FORMULA_START


# What a value becomes in a cell of a column of this kind: (how it is written, the value to write). One rule for
# both writers below: text people typed is cleaned and, if a spreadsheet would run it, kept as quoted text.
EMPTY, TEXT, QUOTED, NUMBER, DATE, DATETIME = "empty", "text", "quoted", "number", "date", "datetime"


def typed(kind: str, value, tz: tzinfo | None):
    if value is None or value == "":
        return EMPTY, None
    if kind in ("date", "datetime", "auto") and isinstance(value, date):
        if isinstance(value, datetime):
            # Excel has no time zones: write the office's wall-clock time.
            local = value.astimezone(tz) if value.tzinfo and tz else value
            return DATETIME, local.replace(tzinfo=None)
        return DATE, value
    if kind in ("number", "auto") and isinstance(value, int | float) and not isinstance(value, bool):
        return NUMBER, value
    text = clean_text(value.label if hasattr(value, "label") else value)
    if not text:
        return EMPTY, None
    return (QUOTED if looks_like_formula(text) else TEXT), text


class _Cells:
    """value -> what openpyxl writes, for one sheet of a report workbook."""

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

    def convert(self, kind: str, value):
        how, value = typed(kind, value, self.tz)
        if how == EMPTY:
            return None
        if how == QUOTED:
            return self._cell(value, text=True)
        if how in (DATE, DATETIME):
            return self._cell(value, DATE_FORMAT if how == DATE else DATETIME_FORMAT)
        return value if self.alignment is None else self._cell(value)

    def text(self, value):
        return self.convert("text", value)


def write_workbook(fileobj, sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> list[int]:
    """Write the sheets (bold header, frozen below it, column widths, a filter); returns the data rows of each."""
    wb = Workbook(write_only=True)
    counts = []
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    for sheet in sheets:
        ws = wb.create_sheet(title=safe_sheet_title(sheet.title))
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
        kinds = [column.kind for column in sheet.columns]
        n = 0
        for row in sheet.rows:
            ws.append([cells.convert(kind, value) for kind, value in zip(kinds, row, strict=True)])
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


# --- one sheet as a download (any list page), streamed ---------------------------------------------------
#
# A list export may hold every document of the register. openpyxl writes its sheet to a temporary file and zips it
# only when the workbook is saved, so nothing could be sent before the last row was read, and its per-cell objects
# cost more than the rows themselves (a 100,000-row register took some 40 s, beyond the worker's timeout). A list
# is one sheet with one header: its XML is written here, row by row, into a zip that is sent as it is made
# (zipfile writes to a stream that cannot seek). The cells are typed by typed() above, as in the report workbooks.

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PKG = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_OFFICE}/styles" Target="styles.xml"/></Relationships>',
    # Cell styles by position: 0 plain, 1 the bold centred header, 2 a date, 3 a date and time, 4 quoted text.
    "xl/styles.xml": f"<styleSheet {_NS}>"
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
_EXCEL_EPOCH = datetime(1899, 12, 30)
STREAM_BATCH = 500  # rows between two chunks sent


class _Chunks:
    """The zip's output: kept until the generator hands it on. No tell(): zipfile then writes as a stream."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _text_cell(text: str, style: str = "") -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _cell_xml(kind: str, value, tz: tzinfo | None) -> str:
    """A cell as XML. Cells carry no reference: each row writes all its cells in order, an empty one as <c/>."""
    how, value = typed(kind, value, tz)
    if how == EMPTY:
        return "<c/>"
    if how == TEXT:
        return _text_cell(value)
    if how == QUOTED:
        return _text_cell(value, ' s="4"')
    if how == NUMBER:
        return f"<c><v>{value!r}</v></c>"
    if how == DATE:
        return f'<c s="2"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'
    serial = (value - _EXCEL_EPOCH).total_seconds() / 86400  # DATETIME
    return f'<c s="3"><v>{serial!r}</v></c>'


_REMEMBERED_CELLS = 4096  # per column: names, states and dates repeat down a register; unique values stop at this


def stream_xlsx(
    columns: Sequence[Column], rows: Iterable[Sequence], *, sheet_title: str, tz: tzinfo | None = None
) -> Iterator[bytes]:
    """A one-sheet workbook (bold header frozen at the top, column widths, a filter on the header) as chunks of
    bytes, the first of them before any row is read, then one chunk every STREAM_BATCH rows."""
    title = safe_sheet_title(sheet_title)
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    kinds = [column.kind for column in columns]
    out = _Chunks()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        for name, xml in _PARTS.items():
            zf.writestr(name, _XML + xml)
        yield out.take()
        with zf.open("xl/worksheets/sheet1.xml", "w") as sheet:  # no zip64: not every reader takes it
            widths = "".join(
                f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>' for i, c in enumerate(columns, 1)
            )
            header = "".join(
                f'<c r="{x}1" s="1" t="inlineStr"><is><t>{escape(clean_text(c.header))}</t></is></c>'
                for x, c in zip(letters, columns, strict=True)
            )
            sheet.write(
                f'{_XML}<worksheet {_NS} {_NS_R}><sheetViews><sheetView workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols>'
                f'<sheetData><row r="1">{header}</row>'.encode()
            )
            n = 0
            batch: list[str] = []
            seen: list[dict] = [{} for _ in columns]  # value -> its cell's XML, per column
            for row in rows:
                n += 1
                cells = []
                for kind, known, value in zip(kinds, seen, row, strict=True):
                    key = (value.__class__, value)  # True and 1, a date and a string: never one cell
                    xml = known.get(key)
                    if xml is None:
                        xml = _cell_xml(kind, value, tz)
                        if len(known) < _REMEMBERED_CELLS:
                            known[key] = xml
                    cells.append(xml)
                batch.append(f'<row r="{n + 1}">{"".join(cells)}</row>')
                if len(batch) == STREAM_BATCH:
                    sheet.write("".join(batch).encode())
                    batch = []
                    yield out.take()
            ref = f"A1:{letters[-1]}{n + 1}"
            sheet.write(f'{"".join(batch)}</sheetData><autoFilter ref="{ref}"/></worksheet>'.encode())
        quoted = "'" + title.replace("'", "''") + "'"
        absolute = f"$A$1:${letters[-1]}${n + 1}"
        zf.writestr(
            "xl/workbook.xml",
            f"{_XML}<workbook {_NS} {_NS_R}><bookViews><workbookView/></bookViews>"
            f'<sheets><sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{escape(quoted)}!{absolute}</definedName></definedNames></workbook>",
        )
    yield out.take()


def write_xlsx(fileobj, columns: Sequence[Column], rows: Iterable[Sequence], *, sheet_title: str) -> int:
    """The streamed one-sheet workbook of stream_xlsx, written to a file; returns the rows written."""
    n = 0

    def counted():
        nonlocal n
        for row in rows:
            n += 1
            yield row

    for chunk in stream_xlsx(columns, counted(), sheet_title=sheet_title, tz=office_tz()):
        fileobj.write(chunk)
    return n


def xlsx_response(
    columns: Sequence[Column], rows: Iterable[Sequence], *, download_name: str, sheet_title: str
) -> Response:
    """Send the workbook as it is made: the first bytes at once, the rows as they are read (a list as long as the
    whole register never waits for its last row, nor holds it in memory). The rows are read inside the request,
    which stream_with_context keeps open until the last chunk, but after the view has returned and its session
    has been closed: pass plain values, or a query that reads for itself (register_export_rows), never ORM objects
    the view loaded."""
    chunks = stream_xlsx(columns, rows, sheet_title=sheet_title, tz=office_tz())
    response = Response(stream_with_context(chunks), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = attachment(download_name, "export.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


def download_name(stem: str, today: date) -> str:
    return f"{stem}-{today.isoformat()}.xlsx"
