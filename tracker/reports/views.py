"""Annual statistics: figures with links to the records behind them, exports."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.documents.queries import visible_filter
from tracker.extensions import db
from tracker.reports import stats as stats_module
from tracker.reports.export import annual_xlsx

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _year() -> int:
    year = request.args.get("year", type=int) or office_today(now_utc()).year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@bp.before_request
def require_reports():
    if not may(current_user, "reports.view"):
        abort(403)


@bp.get("/annual")
def annual():
    year = _year()
    stats = stats_module.annual(year)
    return render_template(
        "reports/annual.html",
        stats=stats,
        year=year,
        paragraph=stats_module.paragraph(stats, current_app.config["TOWN_NAME"]),
    )


@bp.get("/annual/<int:year>/records/<key>")
def records(year: int, key: str):
    stats = stats_module.annual(year)
    part = request.args.get("part", "numerator")
    if key in stats.rates:
        rate = stats.rates[key]
        ids, label = (
            (rate.numerator_ids, f"{rate.label}（分子）")
            if part == "numerator"
            else (rate.denominator_ids, f"{rate.label}（分母）")
        )
    elif key in stats.figures:
        ids, label = stats.figures[key].document_ids, stats.figures[key].label
    else:
        abort(404)
    docs = db.session.scalars(
        sa.select(Document).where(Document.id.in_(ids or [0]), visible_filter(current_user)).order_by(Document.id)
    ).all()
    return render_template("reports/records.html", year=year, label=label, docs=docs, total=len(ids))


@bp.get("/annual/<int:year>.xlsx")
def annual_export(year: int):
    data = annual_xlsx(stats_module.annual(year), current_app.config["TOWN_NAME"])
    name = quote(f"{year}年度规范性文件统计.xlsx")
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"statistics.xlsx\"; filename*=UTF-8''{name}"},
    )
