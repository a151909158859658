"""The office's pre-check rules: the defaults of review/precheck.py with what the administrator changed.

A default rule can be switched off and on again (a `builtin` row holds only `active`); a rule the administrator
adds is a full row (words or a pattern, the point, the explanation, its source). `rules_in_force()` is what every
pre-check reads: the review desk at submission and on a re-run, and the catalogue check of the worksheet.

The administrator's services (set_active, add_rule, edit_rule, delete_rule) check the permission, validate what was
typed (a pattern must compile and can never match empty text) and write an audit event in the same transaction;
they flush, never commit (docs/precheck.md「管理员修改规则」).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.review.models import PrecheckRuleSetting, ReviewPoint
from tracker.review.precheck import DEFAULT_RULES, PrecheckRule


def as_rule(row: PrecheckRuleSetting) -> PrecheckRule:
    return PrecheckRule(
        row.code,
        row.point,
        row.label,
        row.explanation,
        pattern=row.pattern,
        unless_basis=row.unless_basis,
        needs_private_subject=row.needs_private_subject,
        unless=row.unless,
        active=row.active,
        source=row.source,
    )


def rules_in_force() -> list[PrecheckRule]:
    """Every rule, the defaults first (switched as the office set them), then the office's own, in their order."""
    rows = {
        row.code: row for row in db.session.scalars(sa.select(PrecheckRuleSetting).order_by(PrecheckRuleSetting.id))
    }
    rules = []
    for rule in DEFAULT_RULES:
        row = rows.pop(rule.code, None)
        rules.append(replace(rule, active=row.active) if row is not None else rule)
    rules += [as_rule(row) for row in rows.values() if not row.builtin]
    return rules


# --- the administrator's page (docs/precheck.md「管理员修改规则」) ------------------------------------------------

CODE = re.compile(r"[a-z0-9_]{2,40}")
MAX_PATTERN = 500
MAX_LABEL, MAX_EXPLANATION, MAX_SOURCE = 100, 1000, 500
# Words are typed one after another, separated by 、，, or spaces (full-width ones included).
WORD_SEPARATORS = re.compile(r"[、，,\s]+")
DEFAULT_CODES = frozenset(r.code for r in DEFAULT_RULES)
POINT_NAMES = {number: point.label for number, point in enumerate(ReviewPoint, start=1)}
_REGEX_SYNTAX = set(".^$*+?{}[]()|\\")
# Python's messages about a pattern that does not compile, said in Chinese (the rest are named generally).
_REGEX_ERRORS = (
    ("missing )", "缺少右括号“)”"),
    ("unbalanced parenthesis", "括号不成对"),
    ("unterminated character set", "方括号“[”没有闭合"),
    ("nothing to repeat", "重复符号（* + ? {}）前面没有可以重复的内容"),
    ("multiple repeat", "重复符号连用"),
    ("bad escape", "反斜杠“\\”后面的字符不能这样用"),
    ("look-behind requires fixed-width pattern", "向后查找“(?<=…)”“(?<!…)”须为固定长度"),
    ("bad character range", "方括号中的字符范围写反了"),
)


def point_name(point: int) -> str:
    return POINT_NAMES.get(point, "")


def split_words(text: str) -> list[str]:
    """The words typed in one field, in order, each once."""
    return list(dict.fromkeys(w for w in WORD_SEPARATORS.split(text or "") if w))


def words_pattern(words: list[str]) -> str:
    """The words as one pattern matching any of them literally; the longest first, so that 罚款 is named rather
    than 罚 when both are given."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def words_of(pattern: str) -> list[str] | None:
    """The words a pattern made by words_pattern() matches, or None for any other pattern (typed by hand)."""
    words, current, chars = [], [], iter(pattern)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, ""))
        elif ch == "|":
            words.append("".join(current))
            current = []
        elif ch in _REGEX_SYNTAX:
            return None
        else:
            current.append(ch)
    words.append("".join(current))
    if not pattern or not all(words) or words_pattern(words) != pattern:
        return None
    return words


def _regex_problem(exc: re.error) -> str:
    for english, chinese in _REGEX_ERRORS:
        if exc.msg.startswith(english):
            return chinese
    return "写法不符合正则表达式的规则"


def check_pattern(pattern: str) -> str:
    """A typed pattern, checked: at most MAX_PATTERN characters, compiles, never matches empty text."""
    pattern = (pattern or "").strip()
    if len(pattern) > MAX_PATTERN:
        raise ValidationFailed(f"匹配式不能超过 {MAX_PATTERN} 个字符（现有 {len(pattern)} 个）。")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        where = f"第 {exc.pos + 1} 个字符附近" if exc.pos is not None else ""
        raise ValidationFailed(
            f"匹配式不是有效的正则表达式：{where}{_regex_problem(exc)}。"
            "要按原样匹配 . * + ? ( ) [ ] { } | \\ 等符号，请在前面加反斜杠“\\”，或改填“词语”一栏。"
        ) from None
    # A pattern that can match no text at all would flag every clause (a* , 罚款| , (?=罚) …).
    if compiled.search("") is not None or re._parser.parse(pattern).getwidth()[0] == 0:
        raise ValidationFailed("匹配式可以匹配空白内容，会把每一条都标出来。请去掉可有可无的部分（如末尾的“|”或“*”）。")
    return pattern


@dataclass(frozen=True)
class RuleEntry:
    """A line of the administrator's page: the rule as in force, whether it is a default, and for an own rule
    made of words, the words."""

    rule: PrecheckRule
    builtin: bool
    words: tuple[str, ...] | None = None

    @property
    def point_name(self) -> str:
        return point_name(self.rule.point)

    @property
    def conditions(self) -> list[str]:
        return conditions(self.rule)

    @property
    def matches(self) -> str:
        """What the rule looks for, as text: its words, its pattern or the whole-text check."""
        if self.rule.check:
            return f"全文检查 {self.rule.check}"
        if self.words is not None:
            return "词语：" + "、".join(self.words)
        return self.rule.pattern


def conditions(rule: PrecheckRule) -> list[str]:
    """The conditions that make the words harmless, as docs/precheck.md names them."""
    said = []
    if rule.unless_basis:
        said.append("引用了依据")
    if rule.unless_admin_subject:
        said.append("主语为行政机关")
    if rule.needs_private_subject:
        said.append("仅当约束公民、企业等")
    if rule.unless:
        said.append("否定用法（不得、免收等）")
    return said


def listing() -> list[RuleEntry]:
    """Every rule for the page: the defaults (switched as the office set them), then the office's own."""
    entries = []
    for rule in rules_in_force():
        builtin = rule.code in DEFAULT_CODES
        words = None if builtin else words_of(rule.pattern)
        entries.append(RuleEntry(rule, builtin, tuple(words) if words else None))
    return entries


def _require_admin(actor) -> None:
    if not may(actor, "install"):
        raise PermissionDenied("预检规则各镇街共用，由市级系统管理员修改。")


def _row(code: str) -> PrecheckRuleSetting | None:
    if not CODE.fullmatch(code or ""):
        return None
    return db.session.scalar(sa.select(PrecheckRuleSetting).where(PrecheckRuleSetting.code == code))


def exists(code: str) -> bool:
    """Whether a default or an own rule has this code."""
    row = _row(code)
    return code in DEFAULT_CODES or (row is not None and not row.builtin)


def own_rule(code: str) -> PrecheckRuleSetting:
    """An office-added rule by its code; a default is refused (it can only be switched off and on)."""
    if code in DEFAULT_CODES:
        raise ValidationFailed("默认规则不能修改或删除，只能停用或启用；需要不同的规则时，请添加一条本单位的规则。")
    row = _row(code)
    if row is None or row.builtin:
        raise NotFound("没有这条预检规则，可能已被删除。")
    return row


def _snapshot(row: PrecheckRuleSetting) -> dict:
    return {
        "code": row.code,
        "active": row.active,
        "point": row.point,
        "label": row.label,
        "explanation": row.explanation,
        "pattern": row.pattern,
        "unless_basis": row.unless_basis,
        "needs_private_subject": row.needs_private_subject,
        "source": row.source,
    }


def _flush(what: str) -> None:
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        raise ConcurrentEdit(f"{what}刚被他人修改，您的修改未保存。请刷新页面查看最新内容后重试。") from None


def set_active(code: str, active: bool, *, actor, now: datetime) -> bool:
    """Switch a default or an own rule off or on; a default's first switch off creates its row. True if changed."""
    _require_admin(actor)
    row = _row(code)
    if code in DEFAULT_CODES:
        default = next(r for r in DEFAULT_RULES if r.code == code)
        if row is None:
            if active:
                return False  # never switched: on already
            row = PrecheckRuleSetting(
                code=code, builtin=True, active=True, point=default.point, label=default.label, created_at=now
            )
            db.session.add(row)
        label = default.label
    elif row is None or row.builtin:
        raise NotFound("没有这条预检规则，可能已被删除。")
    else:
        label = row.label
    if row.active == active:
        return False
    before = row.active
    row.active, row.updated_by_id = active, getattr(actor, "id", None)
    _flush("这条规则")
    audit.record(
        "precheck_rule.switch",
        actor=actor,
        now=now,
        object_type="precheck_rule",
        object_id=row.id,
        summary=f"{'启用' if active else '停用'}预检规则 {code}（{label}）",
        before={"code": code, "active": before},
        after={"code": code, "active": active},
    )
    return True


@dataclass(frozen=True)
class _Checked:
    point: int
    label: str
    explanation: str
    pattern: str
    source: str


def _checked(
    *, point: int, label: str, explanation: str, words: str | list[str], pattern: str, source: str
) -> _Checked:
    if not isinstance(point, int) or not 1 <= point <= 9:
        raise ValidationFailed("请选择审查要点（第 1 至第 9 点）。")
    label, explanation, source = (label or "").strip(), (explanation or "").strip(), (source or "").strip()
    if not label or len(label) > MAX_LABEL:
        raise ValidationFailed(f"请填写规则名称（不超过 {MAX_LABEL} 字）。")
    if not explanation or len(explanation) > MAX_EXPLANATION:
        raise ValidationFailed(f"请填写说明，即审查人员看到的提示理由（不超过 {MAX_EXPLANATION} 字）。")
    if len(source) > MAX_SOURCE:
        raise ValidationFailed(f"依据不能超过 {MAX_SOURCE} 字。")
    typed = split_words(words) if isinstance(words, str) else list(dict.fromkeys(w.strip() for w in words if w.strip()))
    pattern = (pattern or "").strip()
    if typed and pattern:
        raise ValidationFailed("“词语”和“匹配式”只填一项：词语按原样匹配，匹配式是正则表达式（高级）。")
    if not typed and not pattern:
        raise ValidationFailed("请填写要查找的词语（用顿号、逗号或空格分隔），或填写匹配式。")
    if typed:
        pattern = words_pattern(typed)
        if len(pattern) > MAX_PATTERN:
            raise ValidationFailed(f"词语合计过长（不能超过 {MAX_PATTERN} 个字符），请拆成几条规则。")
    else:
        pattern = check_pattern(pattern)
    return _Checked(point, label, explanation, pattern, source)


def add_rule(
    *,
    code: str,
    point: int,
    label: str,
    explanation: str,
    words: str | list[str],
    pattern: str,
    unless_basis: bool,
    needs_private_subject: bool,
    source: str,
    actor,
    now: datetime,
) -> PrecheckRuleSetting:
    """An office-added rule: words (matched as typed) or a pattern (a regular expression), the point it concerns
    and the explanation the reviewer reads."""
    _require_admin(actor)
    code = (code or "").strip()
    if not CODE.fullmatch(code):
        raise ValidationFailed("代码须为 2 至 40 个小写英文字母、数字或下划线（如 fine_amount）。")
    if code in DEFAULT_CODES:
        raise ValidationFailed(f"代码“{code}”已是一条默认规则的代码，请换一个。")
    if _row(code) is not None:
        raise ValidationFailed(f"代码“{code}”已有规则使用，请换一个。")
    c = _checked(point=point, label=label, explanation=explanation, words=words, pattern=pattern, source=source)
    row = PrecheckRuleSetting(
        code=code,
        builtin=False,
        active=True,
        point=c.point,
        label=c.label,
        explanation=c.explanation,
        pattern=c.pattern,
        unless_basis=bool(unless_basis),
        needs_private_subject=bool(needs_private_subject),
        unless="",
        source=c.source,
        updated_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(row)
    _flush("预检规则")
    audit.record(
        "precheck_rule.add",
        actor=actor,
        now=now,
        object_type="precheck_rule",
        object_id=row.id,
        summary=f"添加预检规则 {code}（第 {c.point} 点：{c.label}）",
        after=_snapshot(row),
    )
    return row


def edit_rule(
    code: str,
    *,
    point: int,
    label: str,
    explanation: str,
    words: str | list[str],
    pattern: str,
    unless_basis: bool,
    needs_private_subject: bool,
    source: str,
    expected_version: int,
    actor,
    now: datetime,
) -> PrecheckRuleSetting:
    """Change an office-added rule (a default can only be switched off and on)."""
    _require_admin(actor)
    row = own_rule(code)
    if expected_version != row.version_id:
        raise ConcurrentEdit("这条规则已被他人修改，您的修改未保存。请刷新页面查看最新内容后重试。")
    c = _checked(point=point, label=label, explanation=explanation, words=words, pattern=pattern, source=source)
    before = _snapshot(row)
    for name in ("point", "label", "explanation", "pattern", "source"):
        setattr(row, name, getattr(c, name))
    row.unless_basis, row.needs_private_subject = bool(unless_basis), bool(needs_private_subject)
    after = _snapshot(row)
    if after == before:
        return row
    row.updated_by_id = getattr(actor, "id", None)
    _flush("这条规则")
    audit.record(
        "precheck_rule.edit",
        actor=actor,
        now=now,
        object_type="precheck_rule",
        object_id=row.id,
        summary=f"修改预检规则 {code}（第 {c.point} 点：{c.label}）",
        before=before,
        after=after,
    )
    return row


def delete_rule(code: str, *, actor, now: datetime) -> None:
    """Remove an office-added rule; flags it raised earlier keep their text. A default can only be switched off."""
    _require_admin(actor)
    if code in DEFAULT_CODES:
        raise ValidationFailed("默认规则不能删除，只能停用。")
    row = own_rule(code)
    before, row_id = _snapshot(row), row.id
    db.session.delete(row)
    _flush("这条规则")
    audit.record(
        "precheck_rule.delete",
        actor=actor,
        now=now,
        object_type="precheck_rule",
        object_id=row_id,
        summary=f"删除预检规则 {code}（{before['label']}）",
        before=before,
    )
