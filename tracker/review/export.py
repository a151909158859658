"""The review desk as an .xlsx sheet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import Response

from tracker.common.xlsx import Column, download_name, xlsx_response

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
    # The cells are made here, inside the view: the sheet is sent after the view returns, when the desk's objects
    # no longer have their session (a lazy read of a unit would fail). The desk is a few hundred rows at most.
    return xlsx_response(
        REVIEW_DESK_COLUMNS,
        list(review_desk_rows(desk_rows)),
        download_name=download_name("审查工作台", today),
        sheet_title="审查工作台",
    )
