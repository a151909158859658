"""GET-only JSON endpoints: documents, deadlines, statistics, and the OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask_login import current_user

from tracker.alerts.queries import days_left_of, document_deadlines
from tracker.alerts.reminders import alerts_for
from tracker.api import queries
from tracker.api.spec import SPEC
from tracker.auth.permissions import may
from tracker.common.inputs import MAX_ID, bounded_int
from tracker.common.stamp import remembered
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.documents.queries import visibility_key
from tracker.documents.states import DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication, current_publications
from tracker.reports.stats import annual

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _town_people_only():
    """A town's records for a town's people: the city's bureau reviewer has none here (deny by default)."""
    if current_user.is_authenticated and not may(current_user, "document.view"):
        abort(403)


MAX_PAGE = 200


def _doc_json(doc: Document, pub: Publication | None, *, full: bool = False) -> dict:
    """One document with its current publication (a list reads those for the whole page in one query)."""
    data = {
        "id": doc.id,
        "title": doc.title,
        "status": doc.status.value,
        "status_label": doc.status.label,
        "filing_status": doc.filing_status.value,
        "kind": doc.kind.value,
        "issuer": doc.issuer.name,
        "drafting_unit": doc.drafting_unit.name,
        "issue_number": pub.issue_number if pub else None,
        "normative_number": pub.normative_number if pub else None,
        "published_on": pub.published_on.isoformat() if pub and pub.published_on else None,
        "effective_on": pub.effective_on.isoformat() if pub and pub.effective_on else None,
        "validity_end_on": pub.validity_end_on.isoformat() if pub and pub.validity_end_on else None,
        "ended_on": doc.ended_on.isoformat() if doc.ended_on else None,
    }
    if full:
        data["summary"] = doc.summary
        data["deadlines"] = [
            {
                "label": d.label,
                "due_on": d.due_on.isoformat(),
                "days_left": d.days_left,
                "days_counted": d.days_counted,
                "rule": d.rule_text,
                "provisional": d.provisional,
            }
            for d in document_deadlines(doc, today=office_today(now_utc()))
        ]
    return data


@bp.get("/documents")
def documents():
    page = bounded_int(request.args.get("page"), low=-MAX_ID)
    page = 1 if page is None else max(page, 1)
    per_page = bounded_int(request.args.get("per_page"), low=-MAX_ID)
    per_page = 50 if per_page is None else min(max(per_page, 1), MAX_PAGE)
    status = request.args.get("status")
    try:
        wanted = DocStatus(status) if status else None
    except ValueError:
        return jsonify(error=f"未知状态：{status}"), 400
    user = current_user._get_current_object()

    def listing() -> str:
        total, docs = queries.documents_page(user, status=wanted, page=page, per_page=per_page)
        pubs = current_publications(d.id for d in docs)
        items = [_doc_json(d, pubs.get(d.id)) for d in docs]
        return jsonify(page=page, per_page=per_page, total=total, items=items).get_data(as_text=True)

    # Records only (no day, no request): remembered per page and view of the records until the next write.
    body = remembered(("api.documents", wanted, page, per_page, visibility_key(user)), listing)
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/documents/<int:doc_id>")
def document(doc_id: int):
    doc = db.session.get(Document, doc_id)
    if doc is None:
        return jsonify(error="文件不存在。"), 404
    if not may(current_user, "document.view", doc):
        return jsonify(error="无权查看该文件。"), 403
    return jsonify(_doc_json(doc, current_publication(doc), full=True))


@bp.get("/deadlines")
def deadlines():

    alerts = alerts_for(current_user)
    left = days_left_of(alerts, today=office_today(now_utc()))
    return jsonify(
        items=[
            {
                "kind": a.kind.value,
                "kind_label": a.kind.label,
                "level": a.level.value,
                "due_on": a.due_on.isoformat(),
                "days_left": left[a.id].days,
                "days_counted": "working_days" if left[a.id].working_days else "calendar_days",
                "provisional": a.provisional,
                "message": a.message,
                "document_id": a.document_id,
            }
            for a in alerts
        ]
    )


@bp.get("/statistics/<int:year>")
def statistics(year: int):

    if not may(current_user, "reports.view"):
        return jsonify(error="无权查看统计。"), 403
    if not 2000 <= year <= 2100:
        abort(404)
    stats = annual(year)
    return jsonify(
        year=year,
        rates={
            k: {"label": r.label, "numerator": r.numerator, "denominator": r.denominator, "percent": r.percent}
            for k, r in stats.rates.items()
        },
        figures={k: {"label": f.label, "value": f.value, "breakdown": f.breakdown} for k, f in stats.figures.items()},
    )


@bp.get("/openapi.json")
def openapi():

    return jsonify(SPEC)
