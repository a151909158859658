"""The rule set (every time limit with its source) and the working-day calendar's official schedules."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.deadlines import services
from tracker.deadlines.calendar import ScheduleError, parse_schedule_csv
from tracker.deadlines.forms import RuleForm, ScheduleForm
from tracker.deadlines.models import Confidence, DayUnit, Rule
from tracker.deadlines.rules import rule_name
from tracker.errors import DomainError
from tracker.extensions import db

bp = Blueprint("deadlines", __name__)
bp.add_app_template_filter(rule_name, "rule_name")


@bp.get("/rules/")
def rules():
    if not may(current_user, "rules.view"):
        abort(403)
    rows = list(db.session.scalars(sa.select(Rule).order_by(Rule.id)))
    return render_template("deadlines/rules.html", rules=rows, can_edit=may(current_user, "admin"))


@bp.route("/rules/<int:rule_id>", methods=["GET", "POST"])
def rule_edit(rule_id: int):
    if not may(current_user, "admin"):
        abort(403)
    rule = db.get_or_404(Rule, rule_id)
    form = RuleForm(obj=rule)
    if not form.is_submitted():
        form.unit.data, form.confidence.data = rule.unit.value, rule.confidence.value
        form.version_id.data = str(rule.version_id)
    if form.validate_on_submit():
        expected = int(form.version_id.data) if (form.version_id.data or "").isdigit() else None
        try:
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
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            rule = db.session.get(Rule, rule_id)
        else:
            db.session.commit()
            flash("规则已修改；此后计算的期限按新规则，已确定的期限不变。", "success")
            return redirect(url_for("deadlines.rules"))
    return render_template("deadlines/rule_form.html", form=form, rule=rule)


@bp.route("/rules/calendar", methods=["GET", "POST"])
def calendar():
    if not may(current_user, "rules.view"):
        abort(403)
    form = ScheduleForm()
    report = None
    if request.method == "POST":
        if not may(current_user, "admin"):
            abort(403)
        if form.validate():
            upload = form.file.data
            try:
                if upload and upload.filename:
                    raw = upload.read(2 * 1024 * 1024 + 1)
                    if len(raw) > 2 * 1024 * 1024:
                        raise ScheduleError("文件过大（超过 2 MB），不像是节假日安排表。")
                    text = raw.decode("utf-8-sig")
                else:
                    text = form.text.data or ""
                entries = parse_schedule_csv(text)
                report = services.import_schedule(entries, actor=current_user, now=now_utc())
            except UnicodeDecodeError:
                flash("文件不是 UTF-8 编码的 CSV，整个文件未导入。", "danger")
            except ScheduleError as exc:
                flash(f"{exc}（整个文件未导入）", "danger")
            else:
                db.session.commit()
                flash("节假日安排已导入：" + report.lines()[0], "success")
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
        "deadlines/calendar.html",
        form=form,
        overview=services.calendar_overview(),
        status=status,
        report=report,
        can_edit=may(current_user, "admin"),
    )


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The user's own deadline feed address (.ics), to subscribe in a calendar program; revocable."""
    import sqlalchemy as sa

    from tracker.api import services as api_services
    from tracker.api.models import ApiToken
    from tracker.deadlines import feeds

    new_token = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "api_create":
            try:
                new_token = api_services.create_token(
                    current_user, actor=current_user, now=now_utc(), name=request.form.get("name", "")
                )
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                db.session.commit()
                flash("接口令牌已创建。令牌只显示这一次，请立即复制保存。", "warning")
        elif action == "api_revoke":
            row = db.get_or_404(ApiToken, request.form.get("token_id", type=int) or 0)
            try:
                api_services.revoke_token(row, actor=current_user, now=now_utc())
            except DomainError as exc:
                db.session.rollback()
                abort(403, exc.message)
            db.session.commit()
            flash("接口令牌已停用。", "success")
            return redirect(url_for("deadlines.account"))
        elif action == "rotate":
            feeds.rotate_token(current_user, actor=current_user, now=now_utc())
            flash("已生成新的订阅地址，原地址即时失效。", "success")
        elif action == "revoke":
            feeds.revoke_token(current_user, actor=current_user, now=now_utc())
            flash("已停用订阅地址。", "success")
        else:
            abort(400)
        if action in ("rotate", "revoke"):
            db.session.commit()
            return redirect(url_for("deadlines.account"))
    feed_url = (
        url_for("deadlines.ical_feed", token=current_user.ical_token, _external=True)
        if current_user.ical_token
        else None
    )
    tokens = db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("deadlines/account.html", feed_url=feed_url, tokens=tokens, new_token=new_token)


@bp.get("/ical/<token>.ics")
def ical_feed(token: str):
    """Public by design: the unguessable token is the credential (calendar programs cannot log in)."""
    from flask import Response

    from tracker.deadlines import feeds

    user = feeds.user_by_token(token)
    if user is None:
        abort(404)
    return Response(
        feeds.feed(user, now=now_utc()),
        mimetype="text/calendar",
        headers={"Content-Disposition": "inline; filename=deadlines.ics", "Cache-Control": "no-store"},
    )
