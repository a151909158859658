"""Annual statistics: figures with links to the records behind them, exports."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.downloads import attachment
from tracker.common.inputs import year_asked
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt
from tracker.documents.queries import visible_filter
from tracker.files.uploads import DOCX_TYPE
from tracker.reports import stats as stats_module
from tracker.reports import word as reports_word
from tracker.reports.export import annual_xlsx
from tracker.word.pdf import PDF_TYPE, docx_to_pdf

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _year() -> int:
    return year_asked(office_today(now_utc()).year)


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
        paragraph=stats_module.paragraph(stats, current_user.town.name),
    )


@bp.get("/annual/<int:year>/records/<key>")
def records(year: int, key: str):
    """The records behind a figure: as many rows as the figure counts (opinions, results, campaigns, replies…)."""
    stats = stats_module.annual(year)
    part = request.args.get("part", "numerator")
    if key in stats.rates:
        rate = stats.rates[key]
        ids, label = (
            (rate.numerator_ids, f"{rate.label}（分子）")
            if part == "numerator"
            else (rate.denominator_ids, f"{rate.label}（分母）")
        )
        rows = stats_module.document_records(ids, visible=visible_filter(current_user))
    elif key in stats.figures:
        label = stats.figures[key].label
        rows = stats_module.figure_records(year, key, visible=visible_filter(current_user))
    else:
        abort(404)
    return render_template("reports/records.html", year=year, label=label, rows=rows)


@bp.get("/annual/<int:year>.xlsx")
def annual_export(year: int):
    data = annual_xlsx(stats_module.annual(year), current_user.town.name)
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment(f"{year}年度规范性文件统计.xlsx", "statistics.xlsx")},
    )


@bp.get("/annual/<int:year>.docx")
def annual_docx(year: int):
    """The year's figures as a Word section of the annual report (rendered on request, like the Excel export)."""
    if not 2000 <= year <= 2100:
        abort(404)
    with attempt() as done:  # an office-edited template that no longer renders is refused with its reason
        rendered = reports_word.render_annual_statistics(year, town=current_user.town.name, now=now_utc())
    if not done:
        return redirect(url_for("reports.annual", year=year))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)


@bp.get("/annual/<int:year>.pdf")
def annual_pdf(year: int):
    """The same section as PDF (LibreOffice headless; the reason on the page when it cannot be made here)."""
    if not 2000 <= year <= 2100:
        abort(404)
    with attempt() as done:
        rendered = reports_word.render_annual_statistics(year, town=current_user.town.name, now=now_utc())
        pdf = docx_to_pdf(
            rendered.data, soffice=current_app.config.get("SOFFICE"), timeout=current_app.config.get("PDF_TIMEOUT", 120)
        )
    if not done:
        return redirect(url_for("reports.annual", year=year))
    name = rendered.filename.removesuffix(".docx") + ".pdf"
    return send_file(io.BytesIO(pdf), mimetype=PDF_TYPE, as_attachment=True, download_name=name)
