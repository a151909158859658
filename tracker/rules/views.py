"""The rule set (every time limit with its source) and the working-day calendar's official schedules."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from tracker.auth.models import TownKind
from tracker.auth.permissions import may
from tracker.common.forms import expected_version
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, notify, posted
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.rules import services
from tracker.rules.calendar import ScheduleError, parse_schedule_csv
from tracker.rules.forms import RuleForm, ScheduleForm, TownRuleForm
from tracker.rules.models import Confidence, DayUnit, Rule

bp = Blueprint("rules", __name__)


@bp.get("/rules/")
def rules():
    if not may(current_user, "rules.view"):
        abort(403)
    return render_template(
        "rules/rules.html",
        rules=services.rules_in_order(),
        can_edit=may(current_user, "install"),
        can_edit_town=may(current_user, "admin"),
        # The city keeps no time limits of its own: its administrator sees the install's.
        town_rules=services.town_rules(current_user.town_id) if current_user.town.kind is not TownKind.CITY else [],
        town=current_user.town,
    )


def _town_rule(code: str) -> services.TownRuleView:
    if not may(current_user, "admin"):
        abort(403)
    found = [view for view in services.town_rules(current_user.town_id) if view.rule.code == code]
    if not found:
        abort(404)
    return found[0]


@bp.route("/rules/town/<rule_code>", methods=["GET", "POST"])
def town_rule_edit(rule_code: str):
    """The town's own value of a time limit it may set (stricter than the install's)."""
    view = _town_rule(rule_code)
    form = TownRuleForm()
    if not form.is_submitted():
        form.value.data = view.own.value if view.own else view.rule.value
        form.note.data = view.own.note if view.own else ""
        form.version_id.data = str(view.own.version_id if view.own else 0)
    if form.validate_on_submit():
        with attempt("本镇街的时限已保存；此后计算的期限按本镇街的规定，已确定的期限不变。") as done:
            services.set_town_rule(
                current_user.town_id,
                rule_code,
                actor=current_user,
                now=now_utc(),
                value=form.value.data,
                note=form.note.data or "",
                expected_version=expected_version(form.version_id),
            )
        if done:
            return redirect(url_for("rules.rules"))
    return render_template("rules/town_rule_form.html", form=form, view=view, town=current_user.town)


@bp.post("/rules/town/<rule_code>/clear")
def town_rule_clear(rule_code: str):
    _town_rule(rule_code)
    with attempt("本镇街的时限已恢复为本系统的规定。"):
        services.clear_town_rule(current_user.town_id, rule_code, actor=current_user, now=now_utc())
    return redirect(url_for("rules.rules"))


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int):
    if not may(current_user, "install"):
        abort(403)
    rule = db.get_or_404(Rule, rule_id)
    form = RuleForm(obj=rule)
    if not form.is_submitted():
        form.unit.data, form.confidence.data = rule.unit.value, rule.confidence.value
        form.version_id.data = str(rule.version_id)
    if form.validate_on_submit():
        expected = expected_version(form.version_id)
        with attempt("规则已修改；此后计算的期限按新规则，已确定的期限不变。") as done:
            services.update_rule(
                rule,
                actor=current_user,
                now=now_utc(),
                expected_version=expected,
                value=form.value.data,
                unit=DayUnit(form.unit.data),
                source=form.source.data,
                confidence=Confidence(form.confidence.data),
                note=form.note.data or "",
            )
        if done:
            return redirect(url_for("rules.rules"))
    return render_template("rules/rule_form.html", form=form, rule=rule)


def _schedule_entries(form):
    """The uploaded or pasted CSV, parsed; a file that cannot be read is refused whole."""
    upload = form.file.data
    try:
        if upload and upload.filename:
            raw = upload.read(2 * 1024 * 1024 + 1)
            if len(raw) > 2 * 1024 * 1024:
                raise ScheduleError("文件过大（超过 2 MB），不像是节假日安排表。")
            text = raw.decode("utf-8-sig")
        else:
            text = form.text.data or ""
        return parse_schedule_csv(text)
    except UnicodeDecodeError:
        raise ValidationFailed("文件不是 UTF-8 编码的 CSV，整个文件未导入。") from None
    except ScheduleError as exc:
        raise ValidationFailed(f"{exc}（整个文件未导入）") from None


@bp.route("/rules/calendar", methods=["GET", "POST"])
def calendar():
    if not may(current_user, "rules.view"):
        abort(403)
    form = ScheduleForm()
    report = None
    if posted():
        if not may(current_user, "install"):
            abort(403)
        if form.validate():
            with attempt() as done:
                entries = _schedule_entries(form)
                years = {e.day.year for e in entries} if form.complete.data else set()
                report = services.import_schedule(entries, actor=current_user, now=now_utc(), complete_years=years)
            if done:
                notify("节假日安排已导入：" + report.lines()[0])
            else:
                report = None
    calendar = services.load_calendar()
    today = office_today(now_utc())
    years = range(today.year - 1, today.year + 3)
    status = [
        (
            y,
            "已导入官方安排"
            if y in {r.year for r in services.calendar_overview()["years"]}
            else ("软件包内置" if not calendar.is_provisional_year(y) else "暂定（按法定节日推算）"),
        )
        for y in years
    ]
    return render_template(
        "rules/calendar.html",
        form=form,
        overview=services.calendar_overview(),
        status=status,
        report=report,
        can_edit=may(current_user, "install"),
    )
