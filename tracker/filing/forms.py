"""Filing submission and result forms."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.common.forms import Form, options
from tracker.filing.models import FilingResult

DATE_MSG = "请输入有效日期（年-月-日）。"


class SubmitFilingForm(Form):
    submitted_on = DateField("报送日期", validators=[InputRequired(DATE_MSG)])
    method = StringField(
        "报送方式", default="中山市规范性文件管理系统", validators=[DataRequired("请填写报送方式。"), Length(max=50)]
    )
    system_ref = StringField("系统受理编号", validators=[Optional(), Length(max=100)])


class FilingResultForm(Form):
    result = SelectField("审查结果", choices=options(FilingResult.choices()))
    result_on = DateField("结果日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField("审查意见（补正或纠正的内容）", validators=[Optional(), Length(max=2000)])
    correction_due_on = DateField("补正期限（留空按规则计算）", validators=[Optional()])


class ReviewExtensionForm(Form):
    notified_on = DateField("通知延期日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField("说明（如通知文号、延期理由）", validators=[Optional(), Length(max=2000)])
