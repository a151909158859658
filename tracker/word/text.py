"""Text helpers for what the Word outputs print: Chinese numerals, dates, 文号 brackets, sentences, titles."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

CN_DIGITS = "零一二三四五六七八九"
_END_PUNCT = tuple("。！？；.!?;）)”")
# A year written in square, round or lenticular brackets; official numbers use 〔〕 (GB/T 9704 §7.2.4).
_YEAR_BRACKETS = re.compile(r"[\[［(（【〔](\d{4})[\]］)）】〕]")
MAX_TITLE_IN_FILENAME = 80


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 101 → 一百零一, 110 → 一百一十 (section and item numbers, up to 9999)."""
    if not 0 < n < 10000:
        raise ValueError(f"out of range: {n}")
    if 10 <= n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    out, zero = [], False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(CN_DIGITS[digit] + unit)
    return "".join(out)


def date_cn(value: date | None) -> str:
    """成文日期 with Arabic numerals, no leading zeros (GB/T 9704 §7.3.5.1): 2026年3月5日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def official_number(number: str | None) -> str:
    """Write the year of a 文号 in hexagonal brackets: 沙司审[2026]3号 → 沙司审〔2026〕3号."""
    return _YEAR_BRACKETS.sub(r"〔\1〕", (number or "").strip())


def sentence(text: str | None) -> str:
    """Free text as a sentence of the document: trimmed, ending with a full stop."""
    text = (text or "").strip()
    if text and not text.endswith(_END_PUNCT):
        text += "。"
    return text


def book_title(title: str) -> str:
    title = (title or "").strip()
    return title if title.startswith("《") else f"《{title}》"


def section_numbers(present: Sequence[str], all_keys: Iterable[str]) -> dict[str, str]:
    """一、二、三… for the sections present, "" for absent ones (so a template never shows a gap in numbering)."""
    numbers = {key: "" for key in all_keys}
    for i, key in enumerate(present, start=1):
        numbers[key] = cn_numeral(i)
    return numbers


def unique(items: Iterable[str]) -> list[str]:
    """Trimmed, non-empty, first occurrence kept."""
    return [s for s in dict.fromkeys(i.strip() for i in items) if s]


def short_title(title: str) -> str:
    """The title as part of a file name: no path separators or characters Windows refuses, not too long."""
    title = "".join(ch for ch in title if ch.isprintable() and ch not in '/\\:*?"<>|').strip()
    return title if len(title) <= MAX_TITLE_IN_FILENAME else title[: MAX_TITLE_IN_FILENAME - 1] + "…"
