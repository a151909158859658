"""Filing submission and result forms."""

from __future__ import annotations

from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.common.forms import Form, options
from tracker.filing.models import FilingResult

DATE_MSG = "请输入有效日期（年-月-日）。"
BUREAU_RESULTS = [(r.value, r.label) for r in FilingResult if r is not FilingResult.PACKET_RETURNED]
CHANNELS = [
    ("online", "本系统在线报送（市司法局在本系统审查并答复）"),
    ("other", "其他方式（市备案系统、纸质等，结果由文秘登记）"),
]


class SubmitFilingForm(Form):
    channel = RadioField("报送渠道", choices=options(CHANNELS), default="other")
    submitted_on = DateField("报送日期（其他方式）", validators=[InputRequired(DATE_MSG)])
    method = StringField("报送方式（其他方式）", default="中山市规范性文件管理系统", validators=[Length(max=50)])
    system_ref = StringField("系统受理编号", validators=[Optional(), Length(max=100)])


class FilingResultForm(Form):
    result = SelectField("审查结果", choices=options(FilingResult.choices()))
    result_on = DateField("结果日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField("审查意见（补正或纠正的内容）", validators=[Optional(), Length(max=2000)])
    correction_due_on = DateField("补正期限（留空按规则计算）", validators=[Optional()])


class ReviewExtensionForm(Form):
    notified_on = DateField("通知延期日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField("说明（如通知文号、延期理由）", validators=[Optional(), Length(max=2000)])


# --- the city justice bureau's desk ------------------------------------------------------------------------------


class AcceptForm(Form):
    accepted_on = DateField("受理日期", validators=[InputRequired(DATE_MSG)])


class ReturnPacketForm(Form):
    returned_on = DateField("退回日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField("需补正的材料", validators=[DataRequired("请写明缺少或需补正的材料。"), Length(max=2000)])


class DecisionForm(Form):
    result = SelectField("审查结果", choices=options(BUREAU_RESULTS))
    decided_on = DateField("结果日期", validators=[InputRequired(DATE_MSG)])
    note = TextAreaField(
        "审查意见（问题和理由；每行一段，“一、”开头为标题）", validators=[Optional(), Length(max=2000)]
    )
    correction_due_on = DateField("补正或纠正期限（留空按规则计算）", validators=[Optional()])


class ExtendForm(Form):
    extended_on = DateField("延期决定日期", validators=[InputRequired(DATE_MSG)])
    reason = TextAreaField("延期理由", validators=[DataRequired("请写明延长审查期限的理由。"), Length(max=2000)])
