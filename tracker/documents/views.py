"""The register: list, registration, document page with timeline and actions."""

from __future__ import annotations

from urllib.parse import parse_qsl

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from tracker.audit.services import document_history
from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.documents import export, queries, search, services
from tracker.documents.compare import compare_paragraphs
from tracker.documents.forms import ActionForm, AttachmentForm, DocumentForm, VersionForm
from tracker.documents.models import (
    Attachment,
    AttachmentKind,
    DocKind,
    Document,
    DocumentVersion,
    SavedFilter,
    TrialKind,
)
from tracker.documents.storage import path_of
from tracker.documents.uploads import read_upload
from tracker.errors import DomainError, InvalidTransition, PermissionDenied, error_page, too_large_message
from tracker.extensions import db
from tracker.workflow import service as workflow
from tracker.workflow.states import DocStatus

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _load(doc_id: int, permission: str = "document.view") -> Document:
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, permission, doc):
        abort(403)
    return doc


def _unit_choices(form: DocumentForm) -> None:
    units = db.session.scalars(sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)).all()
    form.issuer_id.choices = [(u.id, u.name) for u in units if u.can_issue]
    drafting = [u for u in units if u.can_draft]
    if current_user.role.value == "drafter":
        drafting = [u for u in drafting if u.id == current_user.unit_id]
    form.drafting_unit_id.choices = [(u.id, u.name) for u in drafting]


def _data(form: DocumentForm) -> services.DocumentData:
    return services.DocumentData(
        title=form.title.data.strip(),
        kind=DocKind(form.kind.data),
        issuer_id=form.issuer_id.data,
        drafting_unit_id=form.drafting_unit_id.data,
        trial_kind=TrialKind(form.trial_kind.data),
        subject=(form.subject.data or "").strip() or None,
        summary=form.summary.data or "",
        necessity=form.necessity.data or "",
        is_major=form.is_major.data,
        affects_market=form.affects_market.data,
    )


def _register_query(*, flash_errors: bool = True) -> queries.RegisterQuery:
    rq = queries.RegisterQuery.from_args(request.args)
    if flash_errors:
        for message in rq.errors:
            flash(message, "warning")
    return rq


@bp.get("/")
def index():
    """The register: filters, sort, search with highlights, pages, the user's saved filters."""
    if not may(current_user, "document.view"):
        abort(403)
    rq = _register_query()
    today = office_today(now_utc())
    page = queries.register_page(
        current_user, rq, page_arg=request.args.get("page"), per_page=current_app.config["PER_PAGE"], today=today
    )
    issuers, drafting_units = queries.units_for_filters()
    return render_template(
        "documents/index.html",
        page=page,
        rq=rq,
        statuses=list(DocStatus),
        kinds=list(DocKind),
        issuers=issuers,
        drafting_units=drafting_units,
        saved_filters=search.saved_filters_of(current_user),
        can_create=may(current_user, "document.create"),
    )


@bp.get("/export.xlsx")
def export_register():
    """The register under the current filter and sort, every page, as .xlsx."""
    if not may(current_user, "document.view"):
        abort(403)
    rq = _register_query(flash_errors=False)
    today = office_today(now_utc())
    return export.register_response(queries.register_export_rows(current_user, rq, today=today), today=today)


@bp.post("/filters")
def save_filter():
    if not may(current_user, "document.view"):
        abort(403)
    # Only whitelisted parameters are kept: the query string is parsed and written again.
    query = queries.RegisterQuery.from_args(MultiDict(parse_qsl(request.form.get("query", "")))).query_string()
    try:
        saved = search.save_filter(current_user, name=request.form.get("name", ""), query=query, now=now_utc())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("documents.index") + (f"?{query}" if query else ""))
    db.session.commit()
    flash(f"已保存筛选条件“{saved.name}”。", "success")
    return redirect(url_for("documents.index") + (f"?{saved.query}" if saved.query else ""))


@bp.post("/filters/<int:filter_id>/delete")
def delete_filter(filter_id: int):
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != current_user.id:
        abort(404)  # another user's filters are not even said to exist
    name = saved.name
    search.delete_filter(saved)
    db.session.commit()
    flash(f"已删除筛选条件“{name}”。", "success")
    return redirect(url_for("documents.index"))


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not may(current_user, "document.create"):
        abort(403)
    form = DocumentForm()
    _unit_choices(form)
    if form.validate_on_submit():
        try:
            doc = services.register_draft(_data(form), actor=current_user, now=now_utc())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash("文件草案已登记。", "success")
            return redirect(url_for("documents.show", doc_id=doc.id))
    return render_template("documents/form.html", form=form, doc=None)


@bp.route("/<int:doc_id>/edit", methods=["GET", "POST"])
def edit(doc_id: int):
    doc = _load(doc_id, "document.edit")
    if doc.status not in services.EDITABLE_STATES:
        raise PermissionDenied(f"文件当前为“{doc.status.label}”，不能修改基本信息。")
    form = DocumentForm(obj=doc)
    _unit_choices(form)
    if not form.is_submitted():
        form.kind.data, form.trial_kind.data = doc.kind.value, doc.trial_kind.value
        form.version_id.data = str(doc.version_id)
    if form.validate_on_submit():
        expected = int(form.version_id.data) if (form.version_id.data or "").isdigit() else None
        try:
            services.update_metadata(doc, _data(form), actor=current_user, now=now_utc(), expected_version=expected)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            doc = db.session.get(Document, doc_id)
        else:
            db.session.commit()
            flash("基本信息已保存。", "success")
            return redirect(url_for("documents.show", doc_id=doc.id))
    return render_template("documents/form.html", form=form, doc=doc)


@bp.get("/<int:doc_id>")
def show(doc_id: int):
    return _document_page(_load(doc_id))


def _document_page(
    doc: Document,
    *,
    refusal: dict | None = None,
    version_form: VersionForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
):
    """The document page; after a refused action or upload, with the reason beside it and the input kept."""
    from tracker.cleanup.views import history_for as cleanup_history
    from tracker.deadlines.queries import document_deadlines
    from tracker.filing.services import filing_summary
    from tracker.opinions.views import document_outputs
    from tracker.publication.queries import publications_of
    from tracker.review import queries as review_queries

    now = now_utc()
    today = office_today(now)
    can_edit = may(current_user, "document.edit", doc) and doc.status in services.EDITABLE_STATES
    return render_template(
        "documents/show.html",
        doc=doc,
        actions=workflow.available_actions(doc, current_user, now=now),
        history=document_history(doc.id),
        action_form=ActionForm(),
        can_edit=can_edit,
        form_endpoints=current_app.view_functions,
        version_form=(version_form or VersionForm()) if can_edit else None,
        attachment_form=(attachment_form or AttachmentForm()) if can_edit else None,
        refusal=refusal,
        review=review_queries.review_summary(doc, current_user, now=now),
        publications=publications_of(doc),
        filing=filing_summary(doc, today=today),
        relations=queries.relations_of(doc),
        deadlines=document_deadlines(doc, today=today),
        can_office=may(current_user, "office", doc),
        cleanup=cleanup_history(doc),
        word_outputs_data=document_outputs(doc),
        can_relate=doc.status in services.EDITABLE_STATES
        and (may(current_user, "document.edit", doc) or may(current_user, "office", doc)),
    ), status


def _refused(doc_id: int, exc: DomainError, where: str, *, version_form=None, attachment_form=None, **kept):
    """A refusal stays on the document page: nothing of it is kept in the database, the user's input is."""
    db.session.rollback()
    return _document_page(
        _load(doc_id),
        refusal={"where": where, "message": exc.message, **kept},
        version_form=version_form,
        attachment_form=attachment_form,
        status=exc.status_code,
    )


@bp.post("/<int:doc_id>/actions/<action>")
def act(doc_id: int, action: str):
    doc = _load(doc_id)
    form = ActionForm()
    try:
        if not form.validate():
            raise InvalidTransition("；".join(e for errs in form.errors.values() for e in errs))
        transition = workflow.get_transition(action)
        if transition.form is not None:
            # Steps that record data (numbers, dates, conclusions) are done on their own form, never by a bare POST.
            raise InvalidTransition(f"“{transition.label}”须在专门的办理页面填写相关信息后办理。")
        workflow.apply(doc, action, actor=current_user, now=now_utc(), note=form.note.data or "")
    except DomainError as exc:
        return _refused(doc_id, exc, "actions", action=action, note=form.note.data or "")
    db.session.commit()
    flash(f"已办理：{transition.label}。", "success")
    return redirect(url_for("documents.show", doc_id=doc.id))


@bp.post("/<int:doc_id>/versions")
def upload_version(doc_id: int):
    doc = _load(doc_id, "document.edit")
    form = VersionForm()
    try:
        if not form.validate():
            raise InvalidTransition("；".join(e for errs in form.errors.values() for e in errs))
        checked = read_upload(form.file.data, docx_only=True)
        version = services.add_version(doc, checked, note=form.note.data or "", actor=current_user, now=now_utc())
    except DomainError as exc:
        return _refused(doc_id, exc, "versions", version_form=form)
    db.session.commit()
    flash(f"已上传第 {version.seq} 稿。", "success")
    return redirect(url_for("documents.show", doc_id=doc.id, _anchor="versions"))


@bp.post("/<int:doc_id>/attachments")
def upload_attachment(doc_id: int):
    doc = _load(doc_id)
    form = AttachmentForm()
    try:
        if not form.validate():
            raise InvalidTransition("；".join(e for errs in form.errors.values() for e in errs))
        checked = read_upload(form.file.data)
        att = services.add_attachment(
            doc,
            checked,
            kind=AttachmentKind(form.kind.data),
            title=form.title.data or "",
            actor=current_user,
            now=now_utc(),
        )
    except DomainError as exc:
        return _refused(doc_id, exc, "materials", attachment_form=form)
    db.session.commit()
    flash(f"已上传材料：{att.kind.label}。", "success")
    return redirect(url_for("documents.show", doc_id=doc.id, _anchor="materials"))


@bp.errorhandler(413)
def upload_too_large(exc):
    """An upload over the size limit from the document page: said beside the upload form, not on an error page."""
    where = {"documents.upload_version": "versions", "documents.upload_attachment": "materials"}.get(request.endpoint)
    doc = db.session.get(Document, (request.view_args or {}).get("doc_id", 0)) if where else None
    if doc is None or not current_user.is_authenticated or not may(current_user, "document.view", doc):
        return error_page(413, "文件过大", too_large_message())
    # The body was refused unread: the forms of the page below must see an empty one, not parse it again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    return _document_page(doc, refusal={"where": where, "message": "文件过大：" + too_large_message()}, status=413)


def _send(stored):
    path = path_of(stored)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=stored.content_type, as_attachment=True, download_name=stored.original_name)


@bp.get("/<int:doc_id>/versions/<int:version_id>/download")
def download_version(doc_id: int, version_id: int):
    doc = _load(doc_id)
    version = db.get_or_404(DocumentVersion, version_id)
    if version.document_id != doc.id:
        abort(404)
    return _send(version.file)


@bp.get("/<int:doc_id>/attachments/<int:attachment_id>/download")
def download_attachment(doc_id: int, attachment_id: int):
    doc = _load(doc_id)
    att = db.get_or_404(Attachment, attachment_id)
    if att.document_id != doc.id:
        abort(404)
    return _send(att.file)


@bp.get("/<int:doc_id>/compare")
def compare(doc_id: int):
    doc = _load(doc_id)
    by_seq = {v.seq: v for v in doc.versions}
    if len(by_seq) < 2:
        flash("至少有两个版本才能比较。", "info")
        return redirect(url_for("documents.show", doc_id=doc.id))
    seqs = sorted(by_seq)
    a = request.args.get("a", type=int) or seqs[-2]
    b = request.args.get("b", type=int) or seqs[-1]
    if a not in by_seq or b not in by_seq:
        abort(404)
    rows = compare_paragraphs(by_seq[a].text.splitlines(), by_seq[b].text.splitlines())
    return render_template("documents/compare.html", doc=doc, old=by_seq[a], new=by_seq[b], rows=rows, seqs=seqs)
