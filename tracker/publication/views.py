"""The clerk's pages: signing and numbering, publication, entry into force, relations, end of life."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt as _attempt
from tracker.documents.models import Document, RelationKind
from tracker.documents.states import DocStatus
from tracker.errors import DomainError, InvalidTransition
from tracker.extensions import db
from tracker.files.uploads import read_upload
from tracker.publication import series, services
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
    if request.method == "GET":
        form.signed_on.data = office_today(now_utc())
    if form.validate_on_submit():
        result = {}
        if _attempt(
            lambda: result.setdefault(
                "pub",
                services.number_document(
                    doc,
                    actor=current_user,
                    now=now_utc(),
                    signed_on=form.signed_on.data,
                    signer=form.signer.data or "",
                    issue_number=(form.issue_number.data or "").strip() or None,
                    normative_number=(form.normative_number.data or "").strip() or None,
                ),
            ),
            "已签发登记。",
        ):
            pub = result["pub"]
            flash(f"发文字号：{pub.issue_number}；规范性文件编号：{pub.normative_number}", "info")
            return redirect(url_for("register.show", doc_id=doc.id))
        doc = db.session.get(Document, doc_id)
    year = office_today(now_utc()).year
    try:
        examples = {which: series.peek(doc.issuer, which, year) for which in (series.ISSUE, series.NORMATIVE)}
    except DomainError as exc:  # the issuer has no 发文代字, or its pattern is unusable: say so before signing
        examples = {}
        flash(exc.message, "warning")
    return render_template("publication/number.html", doc=doc, form=form, examples=examples)


@bp.route("/documents/<int:doc_id>/publish", methods=["GET", "POST"])
def publish(doc_id: int):
    doc = _doc(doc_id, "office")
    pub = current_publication(doc)
    if pub is None:
        abort(404)
    form = PublishForm()
    if request.method == "GET":
        form.published_on.data = office_today(now_utc())
    if form.validate_on_submit():
        try:
            official = read_upload(form.official_text.data, required=False)
            interpretation = read_upload(form.interpretation.data, required=False)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            if _attempt(
                lambda: services.publish(
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
                    official_text=official,
                    interpretation=interpretation,
                ),
                "已登记发布，报备期限已开始计算。",
            ):
                return redirect(url_for("register.show", doc_id=doc.id))
        doc = db.session.get(Document, doc_id)
        pub = current_publication(doc)
    years = get_rule("validity_trial" if doc.trial_kind.value != "none" else "validity_default")
    return render_template(
        "publication/publish.html",
        doc=doc,
        pub=pub,
        form=form,
        gap=get_rule("effect_min_gap"),
        validity_rule=years,
        filing_rule=get_rule("filing_deadline"),
    )


@bp.post("/documents/<int:doc_id>/effect")
def effect(doc_id: int):
    """Record entry into force or expiry by hand (the daily job does the same on its own)."""
    doc = _doc(doc_id, "system")
    action = request.args.get("action") or request.form.get("action")
    if action == "take_effect":
        services.take_effect(doc, actor=current_user, now=now_utc())
    elif action == "expire":
        services.expire(doc, actor=current_user, now=now_utc())
    else:
        raise InvalidTransition("没有这个操作。")
    db.session.commit()
    flash("已办理。", "success")
    return redirect(url_for("register.show", doc_id=doc.id))


@bp.route("/documents/<int:doc_id>/end", methods=["GET", "POST"])
def end(doc_id: int):
    doc = _doc(doc_id, "office")
    action = request.args.get("action", "")
    if action not in ("repeal", "declare_invalid", "mark_amended"):
        abort(404)
    form = EndForm()
    if request.method == "GET":
        form.on.data = office_today(now_utc())
    if form.validate_on_submit():
        if _attempt(
            lambda: services.end_document(
                doc, action, actor=current_user, now=now_utc(), on=form.on.data, reason=form.reason.data
            ),
            "已办理。",
        ):
            return redirect(url_for("register.show", doc_id=doc.id))
        doc = db.session.get(Document, doc_id)
    labels = {"repeal": "废止", "declare_invalid": "宣布失效", "mark_amended": "登记已被修改"}
    return render_template("publication/end.html", doc=doc, form=form, action=action, label=labels[action])


@bp.route("/documents/<int:doc_id>/relations", methods=["GET", "POST"])
def relations(doc_id: int):
    doc = db.get_or_404(Document, doc_id)
    if not (may(current_user, "document.edit", doc) or may(current_user, "office", doc)):
        abort(403)
    form = RelationForm()
    if form.validate_on_submit():
        target = db.session.get(Document, form.target_id.data)
        if target is None:
            flash("所选文件不存在。", "danger")
        elif _attempt(
            lambda: services.add_relation(doc, target, RelationKind(form.kind.data), actor=current_user, now=now_utc()),
            "已登记。",
        ):
            return redirect(url_for("register.show", doc_id=doc.id))
    candidates = db.session.scalars(
        sa.select(Document)
        .where(Document.status.in_([DocStatus.PUBLISHED, DocStatus.IN_FORCE]), Document.id != doc.id)
        .order_by(Document.title)
    ).all()
    return render_template("publication/relations.html", doc=doc, form=form, candidates=candidates)


@bp.route("/import", methods=["GET", "POST"])
def import_register():
    """Existing documents from the old .xlsx register: upload → preview with per-row errors → confirm."""
    from tracker.files.models import StoredFile
    from tracker.files.storage import path_of, store_bytes
    from tracker.files.uploads import check_upload
    from tracker.publication import importer

    if not may(current_user, "office"):
        abort(403)
    preview, stored = None, None
    now = now_utc()
    if request.method == "POST":
        if request.form.get("confirm") and (request.form.get("file_id") or "").isdigit():
            stored = db.get_or_404(StoredFile, int(request.form["file_id"]))
            if stored.created_by_id != current_user.id:
                abort(403)
            preview = importer.parse_register(path_of(stored).read_bytes(), today=office_today(now))
            try:
                docs = importer.import_register(preview, actor=current_user, now=now)
            except DomainError as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            else:
                db.session.commit()
                flash(f"已补录 {len(docs)} 件文件。", "success")
                return redirect(url_for("register.index"))
        else:
            upload = request.files.get("file")
            try:
                checked = check_upload(upload.read() if upload else b"", upload.filename if upload else "")
                if checked.kind != "xlsx":
                    raise DomainError("请上传 Excel（.xlsx）文件。")
            except DomainError as exc:
                flash(exc.message, "danger")
            else:
                preview = importer.parse_register(checked.data, today=office_today(now))
                stored = store_bytes(
                    checked.data,
                    original_name=checked.filename,
                    content_type=checked.content_type,
                    actor=current_user,
                    now=now,
                )
                db.session.commit()
    return render_template("publication/import.html", preview=preview, stored=stored, columns=importer.COLUMNS)
