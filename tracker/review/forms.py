"""Forms of the review module: field checks and cross-field rules; state rules live in the services."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.common.forms import Form, options
from tracker.review.models import DeliberationDecision, Disposition, FindingResponse, PointResult, ReviewPoint

DATE_MSG = "请输入有效日期（年-月-日）。"


class ConsultationForm(Form):
    channel = StringField(
        "发布渠道", default="镇人民政府门户网站", validators=[DataRequired("请填写发布渠道。"), Length(max=100)]
    )
    url = URLField("网址", validators=[Optional(), Length(max=500, message="网址过长。")])
    start_on = DateField("开始日期", validators=[InputRequired(DATE_MSG)])
    end_on = DateField("结束日期", validators=[InputRequired(DATE_MSG)])
    short_reason = TextAreaField("期限少于规定天数的理由", validators=[Optional(), Length(max=1000)])
    summary = TextAreaField("征求意见情况说明", validators=[Optional(), Length(max=3000)])
    dates_confirmed = BooleanField("日期无误（开始日期在一年以后时勾选）")

    def validate_end_on(self, field):
        if self.start_on.data and field.data and field.data < self.start_on.data:
            raise ValidationError("结束日期不能早于开始日期。")


class CloseConsultationForm(Form):
    closed_on = DateField("实际结束日期", validators=[InputRequired(DATE_MSG)])
    reason = TextAreaField("提前结束的理由（早于原定结束日期时必填）", validators=[Optional(), Length(max=1000)])


class CommentForm(Form):
    commenter = StringField("意见人", validators=[Optional(), Length(max=100)])
    content = TextAreaField("意见内容", validators=[DataRequired("请填写意见内容。"), Length(max=3000)])
    received_on = DateField("收到日期", validators=[Optional()])
    disposition = SelectField("处理情况", choices=options(Disposition.choices()))
    reason = TextAreaField("理由", validators=[Optional(), Length(max=3000)])


class ProcedureForm(Form):
    kind = HiddenField()
    applicable = BooleanField("适用")
    conclusion = TextAreaField("结论", validators=[Optional(), Length(max=3000)])
    record = FileField("记录文件（可选）")


class SubmitForm(Form):
    received_on = DateField("司法所收件日期", validators=[InputRequired(DATE_MSG)])


class AcceptForm(Form):
    reviewer_id = SelectField("审查人", coerce=int)


class ReturnForm(Form):
    note = TextAreaField("退回理由（缺少哪些材料）", validators=[DataRequired("请填写退回理由。"), Length(max=2000)])


class ExtendForm(Form):
    # The upper limit is the rule set's (review_extension): the view shows it, the service enforces it.
    days = IntegerField(
        "延长工作日数",
        validators=[InputRequired("请填写延长天数。"), NumberRange(min=1, message="延长天数至少 1 个工作日。")],
    )
    reason = TextAreaField("延长理由", validators=[DataRequired("延长审查期限须书面说明理由。"), Length(max=1000)])


class PointsForm(Form):
    version_id = HiddenField()


for _point in ReviewPoint:
    setattr(
        PointsForm,
        f"result_{_point.value}",
        SelectField(
            _point.label,
            choices=options([("", "—请选择—"), *PointResult.choices()]),
            validators=[DataRequired(f"请对“{_point.label}”作出判断。")],
        ),
    )
    setattr(PointsForm, f"note_{_point.value}", TextAreaField("说明", validators=[Optional(), Length(max=3000)]))


class FindingForm(Form):
    # The clause chosen in the text panel (its key in the version under review) and the flag it came from.
    unit_key = HiddenField(validators=[Optional(), Length(max=40)])
    flag_id = HiddenField(validators=[Optional(), Length(max=20)])
    clause = StringField("条款（如 第五条第二款）", validators=[Optional(), Length(max=100)])
    problem = TextAreaField("存在的问题", validators=[DataRequired("请填写存在的问题。"), Length(max=3000)])
    legal_basis = TextAreaField("法律依据", validators=[Optional(), Length(max=3000)])
    suggestion = TextAreaField("修改建议", validators=[Optional(), Length(max=3000)])


class DismissFlagForm(Form):
    reason = TextAreaField(
        "排除理由",
        validators=[DataRequired("排除预检提示须写明理由。"), Length(max=1000, message="排除理由不超过 1000 字。")],
    )


class ConcludeForm(Form):
    # Starts on “—请选择—”: a reviewer who forgets to choose issues nothing, least of all a passing opinion.
    conclusion_id = SelectField("审查结论", coerce=int)
    addressee = StringField("主送单位", validators=[Optional(), Length(max=100)])
    summary = TextAreaField("审查意见综述（暂缓出台、不同意出台须写明理由）", validators=[Optional(), Length(max=3000)])

    def validate_conclusion_id(self, field):
        if not field.data:
            raise ValidationError("请选择审查结论。")


class AnswerForm(Form):
    response = SelectField("答复", choices=options(FindingResponse.choices()))
    reason = TextAreaField("理由", validators=[Optional(), Length(max=3000)])


class DeliberationForm(Form):
    meeting_name = StringField(
        "会议名称", default="镇政府常务会议", validators=[DataRequired("请填写会议名称。"), Length(max=100)]
    )
    held_on = DateField("会议日期", validators=[InputRequired(DATE_MSG)])
    decision = SelectField("审议结果", choices=options(DeliberationDecision.choices()))
    note = TextAreaField("会议意见", validators=[Optional(), Length(max=2000)])
    minutes = FileField("会议纪要（可选）")
