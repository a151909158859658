"""The public library at /public/: published documents, their full text and interpretation, search and a feed.

No login (tracker/__init__.py lets this blueprint past deny-by-default); nothing here writes, and no page links
outside /public/ except to the static files.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import PurePath

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file

from tracker.auth import towns
from tracker.common.downloads import attachment as disposition
from tracker.common.readcache import once_per_read
from tracker.common.stamp import remembered
from tracker.common.timeutil import now_utc, office_today, office_tz
from tracker.common.urls import library_enabled, public_address, public_base
from tracker.documents.models import AttachmentKind
from tracker.files.storage import path_of
from tracker.public import queries

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.app_template_global("library_owner")
def owner() -> str:
    """Whose library it is: the town's, or the city's when the install serves several towns (its error pages too)."""
    return once_per_read("library_owner", lambda: towns.library_owner(current_app.config["TOWN_NAME"]))


PER_PAGE = 20


@bp.before_request
def library_switched_on():
    if not library_enabled():
        abort(404)


# The library's pages show nothing but published records and today's date: each is rendered once per address and
# day and remembered under the records' stamps (common/stamp.py; outside a town's scope: every town's), so a write
# anywhere renders it again.


@bp.get("/")
def index():
    today = office_today(now_utc())

    def page() -> str:
        lq, errors = queries.LibraryQuery.from_args(request.args, today=today)
        return render_template(
            "public/index.html",
            lq=lq,
            errors=errors,
            page=queries.library_page(lq, today=today, per_page=PER_PAGE),
            states=queries.STATES,
            issuers=queries.issuers(today),
            towns=queries.towns(today),
            years=queries.filter_years(today),
        )

    return remembered(("public.index", tuple(request.args.items(multi=True)), today), page)


@bp.get("/documents/<int:doc_id>")
def show(doc_id: int):
    today = office_today(now_utc())

    def page() -> str | None:
        found = queries.public_document(doc_id, today)
        if found is None:
            return None
        doc, pub = found
        files = queries.public_files(doc)
        return render_template(
            "public/show.html",
            doc=doc,
            pub=pub,
            state=queries.states_of([(doc, pub)], today)[doc.id],
            relations=queries.relations(doc, today),
            decisions=queries.cleanup_decisions(doc),
            files=files,
            text=queries.full_text(files, doc, AttachmentKind.OFFICIAL_TEXT),
            interpretation=queries.full_text(files, doc, AttachmentKind.INTERPRETATION),
        )

    html = remembered(("public.show", doc_id, today), page)
    if html is None:
        abort(404)  # a draft or an unpublished document is not said to exist
    return html


@bp.get("/documents/<int:doc_id>/files/<int:attachment_id>/download")
def download(doc_id: int, attachment_id: int):
    today = office_today(now_utc())
    found = queries.public_document(doc_id, today)
    chosen = queries.public_file(found[0], attachment_id) if found is not None else None
    if chosen is None:
        abort(404)
    response = send_file(path_of(chosen.file), mimetype=chosen.file.content_type)
    response.headers["Content-Disposition"] = disposition(
        chosen.file.original_name, f"file-{chosen.id}{PurePath(chosen.file.original_name).suffix}"
    )
    return response


@bp.get("/feed.atom")
def feed():
    today = office_today(now_utc())
    entries = queries.feed_entries(today)
    xml = render_template(
        "public/feed.xml",
        entries=entries,
        base=public_base(),
        address=public_address,
        town=towns.library_owner(current_app.config["TOWN_NAME"]),
        updated=lambda day: datetime.combine(day, time(), tzinfo=office_tz()).isoformat(),
        today=today,
    )
    return Response(xml, mimetype="application/atom+xml")
