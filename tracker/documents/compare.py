"""Comparing two draft versions paragraph by paragraph, with the changed characters marked inside a paragraph.

difflib's SequenceMatcher does work in proportion to the pairs of equal items it can match: two uploads of
20,000 identical paragraphs, or two 50,000-character paragraphs of a few letters, would hold the worker for
minutes. That work is counted before each comparison (Σ occurrences in one × occurrences in the other) and a
comparison spends at most WORK_LIMIT in all. The usual draft compares exactly as SequenceMatcher does; past the
budget, the common beginning and end are taken off, items that occur once in each version anchor the alignment,
and what still does not fit is shown as removed and added (or as one changed paragraph).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

# Pairs of equal items one comparison may match, for its paragraphs and again for the characters within the
# changed ones: about half a second each.
WORK_LIMIT = 4_000_000


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class Row:
    kind: str  # same | added | removed | changed
    old: list[Segment]
    new: list[Segment]


class _Budget:
    def __init__(self, limit: int = WORK_LIMIT):
        self.left = limit
        self.spent = False  # once a comparison did not fit, the rest is not aligned any finer

    def take(self, work: int) -> bool:
        if work > self.left:
            self.spent = True
            return False
        self.left -= work
        return True


def _work(a, b) -> int:
    """The pairs of equal items SequenceMatcher may look at: what its time grows with."""
    in_b = Counter(b)
    return len(a) + len(b) + sum(count * in_b[item] for item, count in Counter(a).items() if item in in_b)


def _common_ends(a, b) -> tuple[int, int]:
    """Lengths of the common beginning and the common end (not overlapping)."""
    n = min(len(a), len(b))
    start = 0
    while start < n and a[start] == b[start]:
        start += 1
    end = 0
    while end < n - start and a[-1 - end] == b[-1 - end]:
        end += 1
    return start, end


def _opcodes(a, b, budget: _Budget) -> list[tuple]:
    """SequenceMatcher's opcodes when the work fits the budget; one 'replace' for all of it otherwise."""
    if not a and not b:
        return []
    if a and b and budget.take(_work(a, b)):
        return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    if not a:
        return [("insert", 0, 0, 0, len(b))]
    if not b:
        return [("delete", 0, len(a), 0, 0)]
    return [("replace", 0, len(a), 0, len(b))]


def _shift(ops, da: int, db: int) -> list[tuple]:
    return [(op, i1 + da, i2 + da, j1 + db, j2 + db) for op, i1, i2, j1, j2 in ops]


def _bounded_opcodes(a, b, budget: _Budget) -> list[tuple]:
    """Opcodes for long sequences: common ends, then anchors (items once in each), the gaps within the budget."""
    start, end = _common_ends(a, b)
    ops: list[tuple] = [("equal", 0, start, 0, start)] if start else []
    mid_a, mid_b = a[start : len(a) - end], b[start : len(b) - end]
    in_a, in_b = Counter(mid_a), Counter(mid_b)
    where_b = {item: j for j, item in enumerate(mid_b) if in_b[item] == 1}
    pairs = [(i, where_b[item]) for i, item in enumerate(mid_a) if in_a[item] == 1 and item in where_b]
    # The longest run of anchors in the same order in both (patience diff): O(k log k).
    tails: list[int] = []
    links: list[int] = []
    back: list[int | None] = []
    for index, (_i, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        back.append(links[k - 1] if k else None)
        if k == len(tails):
            tails.append(j)
            links.append(index)
        else:
            tails[k], links[k] = j, index
    chain: list[tuple[int, int]] = []
    at = links[-1] if links else None
    while at is not None:
        chain.append(pairs[at])
        at = back[at]
    chain.reverse()
    i0 = j0 = 0
    for i, j in [*chain, (len(mid_a), len(mid_b))]:
        ops += _shift(_opcodes(mid_a[i0:i], mid_b[j0:j], budget), start + i0, start + j0)
        if i < len(mid_a):
            ops.append(("equal", start + i, start + i + 1, start + j, start + j + 1))
        i0, j0 = i + 1, j + 1
    if end:
        ops.append(("equal", len(a) - end, len(a), len(b) - end, len(b)))
    return ops


def _diff(a, b, budget: _Budget) -> list[tuple]:
    if budget.take(_work(a, b)):
        return SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return _bounded_opcodes(a, b, budget)


def inline_diff(a: str, b: str, budget: _Budget | None = None) -> tuple[list[Segment], list[Segment]]:
    """The characters removed from a and added in b; one budget may be shared by many calls."""
    budget = budget if budget is not None else _Budget()
    old, new = [], []
    for op, i1, i2, j1, j2 in _diff(a, b, budget):
        if i2 > i1:
            old.append(Segment(a[i1:i2], op != "equal"))
        if j2 > j1:
            new.append(Segment(b[j1:j2], op != "equal"))
    return old, new


def compare_paragraphs(old: list[str], new: list[str]) -> list[Row]:
    budget, inline = _Budget(), _Budget()  # one for aligning the paragraphs, one for the characters within
    rows: list[Row] = []
    for op, i1, i2, j1, j2 in _diff(old, new, budget):
        if op == "equal":
            rows += [Row("same", [Segment(p, False)], [Segment(p, False)]) for p in old[i1:i2]]
        elif op == "delete":
            rows += [Row("removed", [Segment(p, True)], []) for p in old[i1:i2]]
        elif op == "insert":
            rows += [Row("added", [], [Segment(p, True)]) for p in new[j1:j2]]
        else:
            pairs = list(zip(old[i1:i2], new[j1:j2], strict=False))
            for a, b in pairs:
                o, n = ([Segment(a, True)], [Segment(b, True)]) if inline.spent else inline_diff(a, b, inline)
                rows.append(Row("changed", o, n))
            rows += [Row("removed", [Segment(p, True)], []) for p in old[i1 + len(pairs) : i2]]
            rows += [Row("added", [], [Segment(p, True)]) for p in new[j1 + len(pairs) : j2]]
    return rows
