"""Numbering, publication, relations and end-of-life forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.common.forms import Form, options
from tracker.documents.models import RelationKind

DATE_MSG = "请输入有效日期（年-月-日）。"


class NumberForm(Form):
    signed_on = DateField("签发日期", validators=[InputRequired(DATE_MSG)])
    signer = StringField("签发人", validators=[Optional(), Length(max=50)])
    issue_number = StringField(
        "发文字号（已在 OA 系统取号的填写；留空由本系统分配）", validators=[Optional(), Length(max=60)]
    )
    normative_number = StringField(
        "规范性文件编号（一般留空由本系统分配；仅补录系统上线前已印发的文件时填写）",
        validators=[Optional(), Length(max=60)],
    )


class PublishForm(Form):
    published_on = DateField("发布日期", validators=[InputRequired(DATE_MSG)])
    channel = StringField(
        "发布渠道", default="镇人民政府门户网站", validators=[DataRequired("请填写发布渠道。"), Length(max=100)]
    )
    url = URLField("发布网址", validators=[DataRequired("请填写发布网址。"), Length(max=500)])
    effective_on = DateField("施行日期", validators=[InputRequired(DATE_MSG)])
    early_effect_reason = TextAreaField(
        "提前施行的理由（施行日期距发布不足规定天数时必填）", validators=[Optional(), Length(max=2000)]
    )
    validity_mode = RadioField(
        "有效期",
        choices=options([("default", "按规则默认"), ("custom", "指定截止日期"), ("none", "不设有效期")]),
        default="default",
    )
    validity_end_on = DateField("有效期截止日期", validators=[Optional()])
    validity_reason = TextAreaField("有效期与默认不同的理由", validators=[Optional(), Length(max=1000)])
    official_text = FileField("正式文本（.docx 或 .pdf，已上传的可不再上传）")
    interpretation = FileField("政策解读（已上传的可不再上传）")

    def validate_effective_on(self, field):
        if self.published_on.data and field.data and field.data < self.published_on.data:
            raise ValidationError("施行日期不能早于发布日期。")


class RelationForm(Form):
    target_id = IntegerField("被修改/废止的文件", validators=[InputRequired("请选择文件。")])
    kind = SelectField("关系", choices=options(RelationKind.choices()))


class EndForm(Form):
    on = DateField("生效日期", validators=[InputRequired(DATE_MSG)])
    reason = TextAreaField("理由/依据", validators=[DataRequired("请填写理由。"), Length(max=2000)])
