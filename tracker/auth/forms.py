"""Login and user/unit administration forms."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from tracker.auth.models import DisplayMode, Role, UnitKind
from tracker.auth.passwords import password_problem
from tracker.common.forms import Form, options


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=200)])
    next = HiddenField()


class ChangePasswordForm(Form):
    # The rule itself (length, common, username, runs) is checked by the service, which knows the username.
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。"), Length(max=200)])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码。"), Length(max=200)])
    confirm = PasswordField(
        "再次输入新密码",
        validators=[DataRequired("请再次输入新密码。"), EqualTo("new_password", message="两次输入的新密码不一致。")],
    )


class DisplayModeForm(Form):
    mode = SelectField(choices=options(DisplayMode.choices()))
    next = HiddenField()


def _strong_password(form, field):
    value = field.data or ""
    if not value:
        return
    problem = password_problem(value, username=form.username.data)
    if problem:
        raise ValidationError(problem)


class UserForm(Form):
    username = StringField(
        "用户名",
        validators=[
            DataRequired("请输入用户名。"),
            Length(max=50, message="用户名不超过 50 个字符。"),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含字母、数字、下划线、点和连字符。"),
        ],
    )
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名。"), Length(max=50)])
    role = SelectField("角色", choices=options(Role.choices()))
    unit_id = SelectField("所在单位", coerce=int)
    # A plain pattern, not wtforms' Email(): that one needs the email_validator package, which is not installed.
    email = StringField(
        "电子邮箱",
        validators=[Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="邮箱格式不正确。"), Length(max=120)],
    )
    phone = StringField("电话", validators=[Optional(), Length(max=30)])
    active = BooleanField("启用", default=True)
    password = PasswordField("密码（新建必填；修改时留空表示不变）", validators=[Optional(), _strong_password])
    version_id = HiddenField()


class UnitForm(Form):
    name = StringField("单位名称", validators=[DataRequired("请输入单位名称。"), Length(max=100)])
    short_name = StringField("简称", validators=[Optional(), Length(max=30)])
    kind = SelectField("类型", choices=options(UnitKind.choices()))
    can_issue = BooleanField("可作为发文机关")
    can_draft = BooleanField("可作为起草单位")
    number_prefix = StringField("发文代字（如 沙府、沙府办）", validators=[Optional(), Length(max=20)])
    active = BooleanField("启用", default=True)
