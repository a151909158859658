"""Forms of the administrator's pre-check rules page: lengths and required fields; the rest (the code's form and
uniqueness, exactly one of words and pattern, a pattern that compiles) is checked by review/precheck_rules.py."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.common.forms import Form, options
from tracker.review.precheck_rules import MAX_EXPLANATION, MAX_LABEL, MAX_PATTERN, MAX_SOURCE, POINT_NAMES

POINT_CHOICES = [(n, f"第 {n} 点：{name}") for n, name in POINT_NAMES.items()]


class PrecheckRuleForm(Form):
    point = SelectField("审查要点", choices=options(POINT_CHOICES), coerce=int, default=9)
    label = StringField(
        "名称",
        validators=[DataRequired("请填写规则名称。"), Length(max=MAX_LABEL, message=f"名称不能超过 {MAX_LABEL} 字。")],
    )
    explanation = TextAreaField(
        "说明（审查人员看到的提示理由）",
        validators=[
            DataRequired("请填写说明。"),
            Length(max=MAX_EXPLANATION, message=f"说明不能超过 {MAX_EXPLANATION} 字。"),
        ],
    )
    words = TextAreaField(
        "词语（用顿号、逗号或空格分隔，按原样查找）",
        validators=[Optional(), Length(max=MAX_PATTERN, message=f"词语合计不能超过 {MAX_PATTERN} 个字符。")],
    )
    pattern = StringField(
        "或：匹配式（正则表达式，高级）",
        validators=[Optional(), Length(max=MAX_PATTERN, message=f"匹配式不能超过 {MAX_PATTERN} 个字符。")],
    )
    unless_basis = BooleanField("条款引用了法律依据时不提示")
    needs_private_subject = BooleanField("只在约束公民、企业等时提示（主语为行政机关时不提示）")
    source = TextAreaField(
        "依据（可选）",
        validators=[Optional(), Length(max=MAX_SOURCE, message=f"依据不能超过 {MAX_SOURCE} 字。")],
    )


class NewPrecheckRuleForm(PrecheckRuleForm):
    code = StringField(
        "代码（小写英文字母、数字、下划线）",
        validators=[DataRequired("请填写代码。"), Length(min=2, max=40, message="代码须为 2 至 40 个字符。")],
    )


class EditPrecheckRuleForm(PrecheckRuleForm):
    version_id = HiddenField()
