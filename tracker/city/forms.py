"""The city's forms: deploying a clean-up to every town."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from tracker.cleanup.forms import DATE_MSG
from tracker.cleanup.services import CITY_KINDS
from tracker.common.forms import Form, options


class CityCampaignForm(Form):
    name = StringField("清理名称", validators=[DataRequired("请填写清理名称。"), Length(max=200)])
    kind = SelectField("清理类型", choices=options([(k.value, k.label) for k in CITY_KINDS]))
    notice_ref = StringField(
        "部署清理的通知文号", validators=[DataRequired("请填写部署清理的通知文号。"), Length(max=200)]
    )
    cutoff_on = DateField("清理截止日期（清理这一天现行有效的文件）", validators=[InputRequired(DATE_MSG)])
    due_on = DateField("完成时限（各镇街公布清理结果）", validators=[InputRequired(DATE_MSG)])
