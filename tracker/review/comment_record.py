"""征求意见及采纳情况 as an .xlsx, built from the window and the comments recorded (docs/rules.md §2 stage 3).

The drafter records each comment and how it was handled; this sheet is the packet's material, so the same content
is never typed twice. It states the real window: a window closed early shows the day it closed and why.
"""

from __future__ import annotations

from tracker.common.filters import date_cn
from tracker.common.xlsx import Column, Sheet, workbook_bytes

COLUMNS = (
    Column("序号", 8, "number"),
    Column("意见人", 18),
    Column("收到日期", 14, "date"),
    Column("意见内容", 60),
    Column("处理情况", 12),
    Column("理由", 50),
)


def comment_record_xlsx(document, consultation) -> bytes:
    window = f"{date_cn(consultation.start_on)}至{date_cn(consultation.actual_end_on)}，共 {consultation.days} 日"
    if consultation.actual_end_on != consultation.end_on:
        window += f"（原定至{date_cn(consultation.end_on)}，提前结束，理由：{consultation.close_reason}）"
    elif consultation.short_reason:
        window += f"（少于规定天数的理由：{consultation.short_reason}）"
    counts = {}
    for c in consultation.comments:
        counts[c.disposition.label] = counts.get(c.disposition.label, 0) + 1
    total = len(consultation.comments)
    result = f"共收到意见 {total} 条" + (
        "：" + "，".join(f"{label} {n} 条" for label, n in counts.items()) if total else "，无人提出意见"
    )
    preamble = [
        ("征求意见期", window),
        ("发布渠道", consultation.channel + (f"，{consultation.url}" if consultation.url else "")),
        ("收到意见", result),
    ]
    if (consultation.summary or "").strip():
        preamble.append(("情况说明", consultation.summary.strip()))
    rows = [
        (i, c.commenter or "（未署名）", c.received_on, c.content, c.disposition.label, c.reason or "")
        for i, c in enumerate(consultation.comments, start=1)
    ]
    sheet = Sheet(
        "征求意见及采纳情况",
        COLUMNS,
        rows,
        caption=f"《{document.title}》公开征求意见及采纳情况",
        preamble=preamble,
        wrap=True,
        autofilter=False,
    )
    return workbook_bytes([sheet])
