"""Login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from tracker.auth import services, throttle
from tracker.auth.forms import ChangePasswordForm, DisplayModeForm, LoginForm
from tracker.auth.models import DisplayMode
from tracker.auth.throttle import LoginThrottled
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt, notify

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.username.data, form.password.data, address=request.remote_addr, now=now_utc()
            )
        except LoginThrottled as exc:
            # Refused before any check: nothing to record (the request wrapper rolls back a 4xx answer).
            flash(exc.message, "danger")
            return render_template("auth/login.html", form=form), exc.status_code
        # A failed attempt is recorded either way (the request wrapper commits it).
        if user is None:
            flash("用户名或密码不正确，或账号已停用。", "danger")
        else:
            login_user(user)
            return redirect(safe_next(form.next.data) or url_for("main.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.log_out(current_user._get_current_object(), now=now_utc())
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The user's own password; this session goes on, every other session of the user ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            throttle.check(user.username, request.remote_addr, now=now_utc())
        except LoginThrottled as exc:
            flash(exc.message, "danger")
            return render_template("auth/password.html", form=form), exc.status_code
        with attempt() as done:
            refused = services.change_password(
                user,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                address=request.remote_addr,
                now=now_utc(),
            )
        if done and refused:
            flash(refused, "danger")  # the recorded failure stays: the login throttle counts it
        elif done:
            login_user(user)  # stamp this session with the new session version
            notify("密码已修改。在其他电脑或浏览器上的登录已全部退出。")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.post("/display-mode")
@login_required
def display_mode():
    """长者模式 on or off for this person, remembered with the account; back to the page it was switched on."""
    form = DisplayModeForm()
    if not form.validate_on_submit():
        abort(400)
    mode = DisplayMode(form.mode.data)
    services.set_display_mode(current_user, mode)
    notify(f"已切换为{mode.label}。")
    referrer = urlsplit(request.referrer or "")._replace(scheme="", netloc="").geturl()
    return redirect(safe_next(form.next.data) or safe_next(referrer) or url_for("main.index"))
