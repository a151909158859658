"""Comparing two draft versions paragraph by paragraph, with the changed characters marked inside a paragraph."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    kind: str  # same | added | removed | changed
    old: list[Segment]
    new: list[Segment]


def inline_diff(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    old, new = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            old.append(Segment(a[i1:i2], op != "equal"))
        if j2 > j1:
            new.append(Segment(b[j1:j2], op != "equal"))
    return old, new


def compare_paragraphs(old: list[str], new: list[str]) -> list[Row]:
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            rows += [Row("same", [Segment(p, False)], [Segment(p, False)]) for p in old[i1:i2]]
        elif op == "delete":
            rows += [Row("removed", [Segment(p, True)], []) for p in old[i1:i2]]
        elif op == "insert":
            rows += [Row("added", [], [Segment(p, True)]) for p in new[j1:j2]]
        else:
            pairs = list(zip(old[i1:i2], new[j1:j2], strict=False))
            for a, b in pairs:
                o, n = inline_diff(a, b)
                rows.append(Row("changed", o, n))
            rows += [Row("removed", [Segment(p, True)], []) for p in old[i1 + len(pairs) : i2]]
            rows += [Row("added", [], [Segment(p, True)]) for p in new[j1 + len(pairs) : j2]]
    return rows
