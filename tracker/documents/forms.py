"""The draft registration / metadata form."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.common.forms import Form, options
from tracker.documents.models import AttachmentKind, DocKind, SourceKind, TrialKind


class DocumentForm(Form):
    title = StringField(
        "文件名称", validators=[DataRequired("请输入文件名称。"), Length(max=300, message="文件名称不超过 300 字。")]
    )
    kind = SelectField("文件类别", choices=options(DocKind.choices()))
    issuer_id = SelectField("发文机关", coerce=int)
    drafting_unit_id = SelectField("起草单位", coerce=int)
    trial_kind = SelectField("暂行/试行", choices=options(TrialKind.choices()))
    subject = StringField("所属领域", validators=[Optional(), Length(max=50)])
    summary = TextAreaField("主要内容", validators=[Optional(), Length(max=5000, message="主要内容不超过 5000 字。")])
    necessity = TextAreaField("制定必要性", validators=[Optional(), Length(max=5000, message="不超过 5000 字。")])
    is_major = BooleanField("涉及重大公共利益或群众切身利益（需专家论证、风险评估）")
    affects_market = BooleanField("涉及经营者经济活动（需公平竞争审查）")
    version_id = HiddenField()


class ActionForm(Form):
    note = TextAreaField("说明", validators=[Optional(), Length(max=2000, message="说明不超过 2000 字。")])


class VersionForm(Form):
    file = FileField("草案文件（.docx）")
    note = StringField("版本说明", validators=[Optional(), Length(max=500, message="版本说明不超过 500 字。")])


class AttachmentForm(Form):
    kind = SelectField("材料类型", choices=options(AttachmentKind.choices()))
    title = StringField("材料名称（可选）", validators=[Optional(), Length(max=200)])
    file = FileField("文件")


class BasisForm(Form):
    """One 制定依据: the law, regulation or higher document, the articles, its level (used for a new title)."""

    title = StringField(
        "法律、法规或上级文件名称",
        validators=[DataRequired("请填写制定依据的名称。"), Length(max=200, message="名称不超过 200 字。")],
    )
    articles = StringField(
        "条款（如 第十四条）", validators=[Optional(), Length(max=200, message="条款不超过 200 字。")]
    )
    kind = SelectField(
        "效力级别", choices=options([("", "—按名称判断—"), *SourceKind.choices()]), validators=[Optional()]
    )


class SourceForm(Form):
    """An entry of the catalogue of laws and higher documents (法规目录)."""

    title = StringField(
        "名称", validators=[DataRequired("请填写名称。"), Length(max=200, message="名称不超过 200 字。")]
    )
    kind = SelectField("效力级别", choices=options(SourceKind.choices()))
    issuing_body = StringField("制定机关", validators=[Optional(), Length(max=100)])
    number = StringField("文号（如 国务院令第722号）", validators=[Optional(), Length(max=100)])
    promulgated_on = DateField("公布日期", validators=[Optional()])
    effective_on = DateField("施行日期", validators=[Optional()])
    amended_on = DateField("最近修改日期", validators=[Optional()])
    repealed_on = DateField("废止日期", validators=[Optional()])
