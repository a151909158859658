"""The administrator's 预检规则 page: every rule with its switch, the office's own rules added, edited and deleted
(docs/precheck.md「管理员修改规则」).

Pages answer GET, actions POST; an action's refusal is said beside its form on the page that holds it, with what
was typed kept (common/views.py refusal_page).
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.forms import expected_version
from tracker.common.timeutil import now_utc
from tracker.common.views import notify, refusal_page, validated
from tracker.errors import ValidationFailed
from tracker.review import precheck_rules as rules
from tracker.review.precheck_forms import EditPrecheckRuleForm, NewPrecheckRuleForm, PrecheckRuleForm

bp = Blueprint("precheck_rules", __name__, url_prefix="/admin/precheck-rules")


@bp.before_request
def require_admin():
    if not may(current_user, "install"):
        abort(403)


def _beside(code: str) -> str | None:
    """Where the index page says an action's refusal: beside the rule's row, or at the top for no such rule."""
    return f"rule-{code}" if rules.exists(code) else None


@bp.get("/")
def index():
    return render_template(
        "review/precheck_rules.html",
        entries=rules.listing(),
        form=NewPrecheckRuleForm(prefix="new"),
    )


def _typed(form: PrecheckRuleForm) -> dict:
    return {
        "point": form.point.data,
        "label": form.label.data or "",
        "explanation": form.explanation.data or "",
        "words": form.words.data or "",
        "pattern": form.pattern.data or "",
        "unless_basis": bool(form.unless_basis.data),
        "needs_private_subject": bool(form.needs_private_subject.data),
        "source": form.source.data or "",
    }


@bp.post("/add")
def add():
    refusal_page("precheck_rules.index", where="add")
    form = validated(NewPrecheckRuleForm(prefix="new"))
    code = (form.code.data or "").strip()
    rules.add_rule(code=code, **_typed(form), actor=current_user, now=now_utc())
    notify(f"已添加预检规则“{form.label.data.strip()}”，此后的预检按它查找。")
    return redirect(url_for("precheck_rules.index", _anchor=f"rule-{code}"))


@bp.post("/<code>/switch")
def switch(code: str):
    refusal_page("precheck_rules.index", where=_beside(code))
    wanted = request.form.get("active", "")
    if wanted not in ("on", "off"):
        raise ValidationFailed("请选择启用或停用。")
    active = wanted == "on"
    if rules.set_active(code, active, actor=current_user, now=now_utc()):
        notify(f"预检规则 {code} 已{'启用' if active else '停用'}。")
    return redirect(url_for("precheck_rules.index", _anchor=f"rule-{code}"))


@bp.get("/<code>/edit")
def edit(code: str):
    row = rules.own_rule(code)
    form = EditPrecheckRuleForm(obj=row)
    if request.method == "GET":
        words = rules.words_of(row.pattern)
        form.words.data, form.pattern.data = ("、".join(words), "") if words else ("", row.pattern)
        form.version_id.data = str(row.version_id)
    return render_template(
        "review/precheck_rules_edit.html", form=form, row=row, point_name=rules.point_name(row.point)
    )


@bp.post("/<code>/save")
def save(code: str):
    refusal_page("precheck_rules.edit", where="edit", code=code)
    form = validated(EditPrecheckRuleForm())
    expected = expected_version(form.version_id)
    rules.edit_rule(code, **_typed(form), expected_version=expected, actor=current_user, now=now_utc())
    notify(f"预检规则 {code} 已修改。")
    return redirect(url_for("precheck_rules.index", _anchor=f"rule-{code}"))


@bp.post("/<code>/delete")
def delete(code: str):
    refusal_page("precheck_rules.index", where=_beside(code))
    rules.delete_rule(code, actor=current_user, now=now_utc())
    notify(f"预检规则 {code} 已删除；此前据它作出的提示保留在审查记录中。")
    return redirect(url_for("precheck_rules.index"))
