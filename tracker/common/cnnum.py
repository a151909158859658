"""Chinese numerals as they number chapters, articles and items: 一 … 九十九, 一百零一 (parsing only)."""

from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS)


def parse_cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零三 → 103, 一百一十 → 110; Arabic digits pass through.

    Raises ValueError for anything else (an empty string, stray characters, 十十).
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(c not in DIGITS and c not in UNITS for c in text):
        raise ValueError(f"不是中文数字：{text!r}")
    total, digit, last_unit = 0, None, 10_000
    for char in text:
        if char in DIGITS:
            if digit is not None and DIGITS[char] != 0 and digit != 0:
                raise ValueError(f"不是中文数字：{text!r}")
            digit = DIGITS[char]
            continue
        unit = UNITS[char]
        if unit >= last_unit:
            raise ValueError(f"不是中文数字：{text!r}")
        total += (1 if digit is None else digit) * unit
        digit, last_unit = None, unit
    return total + (digit or 0)
