"""Rule set and calendar forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.common.forms import Form, options
from tracker.rules.models import Confidence, DayUnit


class RuleForm(Form):
    value = IntegerField(
        "期限", validators=[InputRequired("请填写期限。"), NumberRange(min=1, max=3660, message="期限须为 1 至 3660。")]
    )
    unit = SelectField("计算方式", choices=options(DayUnit.choices()))
    source = StringField("来源", validators=[DataRequired("请填写来源。"), Length(max=300)])
    confidence = SelectField("可信度", choices=options(Confidence.choices()))
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000)])
    version_id = HiddenField()


class TownRuleForm(Form):
    value = IntegerField(
        "本镇街的期限",
        validators=[InputRequired("请填写期限。"), NumberRange(min=1, max=3660, message="期限须为 1 至 3660。")],
    )
    note = TextAreaField("说明（依据、理由）", validators=[Optional(), Length(max=2000)])
    version_id = HiddenField()


class ScheduleForm(Form):
    file = FileField("CSV 文件（date,kind,source）")
    text = TextAreaField("或直接粘贴（首行为 date,kind,source）", validators=[Optional(), Length(max=20000)])
    complete = BooleanField("全年完整安排：文件包含该年度全部放假和调休日期（确认后不再标注“暂定”）")
