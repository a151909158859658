"""Generating, downloading and previewing Word documents; the administrator's template page."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.cleanup import word as cleanup_word
from tracker.cleanup.models import CleanupCampaign
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt, notify
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, read_upload
from tracker.filing import word as filing_word
from tracker.outputs.forms import ActivateForm, GenerateForm, TemplateUploadForm
from tracker.outputs.kinds import SPECS
from tracker.review import deliberation_word
from tracker.review import word as review_word
from tracker.review.models import Opinion
from tracker.solicitations import word as solicitations_word
from tracker.solicitations.models import Solicitation
from tracker.word import templates as word_templates
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.render import preview_html, render_preview
from tracker.word.responses import pdf_response

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


@bp.post("/opinions/<int:opinion_id>/generate")
def generate_opinion(opinion_id: int):
    opinion = db.get_or_404(Opinion, opinion_id)
    if not may(current_user, "review", opinion.document):
        abort(403)
    form = GenerateForm()
    if not form.validate():
        abort(400)
    with attempt(f"已生成审查意见书 {opinion.number}。"):
        review_word.generate_opinion(opinion, actor=current_user, now=now_utc())
    return _back(opinion.document_id)


@bp.post("/documents/<int:doc_id>/filing-report/generate")
def generate_filing_report(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "office", doc):
        abort(403)
    form = GenerateForm()
    if not form.validate():
        abort(400)
    with attempt("已生成备案报告。"):
        filing_word.generate_filing_report(doc, actor=current_user, now=now_utc())
    return _back(doc.id)


# Who may read a generated record that belongs to no document, by the record it was generated from (its model, the
# permission). The clean-up notice is published, so everyone who may read the register may read its catalogue.
_OBJECT_PERMISSIONS = {
    cleanup_word.OBJECT_TYPE: (CleanupCampaign, "document.view"),
    solicitations_word.OBJECT_TYPE: (Solicitation, "solicitation"),
}


def _generated(gen_id: int) -> GeneratedDocument:
    row = db.get_or_404(GeneratedDocument, gen_id)
    if row.document_id is not None:
        allowed = may(current_user, "document.view", db.session.get(Document, row.document_id))
    elif row.object_type in _OBJECT_PERMISSIONS:
        model, permission = _OBJECT_PERMISSIONS[row.object_type]
        # The record it came from, as the reader's town reads it: another town's is None, and None is refused.
        allowed = may(current_user, permission, db.session.get(model, row.object_id))
    else:
        allowed = False
    if not allowed:
        abort(403)
    return row


@bp.get("/documents/<int:doc_id>/deliberation-material.docx")
def deliberation_material(doc_id: int):
    """集体审议材料: the review's opinions not adopted, with the drafter's reasons (rendered on request)."""
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "document.view", doc):
        abort(403)
    with attempt() as done:
        rendered = deliberation_word.render_deliberation_material(doc, now=now_utc())
    if not done:
        return redirect(url_for("register.show", doc_id=doc.id))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)


@bp.get("/generated/<int:gen_id>/download")
def download(gen_id: int):
    row = _generated(gen_id)
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=DOCX_TYPE, as_attachment=True, download_name=row.file.original_name)


def _page_of(row: GeneratedDocument) -> str:
    """The page a generated file belongs to, where a refusal is explained."""
    if row.document_id is not None:
        return url_for("register.show", doc_id=row.document_id, _anchor="word-outputs")
    if row.object_type == cleanup_word.OBJECT_TYPE:
        return url_for("cleanup.show", campaign_id=row.object_id)
    if row.object_type == solicitations_word.OBJECT_TYPE:
        return url_for("solicitations.show", sol_id=row.object_id)
    return url_for("main.index")


@bp.get("/generated/<int:gen_id>/download.pdf")
def download_pdf(gen_id: int):
    """The stored Word file as PDF for the archive and the website (LibreOffice headless)."""
    row = _generated(gen_id)
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return pdf_response(path.read_bytes(), row.file.original_name, back=_page_of(row))


@bp.get("/generated/<int:gen_id>/preview")
def preview(gen_id: int):
    row = _generated(gen_id)
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return render_template("outputs/preview.html", row=row, html=preview_html(path.read_bytes()))


# --- templates (administrator) ------------------------------------------------------------------------------


def _require_admin() -> None:
    if not may(current_user, "install"):
        abort(403)


@bp.get("/templates")
def templates():
    _require_admin()
    kinds = []
    for kind, spec in SPECS.items():
        active = word_templates.active_template(kind)
        kinds.append(
            {
                "kind": kind,
                "spec": spec,
                "active": active,
                "versions": word_templates.template_versions(kind),
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

    with attempt() as done:
        checked = read_upload(form.file.data, docx_only=True)
        row = word_templates.upload_template(
            SPECS[output_kind], checked, actor=current_user, now=now_utc(), note=form.note.data or ""
        )
    if done:
        notify(f"模板已通过检查，第 {row.version_no} 版已启用。")
    return redirect(url_for("outputs.templates", _anchor=output_kind.value))


@bp.post("/templates/<kind>/<int:version_no>/activate")
def activate_template(kind: str, version_no: int):
    _require_admin()
    output_kind = _kind(kind)
    if not ActivateForm().validate():
        abort(400)
    with attempt(f"已启用{output_kind.label}模板第 {version_no} 版。"):
        word_templates.activate_template(SPECS[output_kind], version_no, actor=current_user, now=now_utc())
    return redirect(url_for("outputs.templates", _anchor=output_kind.value))


@bp.get("/templates/<kind>/<int:version_no>/download")
def download_template(kind: str, version_no: int):
    _require_admin()
    output_kind = _kind(kind)
    data = word_templates.template_bytes(output_kind, version_no)
    name = f"{output_kind.label}模板（第{version_no}版）.docx"
    return send_file(io.BytesIO(data), mimetype=DOCX_TYPE, as_attachment=True, download_name=name)


@bp.get("/templates/<kind>/<int:version_no>/preview")
def preview_template(kind: str, version_no: int):
    """The template filled with the first sample (the fullest), as the administrator checks a new version."""
    _require_admin()
    output_kind = _kind(kind)
    sample = SPECS[output_kind].samples()[0]
    with attempt() as done:
        html = render_preview(word_templates.template_bytes(output_kind, version_no), sample)
    if not done:
        return redirect(url_for("outputs.templates", _anchor=output_kind.value))
    return render_template("outputs/template_preview.html", kind=output_kind, version_no=version_no, html=html)
