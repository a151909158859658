"""The rule set: every time limit of docs/rules.md §3 as data, plus configurable patterns and lists.

Defaults live here once; the database holds the town's values (seeded from these, edited by the admin).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tracker import tenancy
from tracker.common.readcache import once_per_read
from tracker.common.stamp import remembered
from tracker.extensions import db
from tracker.rules.models import Confidence, DayUnit, Rule, Setting, TownRule


@dataclass(frozen=True)
class RuleDefault:
    code: str
    name: str
    value: int
    unit: DayUnit
    source: str
    confidence: Confidence
    note: str = ""


WD, CD, MONTHS, YEARS = DayUnit.WORKING_DAYS, DayUnit.CALENDAR_DAYS, DayUnit.MONTHS, DayUnit.YEARS
V, C, R = Confidence.VERIFIED, Confidence.OTHER_LOCALITY, Confidence.PRACTICE

DEFAULT_RULES: tuple[RuleDefault, ...] = (
    RuleDefault("review_min", "合法性审查最短期限", 5, WD, "国办发〔2018〕115号", R, "自收到完整送审材料之次日起计算"),
    RuleDefault(
        "review_max",
        "合法性审查期限",
        15,
        WD,
        "国办发〔2018〕115号",
        R,
        "自收到完整送审材料之次日起计算；广州参照 10 个工作日",
    ),
    RuleDefault(
        "review_extension", "合法性审查延长期限（上限）", 10, WD, "广州市规定（参照）", C, "延长须书面说明理由"
    ),
    RuleDefault(
        "comment_min",
        "公开征求意见最短期限",
        30,
        CD,
        "通行做法",
        R,
        "少于该期限须记录理由；中山实践中见 7 个、9 个工作日",
    ),
    RuleDefault(
        "effect_min_gap",
        "发布至施行最短间隔",
        30,
        CD,
        "通行做法",
        R,
        "因紧急情况或公共利益须提前施行的，记录理由并随备案材料报送",
    ),
    RuleDefault(
        "filing_deadline",
        "报送备案期限",
        15,
        CD,
        "通行做法",
        R,
        "自发布之日起计算；外地亦有 30 日、10 日、3–5 个工作日",
    ),
    RuleDefault("filing_review", "备案审查期限", 30, CD, "外地规定（参照）", C),
    RuleDefault("filing_review_extension", "备案审查延长期限", 20, CD, "外地规定（参照）", C),
    RuleDefault("correction_period", "备案审查意见补正/纠正期限", 30, CD, "外地规定（参照）", C),
    RuleDefault(
        "validity_default",
        "有效期（默认）",
        5,
        YEARS,
        "粤府令第277号第34条；外地规定",
        C,
        "有效期可不设；设定的一般不超过 5 年",
    ),
    RuleDefault("validity_trial", "暂行、试行文件有效期", 2, YEARS, "外地规定（参照）", C),
    RuleDefault("evaluation_lead", "有效期届满前启动评估", 6, MONTHS, "粤府令第277号第34条", V),
    RuleDefault("evaluation_interval", "未设有效期文件的评估周期", 5, YEARS, "粤府令第277号第34条", V),
    RuleDefault(
        "cleanup_interval",
        "定期清理周期",
        2,
        YEARS,
        "外地做法（粤府令第277号第36条要求定期清理，未规定间隔）",
        C,
        "无定期或全面清理记录时，自系统登记第一件文件之日起算",
    ),
    RuleDefault(
        "revision_after_cleanup",
        "清理结果为“修改”的修改期限",
        3,
        MONTHS,
        "外地规定（参照）",
        C,
        "自清理结果公布之日起计算",
    ),
    RuleDefault("due_soon_lead", "“即将到期”提醒提前量", 3, WD, "本系统默认", R),
    RuleDefault(
        "deliberation_pending", "审查通过后提请集体审议", 20, WD, "本系统默认", R, "审查意见出具后未提请审议的提醒期限"
    ),
)

DEFAULTS_BY_CODE = {d.code: d for d in DEFAULT_RULES}

DEFAULT_SETTINGS: dict[str, tuple[Any, str]] = {
    "opinion_number_pattern": ("沙司审〔{year}〕{seq}号", "审查意见书编号格式"),
    # One 规 series per issuer (docs/rules.md §4): 沙府 → 沙府规字, 沙府办 → 沙府办规字.
    "normative_number_pattern": ("{prefix}规字〔{year}〕{seq}号", "规范性文件统一编号格式（{prefix} 为发文单位代字）"),
    "issue_number_pattern": ("{prefix}〔{year}〕{seq}号", "发文字号格式（{prefix} 为发文单位代字）"),
    # The city justice bureau's written answers to filings (备案审查意见), one series for the city.
    "filing_opinion_number_pattern": ("中司备审〔{year}〕{seq}号", "备案审查意见书编号格式（市司法局）"),
    "filing_review_basis": ("《广东省行政规范性文件管理规定》", "备案审查意见书引用的审查依据"),
    # What every review opinion names as its basis after the document's own bases (docs/rules.md §4).
    "review_basis": (
        [
            "《国务院办公厅关于加强行政规范性文件制定和监督管理工作的通知》（国办发〔2018〕37号）",
            "《国务院办公厅关于全面推行行政规范性文件合法性审核机制的指导意见》（国办发〔2018〕115号）",
            "《广东省行政规范性文件管理规定》（粤府令第277号）",
        ],
        "审查意见书的审查依据（通用部分）",
    ),
    "packet_required": (
        ["request_letter", "draft", "drafting_note", "legal_basis", "comment_record"],
        "送审必备材料",
    ),
    "packet_if_market": (["fair_competition"], "涉及经营者经济活动时另需的材料"),
    "packet_if_major": (["expert_report", "risk_assessment"], "重大事项另需的材料"),
}


AT_MOST, AT_LEAST = "at_most", "at_least"
# The time limits a town may set for itself (docs/rules.md §3): those its own people apply, in its own requests, and
# that are fixed on the record when applied. A town may be stricter than the install, never laxer: a review or a
# validity no longer, a comment period or the gap before entry into force no shorter. The limits the city or the
# law sets for every town (filing, the bureau's review, corrections) and those the morning scan applies to every
# town at once (evaluations, clean-ups, reminders) stay the install's.
TOWN_RULES = {
    "review_max": AT_MOST,
    "review_extension": AT_MOST,
    "comment_min": AT_LEAST,
    "effect_min_gap": AT_LEAST,
    "validity_default": AT_MOST,
    "validity_trial": AT_MOST,
}


def _rule_set(town_id: int | None) -> dict[str, tuple[Rule, int | None]]:
    """Every rule with the town's own value beside it (None: the town has none), in one statement."""
    if town_id is None:
        stmt = sa.select(Rule, sa.null())
    else:
        mine = sa.and_(TownRule.code == Rule.code, TownRule.town_id == town_id)
        stmt = sa.select(Rule, TownRule.value).outerjoin(TownRule, mine)
    return {rule.code: (rule, own) for rule, own in db.session.execute(stmt)}


def _loaded(town_id: int | None) -> dict[str, tuple[Rule, int | None]]:
    """The rule set as the town reads it; a page reads it once (common/readcache.py), anything that may write reads
    the rows afresh."""
    return once_per_read(("rules", town_id), lambda: _rule_set(town_id))


def _default(code: str) -> Rule:
    """The default, unsaved, when the database has not been seeded."""
    d = DEFAULTS_BY_CODE[code]
    return Rule(
        code=d.code, name=d.name, value=d.value, unit=d.unit, source=d.source, confidence=d.confidence, note=d.note
    )


def install_rule(code: str) -> Rule:
    """The install's rule, whatever a town set for itself."""
    found = _loaded(_town(None)).get(code)
    return found[0] if found else _default(code)


def get_rule(code: str, *, town_id: int | None = None) -> Rule:
    """The rule as the town (of `town_id`, else of the request) applies it: its own value of a limit it may set
    (TOWN_RULES), as an unsaved copy of the install's rule naming the town's value; else the install's."""
    found = _loaded(_town(town_id)).get(code)
    rule = found[0] if found else _default(code)
    own = found[1] if found and code in TOWN_RULES else None
    # Never laxer than the install, also after the install's rule was made stricter than the town's own.
    value = None if own is None else (min if TOWN_RULES[code] == AT_MOST else max)(own, rule.value)
    if value is None or value == rule.value:
        return rule
    return Rule(
        code=rule.code,
        name=rule.name,
        value=value,
        unit=rule.unit,
        source=f"本镇自定（比本系统规定的{rule.value}{rule.unit.label}更严）；{rule.source}",
        confidence=rule.confidence,
        note=rule.note,
    )


def rule_name(code: str | None) -> str:
    """What people call a rule (its Chinese name), for pages that only kept the rule's code."""
    if not code:
        return ""
    found = _loaded(_town(None)).get(code)  # the rules the request has read already (one query per request)
    if found and found[0].name:
        return found[0].name
    default = DEFAULTS_BY_CODE.get(code)
    return default.name if default else "时限规则"


def town_key(key: str, town_id: int | None) -> str:
    """Where a town keeps its own value of a setting (its number patterns, its checklists): key@town."""
    return f"{key}@{town_id}" if town_id is not None else key


def _town(town_id: int | None) -> int | None:
    if town_id is not None:
        return town_id
    scope = tenancy.current()
    return scope.town_id if scope is not None else None


def _stored_settings(town: int | None) -> dict[str, str]:
    """Every setting the town and the install keep, as stored (JSON), by stored key."""
    keys = [*DEFAULT_SETTINGS, *([town_key(key, town) for key in DEFAULT_SETTINGS] if town is not None else [])]
    rows = db.session.execute(sa.select(Setting.key, Setting.value).where(Setting.key.in_(keys)))
    return {stored: value for stored, value in rows}


def get_setting(key: str, *, town_id: int | None = None) -> Any:
    """The town's own value (of `town_id`, else of the request's town), else the install's, else the default.

    A page reads every setting of its town in one statement, once (common/readcache.py), and only after a setting
    changed (common/stamp.py)."""
    town = _town(town_id)
    # Settings belong to no town's records (a town's own value is a row keyed key@town): every write of one gives
    # the install a new stamp, so they are remembered under the install's stamp alone (common/stamp.py) and a
    # town's other writes leave them remembered.
    stored = once_per_read(
        ("settings", town), lambda: remembered(("settings", town), lambda: _stored_settings(town), install=True)
    )
    for candidate in [town_key(key, town), key] if town is not None else [key]:
        if candidate in stored:
            return json.loads(stored[candidate])
    return DEFAULT_SETTINGS[key][0]


def set_setting(key: str, value: Any, *, now: datetime, town_id: int | None = None) -> None:
    """Store a setting's new value, the town's own when a town sets it (the caller checks it and writes the audit
    event); a command run outside any town sets the install's value, which every town without its own inherits."""
    stored = town_key(key, _town(town_id))
    row = db.session.get(Setting, stored)
    if row is None:
        row = Setting(key=stored, description=DEFAULT_SETTINGS[key][1])
        db.session.add(row)
    row.value, row.updated_at = json.dumps(value, ensure_ascii=False), now
    db.session.flush()


def ensure_defaults(now: datetime) -> int:
    """Insert every default rule and setting that is missing; returns how many were added."""
    added = 0
    existing = set(db.session.scalars(sa.select(Rule.code)))
    for d in DEFAULT_RULES:
        if d.code not in existing:
            db.session.add(
                Rule(
                    code=d.code,
                    name=d.name,
                    value=d.value,
                    unit=d.unit,
                    source=d.source,
                    confidence=d.confidence,
                    note=d.note,
                    updated_at=now,
                )
            )
            added += 1
    existing_settings = set(db.session.scalars(sa.select(Setting.key)))
    for key, (value, description) in DEFAULT_SETTINGS.items():
        if key not in existing_settings:
            db.session.add(
                Setting(key=key, value=json.dumps(value, ensure_ascii=False), description=description, updated_at=now)
            )
            added += 1
    db.session.flush()
    return added
