"""The annual statistics as an .xlsx workbook (written by tracker/common/xlsx.py, like every .xlsx)."""

from __future__ import annotations

from tracker.common.xlsx import Column, Sheet, workbook_bytes
from tracker.reports.stats import AnnualStatistics

COLUMNS = (
    Column("指标", 34),
    Column("数值", 12, "auto"),
    Column("分子", 10, "number"),
    Column("分母", 10, "number"),
    Column("说明", 70),
    Column("口径", 70),
)


def annual_xlsx(stats: AnnualStatistics, town: str) -> bytes:
    rows = [
        (
            rate.label,
            rate.percent if rate.percent is not None else "—",
            rate.numerator,
            rate.denominator,
            "百分比",
            rate.definition,
        )
        for rate in stats.rates.values()
    ]
    for fig in stats.figures.values():
        detail = "；".join(f"{k}：{v}" for k, v in fig.breakdown.items())
        rows.append((fig.label, fig.value, None, None, detail, fig.definition))
    sheet = Sheet(
        f"{stats.year}年统计",
        COLUMNS,
        rows,
        caption=f"{town}{stats.year}年度行政规范性文件管理情况统计",
        autofilter=False,
    )
    return workbook_bytes([sheet])
