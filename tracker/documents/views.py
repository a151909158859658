"""Drafting: registration, metadata, versions and attachments of a document."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import ImmutableMultiDict

from tracker.auth.permissions import may
from tracker.auth.queries import active_units
from tracker.common.forms import expected_version
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt, notify, refusal_page, show_refusal, validated
from tracker.documents import bases as basis_services
from tracker.documents import catalogue, services
from tracker.documents.forms import AttachmentForm, BasisForm, DocumentForm, VersionForm
from tracker.documents.models import (
    Attachment,
    AttachmentKind,
    DocKind,
    Document,
    DocumentBasis,
    DocumentVersion,
    SourceKind,
    TrialKind,
)
from tracker.documents.queries import numbering_problems
from tracker.errors import PermissionDenied, error_page, too_large_message
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.files.uploads import read_upload

bp = Blueprint("documents", __name__, url_prefix="/documents")


def _load(doc_id: int, permission: str = "document.view", options=()) -> Document:
    doc = db.get_or_404(Document, doc_id, options=list(options))
    if not may(current_user, permission, doc):
        abort(403)
    return doc


def _unit_choices(form: DocumentForm) -> None:
    units = active_units()
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


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not may(current_user, "document.create"):
        abort(403)
    form = DocumentForm()
    _unit_choices(form)
    if form.validate_on_submit():
        with attempt("文件草案已登记。") as done:
            doc = services.register_draft(_data(form), actor=current_user, now=now_utc())
        if done:
            return redirect(url_for("register.show", doc_id=doc.id))
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
        expected = expected_version(form.version_id)
        with attempt("基本信息已保存。") as done:
            services.update_metadata(doc, _data(form), actor=current_user, now=now_utc(), expected_version=expected)
        if done:
            return redirect(url_for("register.show", doc_id=doc.id))
    return render_template("documents/form.html", form=form, doc=doc)


@bp.post("/<int:doc_id>/versions")
def upload_version(doc_id: int):
    doc = _load(doc_id, "document.edit")
    refusal_page("register.show", where="versions", doc_id=doc.id)
    form = validated(VersionForm())
    checked = read_upload(form.file.data, docx_only=True)
    version = services.add_version(doc, checked, note=form.note.data or "", actor=current_user, now=now_utc())
    notify(f"已上传第 {version.seq} 稿。")
    if problems := numbering_problems(version):
        # Said at once, while the drafter still has the file open (the versions panel repeats it).
        notify(f"第 {version.seq} 稿的条款编号：{''.join(problems)}请核对后重新上传。", "warning")
    return redirect(url_for("register.show", doc_id=doc.id, _anchor="versions"))


@bp.post("/<int:doc_id>/attachments")
def upload_attachment(doc_id: int):
    doc = _load(doc_id)
    # The drafting unit uploads the packet, the office its own records (minutes, official text …).
    if not (may(current_user, "document.edit", doc) or may(current_user, "office", doc)):
        abort(403)
    refusal_page("register.show", where="materials", doc_id=doc.id)
    form = validated(AttachmentForm())
    checked = read_upload(form.file.data)
    att = services.add_attachment(
        doc,
        checked,
        kind=AttachmentKind(form.kind.data),
        title=form.title.data or "",
        actor=current_user,
        now=now_utc(),
    )
    notify(f"已上传材料：{att.kind.label}。")
    return redirect(url_for("register.show", doc_id=doc.id, _anchor="materials"))


@bp.errorhandler(413)
def upload_too_large(exc):
    """An upload over the size limit from the document page: said on that page, not on an error page."""
    uploads = {"documents.upload_version", "documents.upload_attachment"}
    doc = db.session.get(Document, (request.view_args or {}).get("doc_id", 0)) if request.endpoint in uploads else None
    if doc is None or not current_user.is_authenticated or not may(current_user, "document.view", doc):
        return error_page(413, "文件过大", too_large_message())
    # The body was refused unread: the forms of the page below must see an empty one, not parse it again.
    request.__dict__.update(form=ImmutableMultiDict(), files=ImmutableMultiDict())
    where = "versions" if request.endpoint == "documents.upload_version" else "materials"
    return show_refusal("文件过大：" + too_large_message(), 413, "register.show", where=where, doc_id=doc.id)


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


# --- 制定依据 (docs/rules.md §4): a page of its own, and one POST per change ---------------------------------


@bp.get("/<int:doc_id>/bases")
def bases(doc_id: int):
    # The bases with their catalogue entries read in one statement, not one per basis.
    doc = _load(doc_id, options=[selectinload(Document.bases).joinedload(DocumentBasis.source)])
    can_edit = may(current_user, "document.edit", doc) and doc.status in services.EDITABLE_STATES
    return render_template(
        "documents/bases.html",
        doc=doc,
        form=BasisForm(),
        can_edit=can_edit,
        proposals=basis_services.proposals(doc) if can_edit else [],
        titles=catalogue.titles(),
    )


@bp.post("/<int:doc_id>/bases/add")
def add_basis(doc_id: int):
    doc = _load(doc_id, "document.edit")
    refusal_page("documents.bases", doc_id=doc.id)
    form = validated(BasisForm())
    basis_services.add_basis(
        doc,
        actor=current_user,
        now=now_utc(),
        title=form.title.data,
        articles=form.articles.data or "",
        kind=SourceKind(form.kind.data) if form.kind.data else None,
    )
    notify("已录入制定依据。")
    return redirect(url_for("documents.bases", doc_id=doc.id))


@bp.post("/<int:doc_id>/bases/<int:basis_id>/delete")
def remove_basis(doc_id: int, basis_id: int):
    doc = _load(doc_id, "document.edit")
    basis = db.get_or_404(DocumentBasis, basis_id)
    if basis.document_id != doc.id:
        abort(404)
    refusal_page("documents.bases", doc_id=doc.id)
    basis_services.remove_basis(basis, actor=current_user, now=now_utc())
    notify("已删除该项制定依据。")
    return redirect(url_for("documents.bases", doc_id=doc.id))
