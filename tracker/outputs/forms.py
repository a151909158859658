"""Forms of the Word output pages: generate buttons, template upload and restore (all CSRF-protected POSTs)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from tracker.common.forms import Form


class GenerateForm(Form):
    """A bare POST (the CSRF token is the whole form): generate an opinion or a filing report."""


class ActivateForm(Form):
    """A bare POST: make a kept template version the active one."""


class TemplateUploadForm(Form):
    file = FileField("模板文件（.docx）", validators=[FileRequired("请选择要上传的模板文件。")])
    note = StringField("版本说明", validators=[Optional(), Length(max=300, message="版本说明不超过 300 字。")])
