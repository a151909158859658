"""The 法规目录 pages: the catalogue (everyone reads it), an entry's form, verification and the .xlsx/.csv import."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, form_errors, notify, refusal_page
from tracker.documents import catalogue
from tracker.documents.forms import SourceForm
from tracker.documents.models import LegalSource, SourceKind, SourceState
from tracker.errors import ValidationFailed
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
    rows = catalogue.listing(q, show, limit=PAGE_SIZE + 1)
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


@bp.post("/save")
def create():
    return _save(None)


@bp.post("/<int:source_id>/save")
def save(source_id: int):
    return _save(source_id)


def _save(source_id: int | None):
    _editor()
    source = db.get_or_404(LegalSource, source_id) if source_id else None
    form = SourceForm()
    if form.validate():
        now = now_utc()
        with attempt("法规目录已保存。") as done:
            catalogue.save(source, _data(form), actor=current_user, now=now, today=office_today(now))
        if done:
            return redirect(url_for("catalogue.index", q=catalogue.clean_title(form.title.data)))
    else:
        flash(form_errors(form), "danger")
    # Refused: the same form again, with what was typed.
    return render_template("documents/source_form.html", form=form, source=source), 422


@bp.post("/<int:source_id>/verify")
def verify(source_id: int):
    _editor()
    source = db.get_or_404(LegalSource, source_id)
    refusal_page("catalogue.index")
    catalogue.verify(source, actor=current_user, now=now_utc())
    notify(f"已核实《{source.title}》。")
    return redirect(url_for("catalogue.index", show="unverified"))


# --- import: upload (stores the file) → preview (a GET, reads it) → confirm (writes) ---------------------------


def _read_csv_or_sheet(upload) -> tuple[bytes, str, str]:
    data, name = upload.read() if upload else b"", clean_filename(upload.filename if upload else "")
    if name.lower().endswith(".csv"):
        if not data:
            raise ValidationFailed("上传的文件是空的。")
        return data, name, "text/csv"
    checked = check_upload(data, name)
    if checked.kind != "xlsx":
        raise ValidationFailed("请上传 Excel（.xlsx）或 CSV 文件。")
    return checked.data, checked.filename, checked.content_type


def _stored_import(file_id: int | None) -> StoredFile:
    stored = db.get_or_404(StoredFile, file_id or 0)
    if stored.created_by_id != current_user.id:
        abort(403)
    return stored


@bp.get("/import")
def import_page():
    _editor()
    preview, stored = None, None
    file_id = bounded_int(request.args.get("file_id"))
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
    with attempt() as done:
        data, name, content_type = _read_csv_or_sheet(request.files.get("file"))
    if not done:
        return redirect(url_for("catalogue.import_page"))
    # Kept for the preview and the confirmation (committed with this request).
    stored = store_bytes(data, original_name=name, content_type=content_type, actor=current_user, now=now_utc())
    return redirect(url_for("catalogue.import_page", file_id=stored.id))


@bp.post("/import/confirm")
def import_confirm():
    _editor()
    stored = _stored_import(bounded_int(request.form.get("file_id")))
    now = now_utc()
    preview = catalogue.parse(path_of(stored).read_bytes(), stored.original_name, today=office_today(now))
    with attempt("法规目录已导入。") as done:
        added, updated = catalogue.import_rows(preview, actor=current_user, now=now)
    if done:
        notify(f"新增 {added} 条，更新 {updated} 条。", "info")
        return redirect(url_for("catalogue.index"))
    return redirect(url_for("catalogue.import_page", file_id=stored.id))
