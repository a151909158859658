"""征求意见及采纳情况 as an .xlsx, built from the window and the comments recorded (docs/rules.md §2 stage 3).

The drafter records each comment and how it was handled; this sheet is the packet's material, so the same content
is never typed twice. It states the real window: a window closed early shows the day it closed and why.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from tracker.common.filters import date_cn
from tracker.common.xlsx import looks_like_formula

HEADERS = ("序号", "意见人", "收到日期", "意见内容", "处理情况", "理由")
WIDTHS = (8, 18, 14, 60, 12, 50)


def comment_record_xlsx(document, consultation) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "征求意见及采纳情况"
    ws.append((f"《{document.title}》公开征求意见及采纳情况",))
    ws["A1"].font = Font(bold=True, size=14)
    window = f"{date_cn(consultation.start_on)}至{date_cn(consultation.actual_end_on)}，共 {consultation.days} 日"
    if consultation.actual_end_on != consultation.end_on:
        window += f"（原定至{date_cn(consultation.end_on)}，提前结束，理由：{consultation.close_reason}）"
    elif consultation.short_reason:
        window += f"（少于规定天数的理由：{consultation.short_reason}）"
    ws.append(("征求意见期", window))
    ws.append(("发布渠道", consultation.channel + (f"，{consultation.url}" if consultation.url else "")))
    counts = {}
    for c in consultation.comments:
        counts[c.disposition.label] = counts.get(c.disposition.label, 0) + 1
    total = len(consultation.comments)
    result = f"共收到意见 {total} 条" + (
        "：" + "，".join(f"{label} {n} 条" for label, n in counts.items()) if total else "，无人提出意见"
    )
    ws.append(("收到意见", result))
    if (consultation.summary or "").strip():
        ws.append(("情况说明", consultation.summary.strip()))
    ws.append(())
    ws.append(HEADERS)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for i, c in enumerate(consultation.comments, start=1):
        ws.append((i, c.commenter or "（未署名）", c.received_on, c.content, c.disposition.label, c.reason or ""))
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    # People's text stays text: a comment starting with = is not a formula (tracker/common/xlsx.py).
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and looks_like_formula(cell.value):
                cell.data_type, cell.quotePrefix = "s", True
    for col, width in zip("ABCDEF", WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
