"""The administrator's 编号规则 page: the number patterns, each issuer's series, and a preview of the next numbers."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth import towns
from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.common.inputs import bounded_int
from tracker.common.numbering import format_number, series_of_pattern
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt
from tracker.extensions import db
from tracker.publication import series
from tracker.rules.ruleset import get_setting

bp = Blueprint("numbering", __name__, url_prefix="/numbering")

DEFAULT_KEYS = ("opinion_number_pattern", "issue_number_pattern", "normative_number_pattern")


@bp.before_request
def require_admin():
    if not may(current_user, "admin"):
        abort(403)


def _preview(pattern: str, prefix: str, year: int) -> str:
    """What a pattern gives for the first number of the year, or why it cannot be used."""
    if series_of_pattern(pattern, prefix) is None:
        return "（格式不可用）"
    return format_number(pattern, year=year, seq=1, prefix=prefix)


@bp.get("/")
def page():
    """The patterns in force; ?opinion_number_pattern=… previews typed patterns without saving anything."""
    year = office_today(now_utc()).year
    proposed = {key: (request.args.get(key) or "").strip() or get_setting(key) for key in DEFAULT_KEYS}
    rows = []
    typed_unit = bounded_int(request.args.get("unit"))
    for unit, row in series.issuers_and_patterns():
        prefix = unit.number_prefix or ""
        if typed_unit == unit.id:  # a refused save: show what was typed
            own_issue, own_normative = request.args.get("issue_pattern", ""), request.args.get("normative_pattern", "")
        else:
            own_issue, own_normative = (row.issue_pattern or "", row.normative_pattern or "") if row else ("", "")
        issue = own_issue.strip() or proposed["issue_number_pattern"]
        normative = own_normative.strip() or proposed["normative_number_pattern"]
        next_numbers, problem = series.previews(unit, year)
        if problem:
            next_numbers = {series.ISSUE: problem, series.NORMATIVE: ""}
        rows.append(
            {
                "unit": unit,
                "issue_pattern": own_issue,
                "normative_pattern": own_normative,
                "issue_example": _preview(issue, prefix, year) if prefix else "（未设发文代字）",
                "normative_example": _preview(normative, prefix, year) if prefix else "（未设发文代字）",
                "next": next_numbers,
            }
        )
    return render_template(
        "publication/numbering.html",
        year=year,
        proposed=proposed,
        previewing=any(request.args.get(k) for k in DEFAULT_KEYS),
        opinion_example=_preview(proposed["opinion_number_pattern"], "", year),
        rows=rows,
    )


@bp.post("/defaults")
def save_defaults():
    patterns = {key: request.form.get(key, "") for key in DEFAULT_KEYS}
    with attempt("编号格式已保存。") as done:
        series.save_default_patterns(actor=current_user, now=now_utc(), patterns=patterns)
    if done:
        return redirect(url_for("numbering.page"))
    return redirect(url_for("numbering.page", **patterns))  # refused: the page shows what was typed


@bp.post("/units/<int:unit_id>")
def save_unit(unit_id: int):
    unit = towns.own_or_404(db.get_or_404(Unit, unit_id), current_user)
    typed = {key: request.form.get(key, "") for key in ("issue_pattern", "normative_pattern")}
    with attempt(f"“{unit.name}”的编号格式已保存。") as done:
        series.save_unit_patterns(unit, actor=current_user, now=now_utc(), **typed)
    if done:
        return redirect(url_for("numbering.page", _anchor=f"unit-{unit.id}"))
    return redirect(url_for("numbering.page", unit=unit.id, _anchor=f"unit-{unit.id}", **typed))
