"""The annual statistics as an .xlsx workbook."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from tracker.reports.stats import AnnualStatistics


def annual_xlsx(stats: AnnualStatistics, town: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{stats.year}年统计"
    ws.append((f"{town}{stats.year}年度行政规范性文件管理情况统计",))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(())
    ws.append(("指标", "数值", "分子", "分母", "说明", "口径"))
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for rate in stats.rates.values():
        ws.append(
            (
                rate.label,
                rate.percent if rate.percent is not None else "—",
                rate.numerator,
                rate.denominator,
                "百分比",
                rate.definition,
            )
        )
    for fig in stats.figures.values():
        detail = "；".join(f"{k}：{v}" for k, v in fig.breakdown.items())
        ws.append((fig.label, fig.value, None, None, detail, fig.definition))
    ws.freeze_panes = "A4"
    for col, width in zip("ABCDEF", (34, 12, 10, 10, 70, 70), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
