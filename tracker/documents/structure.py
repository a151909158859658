"""A draft's structure: 章, 节, 条, 款, 项 with a citable reference for each unit, and what became of a unit later.

Normative documents are written in articles (第五条), each article in paragraphs (款: the article's first paragraph
is its first 款, every further paragraph another), a 款 may list items (项: （一）（二）…). The reference follows
drafting practice: 第五条第二款, 第五条第一款第（三）项. Chapters (第二章) and sections (第一节) are headings.

A text that is not written in articles (a 通知 with numbered paragraphs) is read by paragraph: 第3段.

Pure: takes the paragraphs a .docx yields (files.uploads.docx_paragraphs, one string each), no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from tracker.common.cnnum import NUMERAL_CHARS, parse_cn_number
from tracker.documents.compare import Segment, inline_diff

_N = f"[{NUMERAL_CHARS}0-9]+"
CHAPTER = re.compile(rf"^第({_N})章(?:[\s\u3000]+(.*))?$")
SECTION = re.compile(rf"^第({_N})节(?:[\s\u3000]+(.*))?$")
ARTICLE = re.compile(rf"^第({_N})条(?:[\s\u3000]*)(.*)$", re.S)
ITEM = re.compile(rf"^[（(]({_N})[）)][\s\u3000]*(.*)$", re.S)

# A text counts as written in articles when it has at least this many article headings.
MIN_ARTICLES = 2
SIMILAR = 0.5  # a later unit this similar to an earlier one is the same unit, changed


def cn(n: int) -> str:
    """1 → 一 … 99 → 九十九 (the reference's own numerals; articles above 99 are rare in a town's documents)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return digits[hundreds] + "百"
    return digits[hundreds] + "百" + ("零" + cn(rest) if rest < 10 else ("一" + cn(rest) if rest < 20 else cn(rest)))


@dataclass(frozen=True)
class Unit:
    """The smallest citable piece: a 款, a 项, or (in a text without articles) a paragraph."""

    key: str  # stable within one version: "a5.p2", "a5.p1.i3", "para12"
    ref: str  # 第五条第二款 / 第五条第一款第（三）项 / 第12段
    text: str
    article: int | None = None
    clause: int | None = None
    item: int | None = None
    # The 款 an item belongs to (its lead-in often holds the legal basis: "依照《…》处罚：（一）…").
    lead: str = ""
    heading: str = ""  # the chapter (and section) it stands under


@dataclass
class Structure:
    form: str  # "articles" | "paragraphs"
    units: list[Unit] = field(default_factory=list)
    headings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def by_key(self) -> dict[str, Unit]:
        return {u.key: u for u in self.units}

    def unit(self, key: str) -> Unit | None:
        return self.by_key().get(key)


def _number(raw: str) -> int | None:
    try:
        return parse_cn_number(raw)
    except ValueError:
        return None


def _check_sequence(numbers: list[int], what: str, where: str = "") -> list[str]:
    """Gaps and duplicates in a numbered series, each as a sentence the drafter can act on."""
    problems: list[str] = []
    seen: set[int] = set()
    previous = 0
    for n in numbers:
        if n in seen:
            problems.append(f"{where}{what.format(cn(n))}重复出现。")
        elif n > previous + 1:
            missing = "、".join(what.format(cn(m)) for m in range(previous + 1, n))
            problems.append(f"{where}{what.format(cn(previous)) if previous else '开头'}之后缺少{missing}。")
        elif n < previous:
            problems.append(f"{where}{what.format(cn(n))}出现在{what.format(cn(previous))}之后，编号顺序有误。")
        seen.add(n)
        previous = max(previous, n)
    return problems


def parse(paragraphs: list[str]) -> Structure:
    paragraphs = [p.strip() for p in paragraphs if p and p.strip()]
    if sum(1 for p in paragraphs if ARTICLE.match(p)) < MIN_ARTICLES:
        return Structure(
            form="paragraphs",
            units=[Unit(key=f"para{i}", ref=f"第{i}段", text=p) for i, p in enumerate(paragraphs, start=1)],
        )
    s = Structure(form="articles")
    chapters: list[int] = []
    articles: list[int] = []
    heading = ""
    article: int | None = None
    clause = 0
    items: list[int] = []
    lead = ""
    preamble = 0

    def close_items() -> None:
        if items and article is not None:
            s.problems += _check_sequence(items, "第（{}）项", f"第{cn(article)}条第{cn(clause)}款")

    for p in paragraphs:
        if m := CHAPTER.match(p):
            close_items()
            items = []
            n = _number(m.group(1))
            if n is not None:
                chapters.append(n)
            heading = p
            s.headings.append(p)
            continue
        if SECTION.match(p):
            close_items()
            items = []
            heading = (heading.split(" / ")[0] + " / " + p) if heading else p
            s.headings.append(p)
            continue
        if (m := ARTICLE.match(p)) and (n := _number(m.group(1))) is not None:
            close_items()
            article, clause, items, lead = n, 1, [], p
            articles.append(n)
            s.units.append(Unit(key=f"a{n}.p1", ref=f"第{cn(n)}条第一款", text=p, article=n, clause=1, heading=heading))
            continue
        if article is None:  # title, 发文字号 or a preamble before the first article
            preamble += 1
            s.units.append(Unit(key=f"pre{preamble}", ref=f"正文前第{preamble}段", text=p, heading=heading))
            continue
        if (m := ITEM.match(p)) and (i := _number(m.group(1))) is not None:
            items.append(i)
            s.units.append(
                Unit(
                    key=f"a{article}.p{clause}.i{i}",
                    ref=f"第{cn(article)}条第{cn(clause)}款第（{cn(i)}）项",
                    text=p,
                    article=article,
                    clause=clause,
                    item=i,
                    lead=lead,
                    heading=heading,
                )
            )
            continue
        close_items()
        clause, items, lead = clause + 1, [], p
        s.units.append(
            Unit(
                key=f"a{article}.p{clause}",
                ref=f"第{cn(article)}条第{cn(clause)}款",
                text=p,
                article=article,
                clause=clause,
                heading=heading,
            )
        )
    close_items()
    s.problems = _check_sequence(chapters, "第{}章") + _check_sequence(articles, "第{}条") + s.problems
    # A duplicated number would give two units one key: the later one gets a suffix, so anchors stay unique.
    seen: dict[str, int] = {}
    for i, u in enumerate(s.units):
        seen[u.key] = seen.get(u.key, 0) + 1
        if seen[u.key] > 1:
            s.units[i] = replace(u, key=f"{u.key}~{seen[u.key]}")
    return s


def short_ref(unit: Unit, structure: Structure) -> str:
    """第五条 when the article has one 款 only (drafting practice cites the article then), else the full ref."""
    if unit.article is None or unit.item is not None:
        return unit.ref
    clauses = [u for u in structure.units if u.article == unit.article and u.item is None]
    return f"第{cn(unit.article)}条" if len(clauses) == 1 else unit.ref


# --- what became of a unit in a later version -------------------------------------------------------------


@dataclass(frozen=True)
class Trace:
    status: str  # unchanged | changed | moved | removed
    unit: Unit | None  # where it is now
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {"unchanged": "未修改", "changed": "已修改", "moved": "已移动", "removed": "已删除"}[self.status]


def _body(text: str) -> str:
    """The unit's words without its own number (第五条 / （三）), so renumbering alone is not a change."""
    if m := ARTICLE.match(text):
        return m.group(2)
    if m := ITEM.match(text):
        return m.group(2)
    return text


def trace(text: str, key: str | None, later: Structure, earlier: Structure | None = None) -> Trace:
    """Find the unit whose text was `text` (at `key` in its own version) in a later version of the draft.

    Same words at the same place: unchanged. Same words elsewhere: moved. Similar words (the same unit edited):
    changed, with the difference marked; found elsewhere, still changed (its new place is shown). Otherwise removed.
    With the earlier version given, a later unit that is word for word another earlier unit is not a candidate
    for an edit of this one: (二) removed and (三) renumbered to (二) is a removal and a move, not a change.
    """
    body = _body(text)
    claimed = {_body(u.text) for u in earlier.units} - {body} if earlier is not None else set()
    at_key = later.unit(key) if key else None
    if at_key is not None and _body(at_key.text) == body:
        return Trace("unchanged", at_key)
    for u in later.units:
        if _body(u.text) == body:
            return Trace("moved", u)
    best, ratio = None, 0.0
    for u in later.units:
        if _body(u.text) in claimed:
            continue
        matcher = SequenceMatcher(None, body, _body(u.text), autojunk=False)
        # The cheap upper bounds first: a long draft has hundreds of units, most nothing like this one.
        if matcher.real_quick_ratio() < SIMILAR or matcher.quick_ratio() < SIMILAR:
            continue
        r = matcher.ratio()
        # Prefer the unit at the same place when it is about as similar as the best elsewhere.
        if r > ratio + (0.05 if best is at_key and best is not None else 0) or (u is at_key and r >= ratio - 0.05):
            best, ratio = u, r
    if best is not None and ratio >= SIMILAR:
        old, new = inline_diff(body, _body(best.text))
        return Trace("changed", best, old, new)
    return Trace("removed", None)
