"""The city's pages, for its justice bureau's reviewer and its leaders (permission "city"): every town's annual
rates side by side with what is overdue where, the same as a workbook, the documents in force across the city, and
the clean-ups the city deploys to its towns with each town's progress (deployed by the bureau).

The people of the city read here as the city (the user loader enters the city's scope on this blueprint): every
town of the city, nothing of another city's.
"""

from __future__ import annotations

import dataclasses
import io

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth import towns
from tracker.auth.permissions import may
from tracker.city import export
from tracker.city import word as city_word
from tracker.city.figures import OVERDUE_LABELS, RATES, city_figures
from tracker.city.forms import CityCampaignForm
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignKind, CityCampaign
from tracker.common.downloads import attachment
from tracker.common.inputs import year_asked
from tracker.common.timeutil import now_utc, office_today
from tracker.common.urls import library_enabled
from tracker.common.views import attempt, notify, refusal_page, validated
from tracker.common.xlsx import XLSX_MIMETYPE
from tracker.extensions import db
from tracker.files.uploads import DOCX_TYPE
from tracker.public import queries as library

bp = Blueprint("city", __name__, url_prefix="/city")

PER_PAGE = 30


@bp.before_request
def require_city():
    if not may(current_user, "city"):
        abort(403)


@bp.get("/")
def index():
    today = office_today(now_utc())
    figures = city_figures(current_user.town_id, year=year_asked(today.year), today=today)
    return render_template(
        "city/index.html",
        year=figures.year,
        rows=figures.rows,
        total=figures.total,
        rates=RATES,
        labels=figures.rate_labels,
        overdue_labels=OVERDUE_LABELS,
        today=today,
    )


@bp.get("/statistics.docx")
def statistics_docx():
    """The city's annual statistics as a Word section (rendered on request, like the workbook)."""
    now = now_utc()
    today = office_today(now)
    figures = city_figures(current_user.town_id, year=year_asked(today.year), today=today)
    with attempt() as done:  # an office-edited template that no longer renders is refused with its reason
        rendered = city_word.render_city_statistics(figures, city=current_user.town.name, now=now)
    if not done:
        return redirect(url_for("city.index", year=figures.year))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)


@bp.get("/statistics.xlsx")
def statistics_export():
    today = office_today(now_utc())
    figures = city_figures(current_user.town_id, year=year_asked(today.year), today=today)
    city = current_user.town.name
    return Response(
        export.statistics_xlsx(figures, city=city),
        mimetype=XLSX_MIMETYPE,
        headers={
            "Content-Disposition": attachment(f"{city}{figures.year}年度各镇街统计.xlsx", "city-statistics.xlsx"),
            "Cache-Control": "no-store",
        },
    )


EVERY_STATE = "all"


def _documents_query(today):
    """The catalogue's search from the URL: in force unless another state, or every state (state=all), is asked."""
    args = request.args.copy()
    every = args.get("state") == EVERY_STATE
    if every:
        args.pop("state")
    lq, errors = library.LibraryQuery.from_args(args, today=today)
    if lq.state is None and not every:
        lq = dataclasses.replace(lq, state=library.IN_FORCE)
    return lq, errors


def args_of(lq: library.LibraryQuery, **change) -> dict:
    """The URL arguments of a search of the catalogue (every state is said, the default being in force)."""
    return {"state": EVERY_STATE, **lq.args(**change)}


@bp.get("/documents")
def documents():
    """The published documents of every town of the city: in force by default, searchable like the register."""
    today = office_today(now_utc())
    lq, errors = _documents_query(today)
    page = library.library_page(lq, today=today, per_page=PER_PAGE)
    city_towns = towns.towns_of_city(current_user.town_id)
    return render_template(
        "city/documents.html",
        lq=lq,
        errors=errors,
        page=page,
        states=library.STATES,
        towns=[(t.id, t.name) for t in city_towns],
        town_names={t.id: t.name for t in city_towns},
        years=library.filter_years(today),
        public_pages=library_enabled(),
        args_of=args_of,
        every_state=EVERY_STATE,
    )


@bp.get("/documents.xlsx")
def documents_export():
    today = office_today(now_utc())
    lq, _errors = _documents_query(today)
    stem = f"{current_user.town.name}{lq.state.label if lq.state else '已发布'}行政规范性文件目录"
    return export.documents_response(
        library.library_rows(lq, today=today),
        town_names={t.id: t.name for t in towns.towns_of_city(current_user.town_id)},
        stem=stem,
        today=today,
    )


# --- the city's clean-ups ----------------------------------------------------------------------------------------


@bp.get("/campaigns")
def campaigns():
    """The clean-ups the city deployed, each with how many towns have published their results; the bureau's form."""
    today = office_today(now_utc())
    form = CityCampaignForm()
    if not form.is_submitted():
        form.cutoff_on.data = today  # the completion date is the city's notice's: no default
    deployed = list(db.session.scalars(sa.select(CityCampaign).order_by(CityCampaign.id.desc())))
    progress = cleanup.city_progress_of(deployed)
    return render_template(
        "city/campaigns.html",
        deployed=[(c, progress[c.id]) for c in deployed],
        form=form,
        can_open=may(current_user, "bureau"),
        today=today,
    )


@bp.post("/campaigns/new")
def open_campaign():
    if not may(current_user, "bureau"):
        abort(403)
    refusal_page("city.campaigns", where="open-campaign")
    form = validated(CityCampaignForm())
    city, left_out = cleanup.open_city_campaign(
        actor=current_user,
        now=now_utc(),
        name=form.name.data,
        kind=CampaignKind(form.kind.data),
        notice_ref=form.notice_ref.data,
        cutoff_on=form.cutoff_on.data,
        due_on=form.due_on.data,
    )
    notify(f"已向各镇街部署“{city.name}”，截止 {city.cutoff_on.isoformat()}。")
    for town, why in left_out:
        notify(f"{town.name}未发起：{why}", "warning")
    return redirect(url_for("city.campaign", city_campaign_id=city.id))


@bp.get("/campaigns/<int:city_campaign_id>")
def campaign(city_campaign_id: int):
    """One clean-up of the city: each town's campaign, its phase, its documents proposed and reviewed."""
    city = db.get_or_404(CityCampaign, city_campaign_id)
    return render_template(
        "city/campaign.html", city=city, rows=cleanup.city_progress(city), today=office_today(now_utc())
    )
