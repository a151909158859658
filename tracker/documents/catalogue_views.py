"""The 法规目录 pages: the catalogue (everyone reads it), an entry's form, verification and the .xlsx/.csv import."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt
from tracker.documents import catalogue
from tracker.documents.forms import SourceForm
from tracker.documents.models import DocumentBasis, LegalSource, SourceKind, SourceState
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.files.storage import path_of, store_bytes
from tracker.files.uploads import check_upload, clean_filename

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
PAGE_SIZE = 200


def _editor() -> None:
    if not may(current_user, "catalogue"):
        abort(403)


@bp.get("/")
def index():
    if not may(current_user, "document.view"):
        abort(403)
    q = (request.args.get("q") or "").strip()[:100]
    show = request.args.get("show", "")
    stmt = (
        sa.select(LegalSource, sa.func.count(DocumentBasis.id))
        .outerjoin(DocumentBasis, DocumentBasis.source_id == LegalSource.id)
        .group_by(LegalSource.id)
        .order_by(LegalSource.verified, LegalSource.title)
    )
    if q:
        stmt = stmt.where(LegalSource.title.contains(catalogue.clean_title(q), autoescape=True))
    if show == "unverified":
        stmt = stmt.where(LegalSource.verified.is_(False))
    elif show in {s.value for s in SourceState}:
        stmt = stmt.where(LegalSource.state == SourceState(show))
    rows = db.session.execute(stmt.limit(PAGE_SIZE + 1)).all()
    return render_template(
        "documents/catalogue.html",
        rows=rows[:PAGE_SIZE],
        more=len(rows) > PAGE_SIZE,
        q=q,
        show=show,
        states=list(SourceState),
        can_edit=may(current_user, "catalogue"),
    )


def _form_page(source: LegalSource | None):
    form = SourceForm(obj=source)
    if source is not None and not form.is_submitted():
        form.kind.data = source.kind.value
    return render_template("documents/source_form.html", form=form, source=source)


@bp.get("/new")
def new():
    _editor()
    return _form_page(None)


@bp.get("/<int:source_id>/edit")
def edit(source_id: int):
    _editor()
    return _form_page(db.get_or_404(LegalSource, source_id))


def _data(form: SourceForm) -> catalogue.SourceData:
    return catalogue.SourceData(
        title=form.title.data or "",
        kind=SourceKind(form.kind.data),
        issuing_body=form.issuing_body.data or "",
        number=form.number.data or "",
        promulgated_on=form.promulgated_on.data,
        effective_on=form.effective_on.data,
        amended_on=form.amended_on.data,
        repealed_on=form.repealed_on.data,
    )


@bp.post("/save", defaults={"source_id": None})
@bp.post("/<int:source_id>/save")
def save(source_id: int | None):
    _editor()
    source = db.get_or_404(LegalSource, source_id) if source_id else None
    form = SourceForm()
    if form.validate():
        now = now_utc()
        if attempt(
            lambda: catalogue.save(source, _data(form), actor=current_user, now=now, today=office_today(now)),
            "法规目录已保存。",
        ):
            return redirect(url_for("catalogue.index", q=catalogue.clean_title(form.title.data)))
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    # Refused: the same form again, with what was typed.
    return render_template("documents/source_form.html", form=form, source=source), 422


@bp.post("/<int:source_id>/verify")
def verify(source_id: int):
    _editor()
    source = db.get_or_404(LegalSource, source_id)
    attempt(lambda: catalogue.verify(source, actor=current_user, now=now_utc()), f"已核实《{source.title}》。")
    return redirect(request.referrer or url_for("catalogue.index"))


# --- import: upload (stores the file) → preview (a GET, reads it) → confirm (writes) ---------------------------


def _read_csv_or_sheet(upload) -> tuple[bytes, str, str]:
    data, name = upload.read() if upload else b"", clean_filename(upload.filename if upload else "")
    if name.lower().endswith(".csv"):
        if not data:
            raise DomainError("上传的文件是空的。")
        return data, name, "text/csv"
    checked = check_upload(data, name)
    if checked.kind != "xlsx":
        raise DomainError("请上传 Excel（.xlsx）或 CSV 文件。")
    return checked.data, checked.filename, checked.content_type


def _stored_import(file_id: int) -> StoredFile:
    stored = db.get_or_404(StoredFile, file_id)
    if stored.created_by_id != current_user.id:
        abort(403)
    return stored


@bp.get("/import")
def import_page():
    _editor()
    preview, stored = None, None
    file_id = request.args.get("file_id", type=int)
    if file_id:
        stored = _stored_import(file_id)
        path = path_of(stored)
        if not path.exists():
            abort(404)
        preview = catalogue.parse(path.read_bytes(), stored.original_name, today=office_today(now_utc()))
    return render_template("documents/catalogue_import.html", preview=preview, stored=stored, columns=catalogue.COLUMNS)


@bp.post("/import/upload")
def import_upload():
    _editor()
    try:
        data, name, content_type = _read_csv_or_sheet(request.files.get("file"))
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("catalogue.import_page"))
    stored = store_bytes(data, original_name=name, content_type=content_type, actor=current_user, now=now_utc())
    db.session.commit()
    return redirect(url_for("catalogue.import_page", file_id=stored.id))


@bp.post("/import/confirm")
def import_confirm():
    _editor()
    stored = _stored_import(request.form.get("file_id", type=int) or 0)
    now = now_utc()
    preview = catalogue.parse(path_of(stored).read_bytes(), stored.original_name, today=office_today(now))
    result = {}
    if attempt(
        lambda: result.setdefault("n", catalogue.import_rows(preview, actor=current_user, now=now)),
        "法规目录已导入。",
    ):
        added, updated = result["n"]
        flash(f"新增 {added} 条，更新 {updated} 条。", "info")
        return redirect(url_for("catalogue.index"))
    return redirect(url_for("catalogue.import_page", file_id=stored.id))
