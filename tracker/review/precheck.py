"""Pre-check: rules read every unit of a draft and point the reviewer at what to look at (docs/precheck.md).

A flag never decides. It names the unit (第五条第二款), the words that triggered it, the review point it concerns
(the nine points of the legality review, docs/rules.md §4) and why; the reviewer turns it into a finding or
dismisses it with a reason.

The rules are data (PrecheckRule): a pattern, the point, an explanation, and the conditions that make the same
words harmless — the unit cites its legal basis (依法由市场监管部门处以罚款), or the sentence binds the
administration itself (镇政府不得…). A few checks read the whole text instead of one unit (numbering, abbreviations,
short law names); they are rules with a `check` name and no pattern, switched off and on the same way.

Pure: no database. The caller passes the rules (defaults below, or the office's edited set) and, for point 4,
a function that looks a cited law up in the office's catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from tracker.documents.structure import Structure, Unit, parse

# --- what makes words harmless ------------------------------------------------------------------------------

# An external legal basis: a cited law or regulation (not 本办法 itself), 依法, or a reference to the rules in
# force (依照有关法律法规 / 按照国家规定). Only a basis in the same unit, or in the lead-in of an item's 款, counts.
BASIS = re.compile(
    r"《(?!本)[^》]{2,60}》"
    r"|依法"
    r"|(?:依照|按照|根据|依据)[^，。；：]{0,24}(?:法律|法规|规章|规定|条例|办法|细则|标准)"
    r"|法律、(?:行政)?法规"
)

# Subjects: the administration binds itself (harmless for point 6), or citizens and enterprises are bound.
ADMIN_SUBJECT = re.compile(
    r"(?:镇人民政府|镇政府|政府|各(?:有关)?部门|职能部门|主管部门|行政机关|机关|工作人员|司法所|办公室|执法(?:局|部门|人员)"
    r"|派出所|村（居）民委员会|村民委员会|居民委员会|村委会|居委会|审查机构|监督机构|本镇各|管理部门|经办人员|窗口)"
)
PRIVATE_SUBJECT = re.compile(
    r"(?:村民(?!委员会|小组)|居民(?!委员会)|公民|群众|市民|企业|经营者|经营户|商户|个体工商户|个人|申请人|当事人|业主"
    r"|物业服务人|承租人|出租人|房屋所有人|用人单位|从业人员|养殖户|种植户|农户|户主|建房户|任何单位|任何人|单位和个人"
    r"|生产经营单位|社会组织|家长|监护人|驾驶人|车主|车辆|游客|租户|施工单位|建设单位|投标人|供应商|养犬人|务工人员"
    r"|外来人员|流动人口|的单位)"
)
# "…的，" describes whoever does something (承租集体物业的，应当…): a private party unless the administration is named.
CONDITIONAL_PERSON = re.compile(r"的[，,]")
# Words that take the sting out: the administration may not charge, fees are waived.
NEGATED_CHARGE = re.compile(
    r"(?:不得|禁止|严禁|一律不|不予|不再)(?:[^，。；]{0,8})(?:收取|收费|罚款|扣押|查封)|免(?:收|费|予)"
)
# Verbs whose bound party stands after them (禁止任何人…), not before.
_OBJECT_VERBS = ("禁止", "严禁", "不准", "不允许", "限定", "限制")

_SENTENCE = re.compile(r"[^。；;！？!?]+[。；;！？!?]?")


@dataclass(frozen=True)
class PrecheckRule:
    code: str
    point: int  # 1–9: the review point it concerns
    label: str
    explanation: str
    pattern: str = ""  # a regular expression over the unit's text; empty for a whole-text check
    # Harmless when the unit (or an item's lead-in) cites a legal basis.
    unless_basis: bool = False
    # Harmless when the sentence's subject is the administration itself (and no private party is named).
    unless_admin_subject: bool = False
    # Flag only when the sentence names a private party as subject (citizens, enterprises …).
    needs_private_subject: bool = False
    # Harmless when this also matches the sentence (e.g. 不得收取: the administration may not charge).
    unless: str = ""
    check: str = ""  # a whole-text check: numbering | abbreviation | short_name | undated | law_status
    active: bool = True
    source: str = ""


@dataclass(frozen=True)
class Flag:
    key: str
    ref: str
    point: int
    rule: str
    label: str
    words: tuple[str, ...]
    why: str
    text: str = ""

    def line(self) -> str:
        return f"{self.ref}\t{self.point}\t{self.rule}\t{'、'.join(self.words)}"


# --- point 4: cited laws against the catalogue --------------------------------------------------------------


@dataclass(frozen=True)
class LawStatus:
    """What the catalogue knows of a cited law: None fields are unknown."""

    name: str
    repealed_on: date | None = None
    amended_on: date | None = None
    # Typed in by a drafting unit and not yet checked by the 司法所: the catalogue does not vouch for it.
    unverified: bool = False


CITATION = re.compile(r"《([^》]{2,60})》")
# 《土地管理法》: a national law cited by its short name (not 《…办法》, not a local regulation).
NATIONAL_SHORT = re.compile(r"^(?!中华人民共和国)(?!.*办法$)(?!.*(?:省|市|县|自治区|镇))[^《》]{2,20}法$")


def citations(text: str) -> list[str]:
    """Every 《…》 citation except the document's own name (本办法/本规定 never appear in brackets)."""
    return [m.group(1).strip() for m in CITATION.finditer(text)]


# --- the default rule set ----------------------------------------------------------------------------------

_P5 = "不得设定行政许可、行政处罚、行政强制等事项，不得违法设定行政收费（国办发〔2018〕37号；粤府令第277号）"
_P6 = "没有法律、法规、规章依据，不得减损公民、法人和其他组织的合法权益或者增加其义务（国办发〔2018〕37号）"
_P8 = "不得含有排除、限制公平竞争的内容（《公平竞争审查条例》，2024年8月1日起施行）"
_P9 = "制定技术：结构、编号、用语规范"

DEFAULT_RULES: tuple[PrecheckRule, ...] = (
    PrecheckRule(
        "penalty",
        5,
        "设定行政处罚",
        "条款规定罚款、没收、吊销、拘留等处罚，却未引用设定该处罚的法律、法规或规章。规范性文件不得设定行政处罚。",
        pattern=r"罚款|没收|吊销|责令停产停业|责令停业|行政拘留|拘留|处罚|暂扣",
        unless_basis=True,
        unless=NEGATED_CHARGE.pattern,
        source=_P5,
    ),
    PrecheckRule(
        "licence",
        5,
        "设定行政许可或审批",
        "条款要求经批准、审批或取得许可证方可从事某项活动，却未引用法律依据。规范性文件不得设定行政许可。",
        pattern=r"行政许可|许可证|审批|须经[^，。；]{0,12}(?:批准|同意)|经[^，。；]{0,12}批准后方可|未经[^，。；]{0,12}批准",
        unless_basis=True,
        unless_admin_subject=True,
        source=_P5,
    ),
    PrecheckRule(
        "coercion",
        5,
        "设定行政强制措施",
        "查封、扣押、冻结、强制拆除等强制措施只能由法律、法规设定，条款未引用依据。",
        pattern=r"查封|扣押|冻结|强制拆除|强制清除|强制执行|强行",
        unless_basis=True,
        unless=NEGATED_CHARGE.pattern,
        source=_P5,
    ),
    PrecheckRule(
        "fee",
        5,
        "设定收费、押金或保证金",
        "条款向群众或企业收取费用、押金或保证金，却未引用收费依据。规范性文件不得违法设定收费。",
        pattern=r"收费|收取[^，。；]{0,10}(?:费|金|款)|(?:缴纳|交纳)[^，。；]{0,10}(?:费|押金|保证金|款)|押金|保证金|滞纳金"
        r"|集资|摊派",
        unless_basis=True,
        unless=NEGATED_CHARGE.pattern,
        source=_P5,
    ),
    PrecheckRule(
        "obligation",
        6,
        "增加义务或减损权利",
        "条款为公民、企业设定义务或限制其权利（应当、不得、须、禁止），却未引用法律依据。",
        pattern=r"应当|不得|必须|须|禁止|严禁|不准|不允许|限制|限定|只能",
        unless_basis=True,
        needs_private_subject=True,
        source=_P6,
    ),
    PrecheckRule(
        "designation",
        8,
        "指定或限定经营者、商品",
        "条款指定、限定交易对象或商品服务，可能排除、限制竞争。",
        pattern=r"(?:指定|限定)[^，。；]{0,12}(?:企业|公司|单位|经营者|供应商|品牌|产品|商品|服务|机构)"
        r"|只能(?:购买|使用|选择|委托)[^，。；]{0,12}(?:企业|公司|单位|产品|商品|服务|机构|中心)"
        r"|只能(?:到|向|从|在)[^，。；]{0,12}(?:购买|采购|选购|办理)",
        unless=r"(?:不得|禁止|严禁|一律不)[^。；]{0,10}(?:指定|限定)",
        source=_P8,
    ),
    PrecheckRule(
        "local_preference",
        8,
        "本地优先或歧视外地",
        "条款对本地与外地经营者、商品区别对待，或要求优先选用某类经营者，可能违反公平竞争审查标准。",
        pattern=r"(?:本地|本镇|本市|本区|外地|外省|外市|外来)[^，。；]{0,8}(?:企业|经营者|商品|产品|供应商|商户|施工队伍|车辆)"
        r"|优先(?:采购|选用|使用|选择|委托|录用)",
        unless=r"(?:不得|禁止|严禁|一律不)[^。；]{0,20}(?:区别对待|歧视|排斥|限制)",
        source=_P8,
    ),
    PrecheckRule(
        "exclusion",
        8,
        "排除或限制竞争",
        "条款排除、限制经营者参与市场竞争，或给予特定经营者补贴、优惠，须经公平竞争审查。",
        pattern=r"排除[^，。；]{0,8}(?:竞争|经营者|企业)|限制[^，。；]{0,10}(?:进入|参与|经营|竞争|迁移)"
        r"|(?:给予|奖励|补贴)[^，。；]{0,12}(?:有限公司|股份公司|集团|公司)"
        r"|(?:有限公司|股份公司|集团|公司)[^。；]{0,20}(?:补贴|奖励|税收返还|优惠)"
        r"|(?:纳税额|税收|缴税)[^。；]{0,15}(?:奖励|返还)|税收返还",
        unless=r"(?:不得|禁止|严禁|一律不)[^。；]{0,20}(?:排除|限制|补贴|优惠|给予)",
        source=_P8,
    ),
    PrecheckRule(
        "law_status",
        4,
        "引用的法律已废止、已修改或未知",
        "引用的法律、法规在法规目录中已废止，在草案日期之后被修改，或不在目录中，须核对是否仍可作为依据。",
        check="law_status",
        source="与宪法、法律、法规、规章和上级文件相一致（国办发〔2018〕37号）",
    ),
    PrecheckRule(
        "numbering",
        9,
        "条款编号缺漏或重复",
        "章、条、项的编号不连续或重复。",
        check="numbering",
        source=_P9,
    ),
    PrecheckRule(
        "abbreviation",
        9,
        "使用未定义的简称",
        "使用了字母缩写或简称，但全文没有“以下简称”之类的定义。",
        check="abbreviation",
        source=_P9,
    ),
    PrecheckRule(
        "undated",
        9,
        "日期缺少年份",
        "写明月日而未写年份，施行后难以确定所指日期。",
        pattern=r"(?<![0-9０-９年\-/.])(?:[1-9]|1[0-2])月(?:[1-9]|[12][0-9]|3[01])日",
        source=_P9,
    ),
    PrecheckRule(
        "short_name",
        9,
        "首次引用法律未用全称",
        "首次引用全国性法律应使用全称（冠以“中华人民共和国”），此后方可使用简称。",
        check="short_name",
        source=_P9,
    ),
)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE.findall(text) if s.strip()]


def _has_basis(unit: Unit) -> bool:
    return bool(BASIS.search(unit.text) or (unit.item is not None and BASIS.search(unit.lead)))


def _parties(sentence: str, start: int, end: int, unit: Unit) -> tuple[bool, bool]:
    """(a private party is bound, the administration is the subject) for the words at sentence[start:end]."""
    head = sentence[:start]
    nearest = re.split(r"[，,：:]", head)[-1] if head else ""
    bound = head + (sentence[end : end + 16] if sentence[start:end] in _OBJECT_VERBS else "")
    private = bool(PRIVATE_SUBJECT.search(bound)) or bool(
        unit.item is not None and PRIVATE_SUBJECT.search(unit.lead) and not nearest.strip()
    )
    admin = bool(ADMIN_SUBJECT.search(nearest))
    described = list(CONDITIONAL_PERSON.finditer(head))
    if not private and described and not ADMIN_SUBJECT.search(head[: described[-1].start()]):
        private = True
    return private, admin


def _pattern_flags(rule: PrecheckRule, unit: Unit) -> list[str]:
    if rule.unless_basis and _has_basis(unit):
        return []
    words: list[str] = []
    pattern = re.compile(rule.pattern)
    unless = re.compile(rule.unless) if rule.unless else None
    for sentence in _sentences(unit.text):
        if unless is not None and unless.search(sentence):
            continue
        for m in pattern.finditer(sentence):
            if rule.needs_private_subject or rule.unless_admin_subject:
                private, admin = _parties(sentence, m.start(), m.end(), unit)
                if rule.needs_private_subject and not private:
                    continue
                if rule.unless_admin_subject and admin and not private:
                    continue
            words.append(m.group(0))
    return list(dict.fromkeys(words))


def _defined_abbreviations(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"(?:以下简称|以下称|简称)[“\"「]?([^”\"」）)，。]{1,20})", text)}


def _abbreviation_flags(structure: Structure) -> dict[str, list[str]]:
    whole = "\n".join(u.text for u in structure.units)
    defined = _defined_abbreviations(whole)
    # Widely known forms need no definition in a Chinese official text.
    known = {"GB", "GB/T", "PDF", "URL", "APP", "ID", "QQ", "WIFI", "Wi-Fi", "PM", "AM", "CCTV", "GDP", "No"}
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for u in structure.units:
        for m in re.finditer(r"(?<![A-Za-z])[A-Z]{2,6}(?![A-Za-z])", u.text):
            word = m.group(0)
            if word in known or word in defined or word in seen:
                continue
            seen.add(word)
            out.setdefault(u.key, []).append(word)
    return out


def _short_name_flags(structure: Structure) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    full_seen: set[str] = set()
    for u in structure.units:
        for name in citations(u.text):
            if name.startswith("中华人民共和国"):
                full_seen.add(name.removeprefix("中华人民共和国"))
            elif NATIONAL_SHORT.match(name) and name not in full_seen:
                out.setdefault(u.key, []).append(f"《{name}》")
                full_seen.add(name)  # flag the first use only
    return out


def _law_status_flags(
    structure: Structure, laws: Callable[[str], LawStatus | None], draft_on: date | None
) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for u in structure.units:
        for name in citations(u.text):
            # The catalogue holds full names; a national law cited short is looked up by its full name too.
            status = laws(name) or laws("中华人民共和国" + name)
            if status is None:
                why = f"《{name}》不在法规目录中，请核对名称是否准确、是否仍然有效"
            elif status.repealed_on is not None:
                why = f"《{name}》已于 {status.repealed_on.isoformat()} 废止"
            elif status.amended_on is not None and draft_on is not None and status.amended_on > draft_on:
                why = f"《{name}》于 {status.amended_on.isoformat()} 修改，晚于草案日期，引用的条文可能已变化"
            elif status.unverified:
                why = f"《{name}》由起草单位录入法规目录，司法所尚未核实，请核对名称是否准确、是否仍然有效"
            else:
                continue
            out.setdefault(u.key, []).append((f"《{name}》", why))
    return out


def _flag(rule: PrecheckRule, unit: Unit, words: Sequence[str], why: str = "") -> Flag:
    return Flag(unit.key, unit.ref, rule.point, rule.code, rule.label, tuple(words), why or rule.explanation, unit.text)


def precheck(
    structure: Structure,
    rules: Iterable[PrecheckRule] = DEFAULT_RULES,
    *,
    laws: Callable[[str], LawStatus | None] | None = None,
    draft_on: date | None = None,
) -> list[Flag]:
    """Every flag, in the order of the text; `laws` None leaves out the catalogue check (point 4)."""
    rules = [r for r in rules if r.active]
    units = {u.key: u for u in structure.units}
    flags: list[Flag] = []
    for rule in rules:
        if rule.pattern and not rule.check:
            for u in structure.units:
                words = _pattern_flags(rule, u)
                if words:
                    flags.append(
                        Flag(u.key, u.ref, rule.point, rule.code, rule.label, tuple(words), rule.explanation, u.text)
                    )
        elif rule.check == "numbering":
            for problem in structure.problems:
                flags.append(Flag("", "全文", rule.point, rule.code, rule.label, (problem.rstrip("。"),), problem))
        elif rule.check == "abbreviation":
            for key, words in _abbreviation_flags(structure).items():
                u = units[key]
                flags.append(
                    Flag(key, u.ref, rule.point, rule.code, rule.label, tuple(words), rule.explanation, u.text)
                )
        elif rule.check == "short_name":
            for key, words in _short_name_flags(structure).items():
                u = units[key]
                flags.append(
                    Flag(key, u.ref, rule.point, rule.code, rule.label, tuple(words), rule.explanation, u.text)
                )
        elif rule.check == "law_status" and laws is not None:
            for key, found in _law_status_flags(structure, laws, draft_on).items():
                why = "；".join(w for _, w in found) + "。"
                flags.append(_flag(rule, units[key], [w for w, _ in found], why))
    order = {u.key: i for i, u in enumerate(structure.units)}
    return sorted(flags, key=lambda f: (order.get(f.key, -1), f.point, f.rule))


@dataclass
class Score:
    """Precision and recall of the flags against a labelled set, per review point."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positive + self.false_negative
        return self.true_positive / expected if expected else 1.0


def score(
    labelled: Sequence[tuple[str, frozenset[int]]],
    rules: Iterable[PrecheckRule] = DEFAULT_RULES,
    *,
    laws: Callable[[str], LawStatus | None] | None = None,
    draft_on: date | None = None,
) -> dict[int, Score]:
    """labelled: (text of one unit, the points a reviewer would look at); returns {point: Score}."""
    rules = list(rules)
    scores: dict[int, Score] = {}
    for text, expected in labelled:
        got = {f.point for f in precheck(parse([text]), rules, laws=laws, draft_on=draft_on)}
        for point in expected | got:
            s = scores.setdefault(point, Score())
            if point in expected and point in got:
                s.true_positive += 1
            elif point in got:
                s.false_positive += 1
                s.examples.append(f"误报 {point}: {text}")
            else:
                s.false_negative += 1
                s.examples.append(f"漏报 {point}: {text}")
    return scores
