"""The one request wrapper (tracker/common/views.py): commit once, refusals said on the page, a GET never writes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages, redirect, render_template_string, request
from sqlalchemy.orm.exc import StaleDataError
from wtforms import StringField
from wtforms.validators import DataRequired

from tracker.auth.models import Unit, UnitKind
from tracker.auth.towns import ensure_town
from tracker.common.forms import Form
from tracker.common.views import attempt, notify, posted, refusal_page, run_view, validated
from tracker.errors import ConcurrentEdit, InvalidTransition, ValidationFailed
from tracker.extensions import db

PAGE = "test_views.page"


class NameForm(Form):
    name = StringField("名称", validators=[DataRequired("请填写名称。")])


def _add_unit(name: str) -> Unit:
    town_id = ensure_town(city="中山市", town="测试镇", now=_now()).id
    unit = Unit(
        name=name, kind=UnitKind.DEPARTMENT, can_issue=False, can_draft=True, created_at=_now(), town_id=town_id
    )
    db.session.add(unit)
    db.session.flush()
    return unit


def _now():
    from tests.conftest import FIXED_NOW

    return FIXED_NOW


def _units() -> list[str]:
    db.session.rollback()  # only what was committed
    return list(db.session.scalars(sa.select(Unit.name).order_by(Unit.id)))


@pytest.fixture
def page(app):
    """A page holding a form, as the document page holds the forms of its actions."""

    def show():
        form = NameForm()
        return render_template_string(
            "{% for m in get_flashed_messages() %}<p class=m>{{ m }}</p>{% endfor %}"
            "<input name=name value='{{ form.name.data or '' }}'>submitted={{ submitted }}",
            form=form,
            submitted=form.is_submitted(),
        )

    app.view_functions[PAGE] = show
    yield
    del app.view_functions[PAGE]


def _post(app, view, data=None):
    with app.test_request_context("/x", method="POST", data=data or {}):
        response = run_view(view)
        return response, response.get_data(as_text=True), get_flashed_messages()


def test_a_successful_write_is_committed_once_and_announced(app, db):
    def view():
        _add_unit("甲单位")
        notify("已保存。")
        return redirect("/")

    response, _, flashed = _post(app, view)
    assert response.status_code == 302 and flashed == ["已保存。"]
    assert _units() == ["甲单位"]


def test_a_refusal_inside_attempt_is_rolled_back_and_said_on_the_same_page(app, db):
    def view():
        with attempt("已保存。") as done:
            _add_unit("乙单位")
            raise ValidationFailed("名称已被使用。")
        assert not done and done.message == "名称已被使用。"
        return f"form again: {request.form['name']}"

    response, body, flashed = _post(app, view, {"name": "乙单位"})
    assert (response.status_code, body, flashed) == (200, "form again: 乙单位", ["名称已被使用。"])
    assert _units() == []


def test_an_action_refused_is_shown_on_its_page_with_the_input_kept(app, db, page):
    def view():
        refusal_page(PAGE)
        _add_unit("丙单位")
        validated(NameForm())
        return redirect("/")

    response, body, _ = _post(app, view, {"name": ""})
    assert response.status_code == 400
    assert "<p class=m>请填写名称。</p>" in body and "submitted=False" in body
    assert _units() == []

    def conflict():
        refusal_page(PAGE)
        raise InvalidTransition("文件当前为“已发布”，不能执行“撤回”。")

    response, body, _ = _post(app, conflict, {"name": "丁单位"})
    assert response.status_code == 409
    assert "不能执行“撤回”" in body and "value='丁单位'" in body


def test_without_a_page_a_refusal_reaches_the_error_page(app, db):
    def view():
        _add_unit("戊单位")
        raise InvalidTransition("不能办理。")

    with app.test_request_context("/x", method="POST"), pytest.raises(InvalidTransition):
        run_view(view)
    assert _units() == []


def test_a_get_never_commits(app, db):
    def view():
        _add_unit("己单位")
        return "a page"

    with app.test_request_context("/x", method="GET"):
        assert run_view(view).status_code == 200
        assert not posted()
    assert _units() == []


def test_an_answer_above_400_commits_nothing(app, db):
    def view():
        _add_unit("庚单位")
        return "refused", 403

    response, _, _ = _post(app, view)
    assert response.status_code == 403 and _units() == []


def test_a_failed_commit_is_a_conflict_and_takes_its_announcement_back(app, db, monkeypatch):
    def view():
        _add_unit("辛单位")
        notify("已保存。")
        return redirect("/")

    def stale():
        raise StaleDataError("updated by someone else")

    with app.test_request_context("/x", method="POST"):
        monkeypatch.setattr(db.session, "commit", stale)
        with pytest.raises(ConcurrentEdit) as refused:
            run_view(view)
        monkeypatch.undo()
        assert "刚被他人修改" in refused.value.message
        assert get_flashed_messages() == []
    assert _units() == []
