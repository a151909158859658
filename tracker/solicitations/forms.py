"""Forms for drafts for comment from higher levels."""

from __future__ import annotations

from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.common.forms import Form

DATE_MSG = "请输入有效日期（年-月-日）。"


class SolicitationForm(Form):
    from_body = StringField("来文单位", validators=[DataRequired("请填写来文单位。"), Length(max=100)])
    title = StringField("征求意见稿名称", validators=[DataRequired("请填写名称。"), Length(max=300)])
    reference = StringField("来文文号", validators=[Optional(), Length(max=100)])
    received_on = DateField("收到日期", validators=[InputRequired(DATE_MSG)])
    reply_due_on = DateField("答复期限", validators=[InputRequired(DATE_MSG)])
    assignee_id = SelectField("承办人", coerce=int)

    def validate_reply_due_on(self, field):
        if self.received_on.data and field.data and field.data < self.received_on.data:
            raise ValidationError("答复期限不能早于收到日期。")


class ReplyForm(Form):
    reply_text = TextAreaField("答复意见", validators=[Optional(), Length(max=20000)])
    assignee_id = SelectField("承办人", coerce=int)
    reply_unit_id = SelectField("答复机关（落款）", coerce=int, default=0)
    version_id = HiddenField()


class SentForm(Form):
    sent_on = DateField("答复日期", validators=[InputRequired(DATE_MSG)])
    method = StringField(
        "答复方式", default="公文交换系统", validators=[DataRequired("请填写答复方式。"), Length(max=50)]
    )
    no_comment = BooleanField("无修改意见")
