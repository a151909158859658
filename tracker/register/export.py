"""The register under its current filter as an .xlsx sheet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from flask import Response

from tracker.common.xlsx import Column, download_name, xlsx_response
from tracker.documents.states import EVER_PUBLISHED

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
