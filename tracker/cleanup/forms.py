"""Clean-up and evaluation forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupResult, EvaluationConclusion
from tracker.common.forms import Form, options
from tracker.documents.models import SourceState

DATE_MSG = "请输入有效日期（年-月-日）。"


class CampaignForm(Form):
    name = StringField("清理名称", validators=[DataRequired("请填写清理名称。"), Length(max=200)])
    kind = SelectField("清理类型", choices=options(CampaignKind.choices()))
    trigger = SelectField("启动原因", choices=options(CampaignTrigger.choices()))
    trigger_ref = StringField("依据（变化的上位法名称或上级文件文号）", validators=[Optional(), Length(max=200)])
    cutoff_on = DateField("清理截止日期", validators=[InputRequired(DATE_MSG)])
    subject = StringField("专项清理：所属领域（可选）", validators=[Optional(), Length(max=50)])
    issuer_id = SelectField("专项清理：发文机关（可选）", coerce=int)
    source_id = SelectField("专项清理：引用的制定依据（可选）", coerce=int)


class ProposeForm(Form):
    result = SelectField("清理意见", choices=options(CleanupResult.choices()))
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由。"), Length(max=2000)])


class ReviewItemForm(Form):
    result = SelectField("审核结果", choices=options(CleanupResult.choices()))
    note = TextAreaField("审核意见（改变起草单位意见时必填）", validators=[Optional(), Length(max=2000)])


class CampaignDeliberationForm(Form):
    meeting = StringField(
        "会议名称", default="镇政府常务会议", validators=[DataRequired("请填写会议名称。"), Length(max=100)]
    )
    held_on = DateField("会议日期", validators=[InputRequired(DATE_MSG)])


class CampaignPublishForm(Form):
    published_on = DateField("公布日期", validators=[InputRequired(DATE_MSG)])
    notice_number = StringField("通知文号（留空则按镇政府发文字号自动编号）", validators=[Optional(), Length(max=60)])
    url = URLField("公布网址", validators=[DataRequired("请填写公布网址。"), Length(max=500)])


class SourceChangeForm(Form):
    state = SelectField(
        "变化", choices=options([(s.value, s.label) for s in SourceState if s is not SourceState.IN_FORCE])
    )
    changed_on = DateField("变化日期", validators=[InputRequired(DATE_MSG)])


class EvaluationForm(Form):
    conclusion = SelectField("评估结论", choices=options(EvaluationConclusion.choices()))
    reason = TextAreaField("理由", validators=[DataRequired("请填写理由。"), Length(max=3000)])
    report = FileField("评估报告")


class EvaluationReviewForm(Form):
    decision = RadioField("审核", choices=options([("agree", "同意"), ("return", "退回修改")]), default="agree")
    note = TextAreaField("审核意见", validators=[Optional(), Length(max=2000)])


class RenewForm(Form):
    signed_on = DateField("签发日期", validators=[InputRequired(DATE_MSG)])
    published_on = DateField("重新发布日期", validators=[InputRequired(DATE_MSG)])
    url = URLField("发布网址", validators=[DataRequired("请填写发布网址。"), Length(max=500)])
    validity_mode = RadioField(
        "有效期",
        choices=options([("default", "按规则默认"), ("custom", "指定截止日期"), ("none", "不设有效期")]),
        default="default",
    )
    validity_end_on = DateField("有效期截止日期", validators=[Optional()])
    validity_reason = TextAreaField("有效期与默认不同的理由", validators=[Optional(), Length(max=1000)])
