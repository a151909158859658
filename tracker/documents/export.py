"""Excel (.xlsx) exports of list pages: the register under its current filter, the review desk; any list can
reuse xlsx_response() with its own columns. The cells are written by tracker/common/xlsx.py, like every .xlsx.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date

from flask import Response, send_file

from tracker.common.timeutil import office_tz
from tracker.common.xlsx import XLSX_MIMETYPE, Column, Sheet, write_workbook
from tracker.workflow.states import EVER_PUBLISHED


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


# --- the register --------------------------------------------------------------------------------------------

REGISTER_COLUMNS = (
    Column("编号", 8, "number"),
    Column("文件名称", 50),
    Column("发文机关", 22),
    Column("起草单位", 22),
    Column("文件类别", 16),
    Column("状态", 16),
    Column("发文字号", 20),
    Column("规范性文件编号", 22),
    Column("签发日期", 12, "date"),
    Column("发布日期", 12, "date"),
    Column("施行日期", 12, "date"),
    Column("有效期至", 12, "date"),
    Column("失效日期", 12, "date"),
    Column("报备情况", 18),
    Column("登记时间", 17, "datetime"),
    Column("更新时间", 17, "datetime"),
)


def _register_cells(rows: Iterable[Sequence]) -> Iterable[Sequence]:
    for row in rows:
        # 报备 concerns published documents only: a draft's stored "not submitted" would read as 未报备.
        yield (*row[:13], row[13] if row[5] in EVER_PUBLISHED else None, *row[14:])


def register_response(rows: Iterable[Sequence], *, today: date) -> Response:
    """rows: documents.queries.register_export_rows (same order as REGISTER_COLUMNS)."""
    return xlsx_response(
        REGISTER_COLUMNS,
        _register_cells(rows),
        download_name=download_name("文件登记簿", today),
        sheet_title="文件登记簿",
    )


# --- the review desk (tracker/review/queries.desk rows) ------------------------------------------------------

REVIEW_DESK_COLUMNS = (
    Column("文件名称", 50),
    Column("起草单位", 22),
    Column("轮次", 8, "number"),
    Column("收件日期", 12, "date"),
    Column("审查期限", 12, "date"),
    Column("剩余工作日", 12, "number"),
    Column("期限暂定", 10),
    Column("审查人", 14),
    Column("状态", 16),
)


def review_desk_rows(desk_rows: Iterable) -> Iterable[tuple]:
    """review.queries.DeskRow -> the cells of REVIEW_DESK_COLUMNS."""
    for row in desk_rows:
        yield (
            row.document.title,
            row.document.drafting_unit.name,
            row.round.round_no,
            row.round.received_on,
            row.due_on,
            row.days_left,
            "是" if row.provisional else "",
            row.round.reviewer.display_name if row.round.reviewer else "未分配",
            row.document.status,
        )


def review_desk_response(desk_rows: Iterable, *, today: date) -> Response:
    """For a review-desk route: `return review_desk_response(queries.desk(now=now), today=today)`."""
    return xlsx_response(
        REVIEW_DESK_COLUMNS,
        review_desk_rows(desk_rows),
        download_name=download_name("审查工作台", today),
        sheet_title="审查工作台",
    )
