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


_OPENING, _CLOSING = "《（(〈【〔“", "》）)〉】〕”"
# Characters that may not start a line (GB/T 9704 §7.3.1: a title breaks where the words stay whole).
_NO_LINE_START = "，。、；：？！》）)〉】〕”的"
TITLE_LINE_CHARS = 20  # 二号 (22 pt) characters on a 156 mm line


def title_lines(title: str, width: int = TITLE_LINE_CHARS) -> list[str]:
    """A title in as few lines as fit `width`, the lines as even as possible, never broken inside a bracket.

    关于《沙溪镇农村集体土地承包经营权流转管理办法》的备案报告 breaks between words outside 《》; when a bracketed
    part is itself longer than a line, it breaks inside it but outside any bracket nested in it (（征求意见稿）
    stays whole), and never inside a number.
    """
    title = (title or "").strip()
    if len(title) <= width:
        return [title] if title else []
    depths, depth = [], 0
    for ch in title:
        if ch in _CLOSING:
            depth = max(0, depth - 1)
        depths.append(depth)
        if ch in _OPENING:
            depth += 1
    for level in range(max(depths) + 1):
        allowed = [
            i
            for i in range(1, len(title))
            if depths[i] <= level
            and title[i] not in _NO_LINE_START
            and title[i - 1] not in _OPENING
            and not (title[i - 1].isascii() and title[i - 1].isalnum() and title[i].isascii() and title[i].isalnum())
        ]
        # Next to a nested bracket first (before （征求意见稿）, after 》), then between any two characters.
        edges = [i for i in allowed if depths[i] == 0 or title[i] in _OPENING or title[i - 1] in _CLOSING]
        for candidates in (edges, allowed):
            lines = _balanced(title, candidates, width)
            if lines is not None:
                return lines
    return [title[i : i + width] for i in range(0, len(title), width)]


def _balanced(title: str, allowed: list[int], width: int) -> list[str] | None:
    """The split into the fewest lines of at most `width`, the longest line as short as possible."""
    best: tuple[int, int, list[int]] | None = None
    for count in range(2, len(title) // max(width // 2, 1) + 3):

        def splits(start: int, left: int):
            if left == 1:
                if len(title) - start <= width:
                    yield []
                return
            for cut in allowed:
                if start < cut <= start + width and len(title) - cut <= width * (left - 1):
                    for rest in splits(cut, left - 1):
                        yield [cut, *rest]

        for cuts in splits(0, count):
            edges = [0, *cuts, len(title)]
            sizes = [b - a for a, b in zip(edges, edges[1:], strict=False)]
            # Shortest longest line; then the first lines longest (a title reads as a 梯形, wide at the top).
            key = (max(sizes), -sizes[0])
            if best is None or key < best[:2]:
                best = (*key, cuts)
        if best is not None:
            edges = [0, *best[2], len(title)]
            return [title[a:b] for a, b in zip(edges, edges[1:], strict=False)]
    return None


_HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING_2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
# Leading spaces a clerk types to indent (ASCII, ideographic, non-breaking): the template indents itself.
_INDENT = " \t\u3000\u00a0"


def text_paragraphs(text: str | None) -> list[dict]:
    """Typed text, one paragraph a non-empty line; 一、 lines are first-level headings, （一） second-level."""
    out = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip(_INDENT).rstrip()
        if not line:
            continue
        level = 1 if _HEADING_1.match(line) else 2 if _HEADING_2.match(line) else 0
        out.append({"text": line, "level": level})
    return out
