"""Generating, downloading and previewing Word documents; the administrator's template page."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt as _attempt
from tracker.documents.models import Document
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, read_upload
from tracker.outputs import context, outputs, services
from tracker.outputs.fields import SPECS
from tracker.outputs.forms import ActivateForm, GenerateForm, TemplateUploadForm
from tracker.outputs.models import GeneratedDocument, OutputKind
from tracker.outputs.preview import docx_to_html
from tracker.outputs.render import render_docx
from tracker.publication.queries import current_publication
from tracker.review.models import Opinion
from tracker.solicitations.models import SolicitationPhase

bp = Blueprint("outputs", __name__, url_prefix="/word")


def _back(doc_id: int):
    return redirect(url_for("register.show", doc_id=doc_id, _anchor="word-outputs"))


def _kind(value: str) -> OutputKind:
    try:
        kind = OutputKind(value)
    except ValueError:
        abort(404)
    if kind not in SPECS:
        abort(404)
    return kind


# --- on a document ---------------------------------------------------------------------------------------


def document_outputs(doc: Document) -> dict:
    """What the document page shows: each opinion and the filing report, their versions and allowed buttons."""
    opinions = [
        {"opinion": o, "versions": services.versions_of(OutputKind.OPINION, "opinion", o.id)}
        for o in services.opinions_of(doc)
    ]
    pub = current_publication(doc)
    report = None
    if pub is not None and pub.published_on is not None:
        report = {"publication": pub, "versions": services.versions_of(OutputKind.FILING_REPORT, "publication", pub.id)}
    return {
        "opinions": opinions,
        "filing_report": report,
        "can_generate_opinion": may(current_user, "review", doc),
        "can_generate_report": may(current_user, "office", doc),
        "form": GenerateForm(),
    }


@bp.app_template_global("word_outputs")
def word_outputs(doc: Document) -> dict:
    return document_outputs(doc)


@bp.post("/opinions/<int:opinion_id>/generate")
def generate_opinion(opinion_id: int):
    opinion = db.get_or_404(Opinion, opinion_id)
    if not may(current_user, "review", opinion.document):
        abort(403)
    form = GenerateForm()
    if not form.validate():
        abort(400)
    _attempt(
        lambda: services.generate_opinion(opinion, actor=current_user, now=now_utc()),
        f"已生成审查意见书 {opinion.number}。",
    )
    return _back(opinion.document_id)


@bp.post("/documents/<int:doc_id>/filing-report/generate")
def generate_filing_report(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "office", doc):
        abort(403)
    form = GenerateForm()
    if not form.validate():
        abort(400)
    _attempt(lambda: services.generate_filing_report(doc, actor=current_user, now=now_utc()), "已生成备案报告。")
    return _back(doc.id)


# Who may read a generated record that belongs to no document, by the record it was generated from. The clean-up
# notice is published, so everyone who may read the register may read its catalogue.
_OBJECT_PERMISSIONS = {outputs.CAMPAIGN: "document.view"}


def _generated(gen_id: int) -> GeneratedDocument:
    row = db.get_or_404(GeneratedDocument, gen_id)
    if row.document is not None:
        allowed = may(current_user, "document.view", row.document)
    else:
        permission = _OBJECT_PERMISSIONS.get(row.object_type)
        allowed = permission is not None and may(current_user, permission)
    if not allowed:
        abort(403)
    return row


@bp.app_template_global("catalogue_word")
def catalogue_word(campaign) -> dict:
    """The clean-up page's Word catalogue: its versions and whether this user may generate one."""
    return {
        "versions": outputs.catalogue_versions(campaign),
        "can_generate": outputs.may_generate_catalogue(current_user),
    }


@bp.app_template_global("reply_word")
def reply_word(sol) -> dict:
    """The solicitation page's reply letter: offered to those who handle it once there is a reply to print."""
    has_reply = bool(context.reply_paragraphs(sol.reply_text)) or sol.phase is SolicitationPhase.NO_COMMENT
    return {"can_download": has_reply and may(current_user, "solicitation")}


@bp.get("/documents/<int:doc_id>/deliberation-material.docx")
def deliberation_material(doc_id: int):
    """集体审议材料: the review's opinions not adopted, with the drafter's reasons (rendered on request)."""
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "document.view", doc):
        abort(403)
    try:
        rendered = outputs.render_deliberation_material(doc, now=now_utc())
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("register.show", doc_id=doc.id))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)


@bp.get("/generated/<int:gen_id>/download")
def download(gen_id: int):
    row = _generated(gen_id)
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=DOCX_TYPE, as_attachment=True, download_name=row.file.original_name)


@bp.get("/generated/<int:gen_id>/preview")
def preview(gen_id: int):
    row = _generated(gen_id)
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return render_template("outputs/preview.html", row=row, html=docx_to_html(path.read_bytes()))


# --- templates (administrator) ------------------------------------------------------------------------------


def _require_admin() -> None:
    if not may(current_user, "admin"):
        abort(403)


@bp.get("/templates")
def templates():
    _require_admin()
    kinds = []
    for kind, spec in SPECS.items():
        active = services.active_template(kind)
        kinds.append(
            {
                "kind": kind,
                "spec": spec,
                "active": active,
                "versions": services.template_versions(kind),
                "upload_form": TemplateUploadForm(prefix=kind.value),
            }
        )
    return render_template("outputs/templates.html", kinds=kinds, activate_form=ActivateForm())


@bp.post("/templates/<kind>/upload")
def upload_template(kind: str):
    _require_admin()
    output_kind = _kind(kind)
    form = TemplateUploadForm(prefix=output_kind.value)
    if not form.validate():
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
        return redirect(url_for("outputs.templates", _anchor=output_kind.value))

    try:
        checked = read_upload(form.file.data, docx_only=True)
        row = services.upload_template(
            output_kind, checked, actor=current_user, now=now_utc(), note=form.note.data or ""
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        db.session.commit()
        flash(f"模板已通过检查，第 {row.version_no} 版已启用。", "success")
    return redirect(url_for("outputs.templates", _anchor=output_kind.value))


@bp.post("/templates/<kind>/<int:version_no>/activate")
def activate_template(kind: str, version_no: int):
    _require_admin()
    output_kind = _kind(kind)
    if not ActivateForm().validate():
        abort(400)
    _attempt(
        lambda: services.activate_template(output_kind, version_no, actor=current_user, now=now_utc()),
        f"已启用{output_kind.label}模板第 {version_no} 版。",
    )
    return redirect(url_for("outputs.templates", _anchor=output_kind.value))


@bp.get("/templates/<kind>/<int:version_no>/download")
def download_template(kind: str, version_no: int):
    _require_admin()
    output_kind = _kind(kind)
    data = services.template_bytes(output_kind, version_no)
    name = f"{output_kind.label}模板（第{version_no}版）.docx"
    return send_file(io.BytesIO(data), mimetype=DOCX_TYPE, as_attachment=True, download_name=name)


@bp.get("/templates/<kind>/<int:version_no>/preview")
def preview_template(kind: str, version_no: int):
    """The template filled with the first sample (the fullest), as the administrator checks a new version."""
    _require_admin()
    output_kind = _kind(kind)
    sample = SPECS[output_kind].samples()[0]
    try:
        html = docx_to_html(render_docx(services.template_bytes(output_kind, version_no), sample))
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("outputs.templates", _anchor=output_kind.value))
    return render_template("outputs/template_preview.html", kind=output_kind, version_no=version_no, html=html)
