"""The register: list, search, export, saved filters, and the document page with every module's panel."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qsl

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from tracker.alerts.queries import document_deadlines
from tracker.audit.services import document_history, history_part
from tracker.auth.permissions import may
from tracker.cleanup.queries import campaign_items_part, evaluations_part
from tracker.cleanup.queries import history_for as cleanup_history
from tracker.common.connections import reads_in_a_transaction
from tracker.common.fragments import remembered_part
from tracker.common.inputs import bounded_int
from tracker.common.stamp import remembered
from tracker.common.timeutil import now_utc, office_today
from tracker.common.together import Child, Part, read_together, rows_of
from tracker.common.urls import library_enabled
from tracker.common.views import attempt, notify, refusal_page, validated
from tracker.documents import search, services
from tracker.documents.compare import compare_paragraphs
from tracker.documents.forms import ActionForm, AttachmentForm, VersionForm
from tracker.documents.models import (
    Attachment,
    DocKind,
    Document,
    DocumentBasis,
    DocumentVersion,
    SavedFilter,
)
from tracker.documents.queries import numbering_problems, relations_of, relations_part, visibility_key
from tracker.documents.states import DocStatus
from tracker.errors import InvalidTransition
from tracker.extensions import db
from tracker.filing.queries import current_filing_part
from tracker.filing.services import filing_summary
from tracker.publication.queries import current_publication, publications_of, publications_part, publicly_visible
from tracker.publication.services import RELATION_SOURCE_STATES
from tracker.register import export, queries, word_panel
from tracker.review import queries as review_queries
from tracker.review.word import opinions_part
from tracker.word.store import outputs_part
from tracker.workflow import service as workflow

bp = Blueprint("register", __name__, url_prefix="/documents")


def page_part(doc: Document) -> Part:
    """What the document page shows of the document itself: its units and legal bases (a few rows, read in the
    document's own row), its versions with their files and uploaders, its materials with their files (the
    materials' list and the filing packet)."""
    return Part(
        ("document", doc.id),
        Document,
        Document.id == doc.id,
        options=(
            joinedload(Document.issuer),
            joinedload(Document.drafting_unit),
            joinedload(Document.bases).joinedload(DocumentBasis.source),
        ),
        children=(
            Child(Document.versions, (joinedload(DocumentVersion.file), joinedload(DocumentVersion.uploaded_by))),
            Child(Document.attachments, (joinedload(Attachment.file),)),
        ),
    )


def _load(doc_id: int, permission: str = "document.view", options=()) -> Document:
    doc = db.get_or_404(Document, doc_id, options=list(options))
    if not may(current_user, permission, doc):
        abort(403)
    return doc


def _register_query(*, flash_errors: bool = True) -> queries.RegisterQuery:
    rq = queries.RegisterQuery.from_args(request.args)
    if flash_errors:
        for message in rq.errors:
            flash(message, "warning")
    return rq


def page_parts(doc: Document) -> list[Part]:
    """Everything the document page lists, read together."""
    return [
        page_part(doc),
        *review_queries.review_parts(doc),
        publications_part(doc),
        current_filing_part(doc),
        evaluations_part(doc),
        campaign_items_part(doc),
        opinions_part(doc),
        relations_part(doc),
        history_part(doc.id),
        outputs_part(doc.id),
    ]


@bp.get("/")
def index():
    """The register: filters, sort, search with highlights, pages, the user's saved filters."""
    if not may(current_user, "document.view"):
        abort(403)
    rq = _register_query()
    today = office_today(now_utc())
    user = current_user._get_current_object()
    page_arg, per_page = request.args.get("page"), current_app.config["PER_PAGE"]

    def listing() -> tuple[queries.RegisterPage, Markup]:
        page = queries.register_page(user, rq, page_arg=page_arg, per_page=per_page, today=today)
        rows = Markup(render_template("register/_rows.html", page=page))
        return replace(page, rows=[]), rows  # the numbers and the HTML: no record outlives the request

    # The rows as HTML, remembered under the records' stamp: a write anywhere in the town renders them again, and so
    # does a new day (the deadline badges). The key names everything the rows depend on.
    page, rows_html = remembered(("register_rows", rq, page_arg, per_page, today, visibility_key(user)), listing)
    issuers, drafting_units = queries.units_for_filters()
    return render_template(
        "register/index.html",
        page=page,
        rows_html=rows_html,
        rq=rq,
        statuses=list(DocStatus),
        kinds=list(DocKind),
        issuers=issuers,
        drafting_units=drafting_units,
        saved_filters=search.saved_filters_of(current_user),
        can_create=may(current_user, "document.create"),
    )


@bp.get("/export.xlsx")
@reads_in_a_transaction  # its rows come from a server-side cursor (register_export_rows)
def export_register():
    """The register under the current filter and sort, every page, as .xlsx."""
    if not may(current_user, "document.view"):
        abort(403)
    rq = _register_query(flash_errors=False)
    today = office_today(now_utc())
    # The rows are read while the response is sent: the user object itself, not the proxy of this request.
    user = current_user._get_current_object()
    return export.register_response(queries.register_export_rows(user, rq, today=today), today=today)


@bp.post("/filters")
def save_filter():
    if not may(current_user, "document.view"):
        abort(403)
    # Only whitelisted parameters are kept: the query string is parsed and written again.
    query = queries.RegisterQuery.from_args(MultiDict(parse_qsl(request.form.get("query", "")))).query_string()
    with attempt() as done:
        saved = search.save_filter(current_user, name=request.form.get("name", ""), query=query, now=now_utc())
    if not done:
        return redirect(url_for("register.index") + (f"?{query}" if query else ""))
    notify(f"已保存筛选条件“{saved.name}”。")
    return redirect(url_for("register.index") + (f"?{saved.query}" if saved.query else ""))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != current_user.id:
        abort(404)  # another user's filters are not even said to exist
    name = saved.name
    search.delete_filter(saved)
    notify(f"已删除筛选条件“{name}”。")
    return redirect(url_for("register.index"))


@bp.get("/<int:doc_id>")
def show(doc_id: int):
    doc = _load(doc_id)
    now = now_utc()
    today = office_today(now)
    user = current_user._get_current_object()

    def context() -> dict:
        # The document with what it names, and the records every panel lists, in one statement
        # (common/together.py): each panel's own reads find them there.
        read_together(page_parts(doc))
        rows_of(page_part(doc))  # read here on its own when not read together (a refused POST shown again)
        can_edit = may(user, "document.edit", doc) and doc.status in services.EDITABLE_STATES
        return {
            "doc": doc,
            "actions": workflow.available_actions(doc, user, now=now),
            "history": document_history(doc.id),
            "action_form": ActionForm(),
            # After a refused action the page is shown again inside that POST: its note is kept in its box.
            "kept_note": {request.view_args.get("action"): request.form.get("note", "")}
            if request.method == "POST"
            else {},
            "can_edit": can_edit,
            "version_form": VersionForm() if can_edit else None,
            "numbering_problems": numbering_problems(doc.versions[-1] if doc.versions else None),
            "attachment_form": AttachmentForm() if can_edit else None,
            "review": review_queries.review_summary(doc, user, now=now),
            "publications": publications_of(doc),
            "in_public_library": library_enabled() and publicly_visible(doc, current_publication(doc), today),
            "filing": filing_summary(doc, today=today),
            "relations": relations_of(doc, user=user),
            "deadlines": document_deadlines(doc, today=today),
            "can_office": may(user, "office", doc),
            "cleanup": cleanup_history(doc),
            "word_outputs_data": word_panel.document_outputs(doc, user),
            "can_relate": doc.status in RELATION_SOURCE_STATES
            and (may(user, "document.edit", doc) or may(user, "office", doc)),
        }

    if request.method == "GET":
        # Everything the body shows is read from the records, the person and today: remembered under the records'
        # stamp (any write in the town renders it again), per person and day; its forms get this session's token.
        content = remembered_part(("register.show", doc.id, user.id, today), "register/_show.html", context)
    else:  # shown again after a refused action, with the reason and the input kept: rendered afresh
        content = Markup(render_template("register/_show.html", **context()))
    return render_template("register/show.html", doc=doc, content=content)


@bp.post("/<int:doc_id>/actions/<action>")
def act(doc_id: int, action: str):
    """A step without data of its own: a button on the document page (refusals are shown on that page)."""
    doc = _load(doc_id)
    refusal_page("register.show", where="actions", doc_id=doc.id)
    form = validated(ActionForm())
    transition = workflow.get_transition(action)
    if transition.internal:
        raise InvalidTransition(f"“{transition.label}”随其他步骤自动办理，不能单独办理。")
    if transition.page is not None or transition.endpoint is not None:
        # Steps that record data (numbers, dates, conclusions) are done on their own page or endpoint.
        raise InvalidTransition(f"“{transition.label}”须在专门的办理页面填写相关信息后办理。")
    workflow.apply(doc, action, actor=current_user, now=now_utc(), note=form.note.data or "")
    notify(f"已办理：{transition.label}。")
    return redirect(url_for("register.show", doc_id=doc.id))


@bp.get("/<int:doc_id>/compare")
def compare(doc_id: int):
    doc = _load(doc_id)
    by_seq = {v.seq: v for v in doc.versions}
    if len(by_seq) < 2:
        flash("至少有两个版本才能比较。", "info")
        return redirect(url_for("register.show", doc_id=doc.id))
    seqs = sorted(by_seq)
    a = bounded_int(request.args.get("a")) or seqs[-2]
    b = bounded_int(request.args.get("b")) or seqs[-1]
    if a not in by_seq or b not in by_seq:
        abort(404)
    rows = compare_paragraphs(by_seq[a].text.splitlines(), by_seq[b].text.splitlines())
    return render_template("register/compare.html", doc=doc, old=by_seq[a], new=by_seq[b], rows=rows, seqs=seqs)
