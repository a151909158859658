"""The user's own deadline feed (.ics) and API tokens, and the feed itself."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.alerts import feeds
from tracker.auth import tokens as api_services
from tracker.auth import towns
from tracker.auth.api_tokens import ApiToken
from tracker.auth.queries import tokens_of
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt, notify
from tracker.extensions import db

bp = Blueprint("alerts", __name__)


@bp.route("/account", methods=["GET", "POST"])
def account():
    """The user's own deadline feed address (.ics), to subscribe in a calendar program; revocable."""
    new_token = new_feed_url = None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "api_create":
            with attempt("接口令牌已创建。令牌只显示这一次，请立即复制保存。") as done:
                created = api_services.create_token(
                    current_user, actor=current_user, now=now_utc(), name=request.form.get("name", "")
                )
            if done:
                new_token = created
        elif action == "api_revoke":
            row = db.get_or_404(ApiToken, bounded_int(request.form.get("token_id")) or 0)
            api_services.revoke_token(row, actor=current_user, now=now_utc())
            notify("接口令牌已停用。")
            return redirect(url_for("alerts.account"))
        elif action == "rotate":
            # Only the token's hash is kept: the address is shown on this response and never again.
            token = feeds.rotate_token(current_user, actor=current_user, now=now_utc())
            new_feed_url = url_for("alerts.ical_feed", token=token, _external=True)
            notify("已生成新的订阅地址，原地址即时失效。地址只显示这一次，请立即复制到日历软件中。", "warning")
        elif action == "revoke":
            feeds.revoke_token(current_user, actor=current_user, now=now_utc())
            notify("已停用订阅地址。")
            return redirect(url_for("alerts.account"))
        else:
            abort(400)
    return render_template(
        "alerts/account.html",
        has_feed=current_user.ical_token_hash is not None,
        new_feed_url=new_feed_url,
        tokens=tokens_of(current_user),
        new_token=new_token,
    )


@bp.get("/ical/<token>.ics")
def ical_feed(token: str):
    """Public by design: the unguessable token is the credential (calendar programs cannot log in)."""
    user = feeds.user_by_token(token)
    if user is None:
        abort(404)
    towns.enter(user)  # the feed's owner's town, as a signed-in request of theirs
    return Response(
        feeds.feed(user, now=now_utc()),
        mimetype="text/calendar",
        headers={"Content-Disposition": "inline; filename=deadlines.ics", "Cache-Control": "no-store"},
    )
