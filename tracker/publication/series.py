"""Number series of each issuer: 发文字号 and 规范性文件编号 allocated or typed, in the issuer's series or an old one.

docs/rules.md §4: the 发文字号 belongs to the issuer's whole correspondence and often comes from the office's OA
system, so a typed 发文字号 is accepted while the 规范性文件编号 is still allocated here; 镇政府 and 镇政府办公室 keep
their own 规 series (沙府规字 / 沙府办规字); documents from the old register may carry numbers of older series, or no
规 number at all. A series is read off the number itself (沙府规字〔{year}〕{seq}号), so a typed number and an
allocated one of the same series share one counter and can never collide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.common.numbering import (
    SCOPE_LENGTH,
    NumberCounter,
    SeriesNumber,
    next_serial,
    parse_series,
    series_of_pattern,
)
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.publication.models import NumberPattern, Publication
from tracker.rules.ruleset import get_setting, set_setting

ISSUE, NORMATIVE = "issue", "normative"
LABELS = {ISSUE: "发文字号", NORMATIVE: "规范性文件编号"}
SETTING = {ISSUE: "issue_number_pattern", NORMATIVE: "normative_number_pattern"}
MAX_PATTERN = 60


@dataclass(frozen=True)
class Allocated:
    scope: str
    year: int
    seq: int
    number: str


def pattern_of(issuer: Unit, which: str) -> str:
    """The issuer's own pattern, or the rule set's default."""
    row = db.session.scalar(sa.select(NumberPattern).where(NumberPattern.unit_id == issuer.id))
    own = getattr(row, f"{which}_pattern") if row is not None else None
    return own or get_setting(SETTING[which])


def issuers_and_patterns() -> list[tuple[Unit, NumberPattern | None]]:
    """Every active issuer with its own patterns (None: the defaults), for the 编号规则 page."""
    own = {p.unit_id: p for p in db.session.scalars(sa.select(NumberPattern))}
    issuers = db.session.scalars(
        sa.select(Unit).where(Unit.can_issue.is_(True), Unit.active.is_(True)).order_by(Unit.id)
    )
    return [(unit, own.get(unit.id)) for unit in issuers]


def series_key(issuer: Unit, which: str) -> str:
    """The issuer's series as a pattern (沙府办规字〔{year}〕{seq}号); refused when the pattern is not usable."""
    if not issuer.number_prefix:
        raise ValidationFailed(f"发文机关“{issuer.name}”尚未设置发文代字，请管理员在单位管理中设置。")
    pattern = pattern_of(issuer, which)
    key = series_of_pattern(pattern, issuer.number_prefix)
    if key is None:
        raise ValidationFailed(f"{LABELS[which]}格式“{pattern}”无法使用，请管理员在“编号规则”页面修改。")
    return key


def _series(key: str) -> SeriesNumber:
    sample = parse_series(key.format(year=2000, seq=1))
    assert sample is not None and sample.key == key  # series_key() checked it
    return sample


def _used(which: str, number: str) -> bool:
    column = Publication.issue_number if which == ISSUE else Publication.normative_number
    return db.session.scalar(sa.select(Publication.id).where(column == number).limit(1)) is not None


def _scope(series: SeriesNumber, which: str) -> str:
    scope = series.scope(which)
    if len(scope) > SCOPE_LENGTH:
        raise ValidationFailed(f"{LABELS[which]}的序列“{series.key}”过长，无法编号。")
    return scope


def allocate(issuer: Unit, which: str, year: int) -> Allocated:
    """The next number of the issuer's series for the year; never one already used (typed or imported)."""
    series = _series(series_key(issuer, which))
    scope = _scope(series, which)
    while True:
        seq = next_serial(scope, year)
        number = series.key.format(year=year, seq=seq)
        if not _used(which, number):
            return Allocated(scope, year, seq, number)


def peek(issuer: Unit, which: str, year: int) -> str:
    """The number allocate() would give now, without taking it (the 编号规则 page's preview)."""
    key = series_key(issuer, which)
    series = _series(key)
    counter = db.session.get(NumberCounter, (series.scope(which), year))
    return key.format(year=year, seq=(counter.last_value if counter else 0) + 1)


def previews(issuer: Unit, year: int) -> tuple[dict[str, str], str | None]:
    """The next number of each series (the signing page's examples), or why the issuer cannot be numbered yet."""
    try:
        return {which: peek(issuer, which, year) for which in (ISSUE, NORMATIVE)}, None
    except ValidationFailed as exc:
        return {}, exc.message


def reserve(scope: str, year: int, seq: int) -> None:
    """A typed number moves its series' counter past it, so allocation never collides with it."""
    counter = db.session.get(NumberCounter, (scope, year))
    if counter is None:
        db.session.add(NumberCounter(scope=scope, year=year, last_value=seq))
    elif counter.last_value < seq:
        counter.last_value = seq
    db.session.flush()


def read_typed(text: str, which: str) -> SeriesNumber:
    """A typed number in any series (〔〕 restored); refused when it names no year and serial."""
    series = parse_series(text)
    if series is None:
        raise ValidationFailed(
            f"{LABELS[which]}“{(text or '').strip()}”无法识别：应写明年份和序号，如“沙府规字〔2024〕4号”"
            "（年份用六角括号〔〕）。"
        )
    _scope(series, which)
    return series


def check_typed(text: str, which: str, *, issuer: Unit, signed_on: date) -> SeriesNumber:
    """A number typed for a new signing: of the issuer's series, of the signing year, not used yet. Writes nothing."""
    series = read_typed(text, which)
    label = LABELS[which]
    key = series_key(issuer, which)
    if series.key != key:
        example = key.format(year=signed_on.year, seq=1)
        raise ValidationFailed(f"{label}“{series.number}”不属于{issuer.name}的{label}序列（应如“{example}”），请核对。")
    if series.year != signed_on.year:
        raise ValidationFailed(
            f"{label}“{series.number}”的年份为 {series.year} 年，签发日期为 {signed_on.year} 年"
            f"{signed_on.month} 月 {signed_on.day} 日：编号按签发年度编排，两者须为同一年，请核对编号或签发日期。"
        )
    if _used(which, series.number):
        raise ValidationFailed(f"{label}“{series.number}”已被其他文件使用。")
    return series


def take(series: SeriesNumber, which: str) -> Allocated:
    """Use a checked typed number: its series' counter moves past it."""
    scope = series.scope(which)
    reserve(scope, series.year, series.seq)
    return Allocated(scope, series.year, series.seq, series.number)


# --- the administrator's 编号规则 page ----------------------------------------------------------------------


def check_pattern(pattern: str, which: str, prefix: str = "某府") -> str:
    """A pattern the office typed: it must name the year and the serial once and read back as one series."""
    pattern = (pattern or "").strip()
    label = LABELS.get(which, "审查意见书编号")
    if not pattern:
        raise ValidationFailed(f"请填写{label}格式。")
    if len(pattern) > MAX_PATTERN:
        raise ValidationFailed(f"{label}格式不超过 {MAX_PATTERN} 字。")
    if series_of_pattern(pattern, prefix) is None:
        raise ValidationFailed(
            f"{label}格式“{pattern}”不可用：须含且只含一次 {{year}}（年份）和 {{seq}}（序号），可含 {{prefix}}"
            "（发文代字），如“{prefix}规字〔{year}〕{seq}号”。"
        )
    return pattern


def save_default_patterns(*, actor, now: datetime, patterns: dict[str, str]) -> None:
    """The rule set's patterns: 审查意见书编号, default 发文字号 and 规范性文件编号 (with {prefix})."""
    if not may(actor, "admin"):
        raise PermissionDenied("只有管理员可以修改编号规则。")
    checked = {key: check_pattern(value, key.removesuffix("_number_pattern")) for key, value in patterns.items()}
    opinion = checked.get("opinion_number_pattern")
    if opinion is not None and "{prefix}" in opinion:
        raise ValidationFailed("审查意见书编号格式不能含 {prefix}（司法所只有一个序列）。")
    for key, value in checked.items():
        before = get_setting(key)
        if before != value:
            set_setting(key, value, now=now)
            audit.record(
                "numbering.pattern",
                actor=actor,
                now=now,
                object_type="setting",
                object_id=None,
                summary=f"修改编号格式 {key}：{before} → {value}",
                before={key: before},
                after={key: value},
            )


def save_unit_patterns(issuer: Unit, *, actor, now: datetime, issue_pattern: str, normative_pattern: str) -> None:
    """An issuer's own patterns; an empty field returns it to the default."""
    if not may(actor, "admin", issuer):  # an issuer of the administrator's own town
        raise PermissionDenied("只有管理员可以修改编号规则。")
    if not issuer.can_issue:
        raise ValidationFailed(f"“{issuer.name}”不是发文机关。")
    prefix = issuer.number_prefix or "某府"
    values = {
        ISSUE: check_pattern(issue_pattern, ISSUE, prefix) if (issue_pattern or "").strip() else None,
        NORMATIVE: check_pattern(normative_pattern, NORMATIVE, prefix) if (normative_pattern or "").strip() else None,
    }
    row = db.session.scalar(sa.select(NumberPattern).where(NumberPattern.unit_id == issuer.id))
    if row is None:
        row = NumberPattern(unit_id=issuer.id, created_at=now)
        db.session.add(row)
    before = {ISSUE: row.issue_pattern, NORMATIVE: row.normative_pattern}
    row.issue_pattern, row.normative_pattern, row.updated_by_id = values[ISSUE], values[NORMATIVE], actor.id
    db.session.flush()
    if before != values:
        audit.record(
            "numbering.unit_pattern",
            actor=actor,
            now=now,
            object_type="unit",
            object_id=issuer.id,
            summary=f"修改“{issuer.name}”的编号格式：发文字号 {values[ISSUE] or '（默认）'}，"
            f"规范性文件编号 {values[NORMATIVE] or '（默认）'}",
        )
