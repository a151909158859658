"""The city's workbooks: its annual statistics by town, and its catalogue of documents (written by common/xlsx)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from flask import Response

from tracker.city.figures import OVERDUE_LABELS, RATES, CityFigures, TownRow
from tracker.common.xlsx import Column, Sheet, download_name, workbook_bytes, xlsx_response
from tracker.documents.models import Document
from tracker.publication.models import Publication


def _percent(row: TownRow, key: str) -> float | str:
    numerator, denominator = row.rates[key]
    return "—" if denominator == 0 else round(100 * numerator / denominator, 1)


def statistics_xlsx(figures: CityFigures, *, city: str) -> bytes:
    """Two sheets: each town's four rates (with numerator and denominator) and overdue items; each town's counts.
    The last row of each is the city's total, the sum of the towns'."""
    rate_columns = [Column("镇街", 14)]
    for key in RATES:
        label = figures.rate_labels.get(key, key)
        rate_columns += [Column(f"{label}（%）", 14, "auto"), Column("分子", 8, "number"), Column("分母", 8, "number")]
    rate_columns += [Column(label, 14, "number") for label in OVERDUE_LABELS.values()]
    count_columns = [Column("镇街", 14)] + [Column(label, 16, "number") for label in figures.figure_labels.values()]

    def name(row: TownRow) -> str:
        return row.town.name if row.town else "全市合计"

    every = [*figures.rows, figures.total]
    rates = [
        (
            name(row),
            *(value for key in RATES for value in (_percent(row, key), *row.rates[key])),
            *(row.overdue[what] for what in OVERDUE_LABELS),
        )
        for row in every
    ]
    counts = [(name(row), *(row.figures.get(key, 0) for key in figures.figure_labels)) for row in every]
    caption = f"{city}{figures.year}年度各镇街行政规范性文件管理情况统计"
    return workbook_bytes(
        [
            Sheet("各镇街比率", rate_columns, rates, caption=caption, autofilter=False),
            Sheet("各镇街数量", count_columns, counts, caption=caption, autofilter=False),
        ]
    )


DOCUMENT_COLUMNS = (
    Column("序号", 6, "number"),
    Column("镇街", 12),
    Column("文件名称", 50),
    Column("发文字号", 20),
    Column("规范性文件编号", 22),
    Column("发文机关", 22),
    Column("发布日期", 12, "date"),
    Column("施行日期", 12, "date"),
    Column("有效期至", 12, "date"),
    Column("效力", 14),
    Column("备案情况", 18),
)


def _document_cells(rows: Iterable[tuple[Document, Publication, str]], town_names: Mapping[int, str]):
    for n, (doc, pub, state) in enumerate(rows, start=1):
        yield (
            n,
            town_names.get(doc.town_id, ""),
            doc.title,
            pub.issue_number,
            pub.normative_number,
            doc.issuer.name,
            pub.published_on,
            pub.effective_on,
            pub.validity_end_on,
            state,
            doc.filing_status.label,
        )


def documents_response(
    rows: Iterable[tuple[Document, Publication, str]], *, town_names: Mapping[int, str], stem: str, today: date
) -> Response:
    """rows: public.queries.library_rows (it reads batch by batch, inside the streamed response)."""
    return xlsx_response(
        DOCUMENT_COLUMNS,
        _document_cells(rows, town_names),
        download_name=download_name(stem, today),
        sheet_title=stem[:31],
    )
