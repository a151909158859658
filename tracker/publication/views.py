"""The clerk's pages: signing and numbering, publication, entry into force, relations, end of life."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.urls import library_enabled, public_address
from tracker.common.views import attempt, notify, refusal_page
from tracker.documents.models import Document, RelationKind
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.files.storage import path_of, store_bytes
from tracker.files.uploads import check_upload, read_upload
from tracker.publication import importer, queries, series, services
from tracker.publication.forms import EndForm, NumberForm, PublishForm, RelationForm
from tracker.publication.queries import current_publication
from tracker.rules.ruleset import get_rule

bp = Blueprint("publication", __name__, url_prefix="/publication")


def _doc(doc_id: int, permission: str) -> Document:
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, permission, doc):
        abort(403)
    return doc


@bp.route("/documents/<int:doc_id>/number", methods=["GET", "POST"])
def number(doc_id: int):
    doc = _doc(doc_id, "office")
    form = NumberForm()
    if not form.is_submitted():
        form.signed_on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("已签发登记。") as done:
            pub = services.number_document(
                doc,
                actor=current_user,
                now=now_utc(),
                signed_on=form.signed_on.data,
                signer=form.signer.data or "",
                issue_number=(form.issue_number.data or "").strip() or None,
                normative_number=(form.normative_number.data or "").strip() or None,
            )
        if done:
            notify(f"发文字号：{pub.issue_number}；规范性文件编号：{pub.normative_number}", "info")
            return redirect(url_for("register.show", doc_id=doc.id))
    year = office_today(now_utc()).year
    # The issuer has no 发文代字, or its pattern is unusable: say so before signing.
    examples, problem = series.previews(doc.issuer, year)
    if problem:
        flash(problem, "warning")
    return render_template("publication/number.html", doc=doc, form=form, examples=examples)


@bp.route("/documents/<int:doc_id>/publish", methods=["GET", "POST"])
def publish(doc_id: int):
    doc = _doc(doc_id, "office")
    if current_publication(doc) is None:
        abort(404)
    form = PublishForm()
    if not form.is_submitted():
        # Proposed: published today, in force after the rule set's shortest gap (a shorter one needs a reason).
        form.published_on.data = office_today(now_utc())
        form.effective_on.data = form.published_on.data + timedelta(days=get_rule("effect_min_gap").value)
        if library_enabled():
            form.url.data = public_address(doc.id)  # the document's page in the public library, unless changed
    if form.validate_on_submit():
        with attempt("已登记发布，报备期限已开始计算。") as done:
            services.publish(
                doc,
                actor=current_user,
                now=now_utc(),
                published_on=form.published_on.data,
                channel=form.channel.data,
                url=form.url.data,
                effective_on=form.effective_on.data,
                early_effect_reason=form.early_effect_reason.data,
                validity_mode=form.validity_mode.data,
                validity_end_on=form.validity_end_on.data,
                validity_reason=form.validity_reason.data,
                official_text=read_upload(form.official_text.data, required=False),
                interpretation=read_upload(form.interpretation.data, required=False),
            )
        if done:
            return redirect(url_for("register.show", doc_id=doc.id))
    years = get_rule("validity_trial" if doc.trial_kind.value != "none" else "validity_default")
    return render_template(
        "publication/publish.html",
        doc=doc,
        pub=current_publication(doc),
        form=form,
        gap=get_rule("effect_min_gap"),
        validity_rule=years,
        filing_rule=get_rule("filing_deadline"),
    )


@bp.post("/documents/<int:doc_id>/take-effect")
def take_effect(doc_id: int):
    """Record entry into force by hand (the daily job does the same on its own)."""
    doc = _doc(doc_id, "system")
    refusal_page("register.show", where="actions", doc_id=doc.id)
    services.take_effect(doc, actor=current_user, now=now_utc())
    notify("已登记开始施行。")
    return redirect(url_for("register.show", doc_id=doc.id))


@bp.post("/documents/<int:doc_id>/expire")
def expire(doc_id: int):
    """Record expiry at the end of the validity by hand (the daily job does the same on its own)."""
    doc = _doc(doc_id, "system")
    refusal_page("register.show", where="actions", doc_id=doc.id)
    services.expire(doc, actor=current_user, now=now_utc())
    notify("已登记有效期届满失效。")
    return redirect(url_for("register.show", doc_id=doc.id))


_END_LABELS = {"repeal": "废止", "declare_invalid": "宣布失效", "mark_amended": "登记已被修改"}


@bp.route("/documents/<int:doc_id>/end", methods=["GET", "POST"])
def end(doc_id: int):
    doc = _doc(doc_id, "office")
    action = request.args.get("action", "")
    if action not in _END_LABELS:
        abort(404)
    form = EndForm()
    if not form.is_submitted():
        form.on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("已办理。") as done:
            services.end_document(
                doc, action, actor=current_user, now=now_utc(), on=form.on.data, reason=form.reason.data
            )
        if done:
            return redirect(url_for("register.show", doc_id=doc.id))
    return render_template("publication/end.html", doc=doc, form=form, action=action, label=_END_LABELS[action])


@bp.route("/documents/<int:doc_id>/relations", methods=["GET", "POST"])
def relations(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    if not (may(current_user, "document.edit", doc) or may(current_user, "office", doc)):
        abort(403)
    form = RelationForm()
    if form.validate_on_submit():
        with attempt("已登记。") as done:
            services.add_relation(
                doc,
                db.session.get(Document, form.target_id.data),
                RelationKind(form.kind.data),
                actor=current_user,
                now=now_utc(),
            )
        if done:
            return redirect(url_for("register.show", doc_id=doc.id))
    return render_template(
        "publication/relations.html", doc=doc, form=form, candidates=queries.relation_candidates(doc)
    )


@bp.route("/import", methods=["GET", "POST"])
def import_register():
    """Existing documents from the old .xlsx register: upload → preview with per-row errors → confirm."""
    if not may(current_user, "office"):
        abort(403)
    preview, stored = None, None
    now = now_utc()
    if request.method == "POST":
        if request.form.get("confirm") and (file_id := bounded_int(request.form.get("file_id"))):
            stored = db.get_or_404(StoredFile, file_id)
            if stored.created_by_id != current_user.id:
                abort(403)
            preview = importer.parse_register(path_of(stored).read_bytes(), today=office_today(now))
            with attempt() as done:
                docs = importer.import_register(preview, actor=current_user, now=now)
            if done:
                notify(f"已补录 {len(docs)} 件文件。")
                return redirect(url_for("register.index"))
        else:
            upload = request.files.get("file")
            with attempt():
                checked = check_upload(upload.read() if upload else b"", upload.filename if upload else "")
                if checked.kind != "xlsx":
                    raise ValidationFailed("请上传 Excel（.xlsx）文件。")
                preview = importer.parse_register(checked.data, today=office_today(now))
                # Kept for the confirmation step (committed with this request).
                stored = store_bytes(
                    checked.data,
                    original_name=checked.filename,
                    content_type=checked.content_type,
                    actor=current_user,
                    now=now,
                )
    return render_template("publication/import.html", preview=preview, stored=stored, columns=importer.COLUMNS)
