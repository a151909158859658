"""Clean-up campaigns, higher-law changes, evaluations and renewal."""

from __future__ import annotations

from urllib.parse import quote

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.cleanup import services
from tracker.cleanup.forms import (
    CampaignDeliberationForm,
    CampaignForm,
    CampaignPublishForm,
    EvaluationForm,
    EvaluationReviewForm,
    ProposeForm,
    RenewForm,
    ReviewItemForm,
    SourceChangeForm,
)
from tracker.cleanup.models import (
    CampaignKind,
    CampaignPhase,
    CampaignTrigger,
    CleanupCampaign,
    CleanupItem,
    CleanupResult,
    Evaluation,
    EvaluationConclusion,
)
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt as _attempt
from tracker.documents.models import Document, DocumentBasis, LegalSource, SourceState
from tracker.documents.storage import path_of
from tracker.documents.uploads import DOCX_TYPE, read_upload
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.opinions import outputs

bp = Blueprint("cleanup", __name__, url_prefix="/cleanup")


@bp.get("/")
def index():
    campaigns = db.session.scalars(sa.select(CleanupCampaign).order_by(CleanupCampaign.id.desc())).all()
    evaluations = db.session.scalars(
        sa.select(Evaluation).order_by(Evaluation.concluded_on.is_not(None), Evaluation.due_on)
    ).all()
    return render_template(
        "cleanup/index.html",
        campaigns=campaigns,
        evaluations=evaluations,
        can_open=may(current_user, "review"),
        progress={c.id: services.progress(c) for c in campaigns},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not may(current_user, "review"):
        abort(403)
    form = CampaignForm()
    issuers = db.session.scalars(sa.select(Unit).where(Unit.can_issue.is_(True)).order_by(Unit.name)).all()
    sources = db.session.scalars(sa.select(LegalSource).order_by(LegalSource.title)).all()
    form.issuer_id.choices = [(0, "（不限）")] + [(u.id, u.name) for u in issuers]
    form.source_id.choices = [(0, "（不限）")] + [(s.id, s.title) for s in sources]
    if request.method == "GET":
        today = office_today(now_utc())
        form.cutoff_on.data = today
        form.name.data = f"{today.year}年度规范性文件清理"
        if source_id := bounded_int(request.args.get("source_id")):
            source = db.session.get(LegalSource, source_id)
            if source is not None:
                form.source_id.data, form.kind.data = source.id, CampaignKind.SPECIAL.value
                form.trigger.data, form.trigger_ref.data = (
                    CampaignTrigger.HIGHER_LAW.value,
                    f"《{source.title}》{source.state.label}",
                )
                form.name.data = f"因《{source.title}》{source.state.label}开展的专项清理"
    if form.validate_on_submit():
        kind = CampaignKind(form.kind.data)
        narrowed = kind is CampaignKind.SPECIAL and (form.subject.data or form.issuer_id.data or form.source_id.data)
        ids = (
            services.scoped_document_ids(
                cutoff_on=form.cutoff_on.data,
                subject=(form.subject.data or "").strip() or None,
                issuer_id=form.issuer_id.data or None,
                source_id=form.source_id.data or None,
            )
            if narrowed
            else None
        )
        result = {}
        if _attempt(
            lambda: result.setdefault(
                "c",
                services.open_campaign(
                    actor=current_user,
                    now=now_utc(),
                    name=form.name.data,
                    kind=kind,
                    trigger=CampaignTrigger(form.trigger.data),
                    trigger_ref=form.trigger_ref.data,
                    cutoff_on=form.cutoff_on.data,
                    document_ids=ids,
                ),
            ),
            "已发起清理，各起草单位可以提出清理意见。",
        ):
            return redirect(url_for("cleanup.show", campaign_id=result["c"].id))
    return render_template("cleanup/new.html", form=form)


@bp.get("/<int:campaign_id>")
def show(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    items = sorted(campaign.items, key=lambda i: (i.document.drafting_unit.name, i.document.title))
    mine = [i for i in items if may(current_user, "draft", i.document)]
    today = office_today(now_utc())
    deliberate_form, publish_form = CampaignDeliberationForm(), CampaignPublishForm()
    deliberate_form.held_on.data = publish_form.published_on.data = today
    return render_template(
        "cleanup/show.html",
        campaign=campaign,
        items=items,
        mine={i.id for i in mine},
        progress=services.progress(campaign),
        propose_form=ProposeForm(),
        review_form=ReviewItemForm(),
        deliberate_form=deliberate_form,
        publish_form=publish_form,
        can_review=may(current_user, "review"),
        can_office=may(current_user, "office"),
        results=list(CleanupResult),
        Phase=CampaignPhase,
    )


def _item(item_id: int) -> CleanupItem:
    return db.get_or_404(CleanupItem, item_id)


@bp.post("/items/<int:item_id>/propose")
def propose(item_id: int):
    item = _item(item_id)
    form = ProposeForm()
    if form.validate():
        _attempt(
            lambda: services.propose(
                item, actor=current_user, now=now_utc(), result=CleanupResult(form.result.data), reason=form.reason.data
            ),
            "清理意见已提交。",
        )
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("cleanup.show", campaign_id=item.campaign_id, _anchor=f"item-{item.id}"))


@bp.post("/items/<int:item_id>/review")
def review(item_id: int):
    item = _item(item_id)
    form = ReviewItemForm()
    if form.validate():
        _attempt(
            lambda: services.review(
                item,
                actor=current_user,
                now=now_utc(),
                result=CleanupResult(form.result.data),
                note=form.note.data or "",
            ),
            "审核意见已保存。",
        )
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("cleanup.show", campaign_id=item.campaign_id, _anchor=f"item-{item.id}"))


@bp.post("/<int:campaign_id>/deliberate")
def deliberate(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    form = CampaignDeliberationForm()
    if form.validate():
        _attempt(
            lambda: services.deliberate_campaign(
                campaign, actor=current_user, now=now_utc(), meeting=form.meeting.data, held_on=form.held_on.data
            ),
            "已登记集体审议。",
        )
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("cleanup.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/publish")
def publish(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    form = CampaignPublishForm()
    if form.validate():
        _attempt(
            lambda: services.publish_campaign(
                campaign,
                actor=current_user,
                now=now_utc(),
                published_on=form.published_on.data,
                notice_number=form.notice_number.data or "",
                url=form.url.data,
            ),
            "清理结果已公布，文件状态已随之更新。",
        )
    else:
        flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return redirect(url_for("cleanup.show", campaign_id=campaign.id))


@bp.get("/<int:campaign_id>/catalogue.xlsx")
def catalogue_xlsx(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    if campaign.phase is not CampaignPhase.PUBLISHED:
        abort(404)
    name = quote(f"{campaign.name}结果目录.xlsx")
    return Response(
        services.catalogue_xlsx(campaign),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename=\"catalogue.xlsx\"; filename*=UTF-8''{name}"},
    )


@bp.route("/<int:campaign_id>/catalogue.docx", methods=["GET", "POST"])
def catalogue_docx(campaign_id: int):
    """GET: the latest Word catalogue (the first download generates it); POST: generate a new version."""
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    back = redirect(url_for("cleanup.show", campaign_id=campaign.id))
    if request.method == "POST":
        if not outputs.may_generate_catalogue(current_user):
            abort(403)
        _attempt(
            lambda: outputs.generate_cleanup_catalogue(campaign, actor=current_user, now=now_utc()),
            "已生成结果目录（Word），此前的版本仍保留。",
        )
        return back
    try:
        row, created = outputs.latest_catalogue(campaign, actor=current_user, now=now_utc())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return back
    if created:
        db.session.commit()
    path = path_of(row.file)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=DOCX_TYPE, as_attachment=True, download_name=row.file.original_name)


@bp.route("/sources", methods=["GET", "POST"])
def sources():
    rows = db.session.execute(
        sa.select(LegalSource, sa.func.count(DocumentBasis.id))
        .outerjoin(DocumentBasis, DocumentBasis.source_id == LegalSource.id)
        .group_by(LegalSource.id)
        .order_by(LegalSource.title)
    ).all()
    flagged = None
    form = SourceChangeForm()
    if request.method == "POST":
        source = db.get_or_404(LegalSource, bounded_int(request.form.get("source_id")) or 0)
        if form.validate():
            result = {}
            if _attempt(
                lambda: result.setdefault(
                    "docs",
                    services.record_source_change(
                        source,
                        actor=current_user,
                        now=now_utc(),
                        state=SourceState(form.state.data),
                        changed_on=form.changed_on.data,
                    ),
                ),
                f"已登记《{source.title}》的变化。",
            ):
                flagged = {"source": source, "documents": result["docs"]}
        else:
            flash("；".join(e for errs in form.errors.values() for e in errs), "danger")
    return render_template(
        "cleanup/sources.html", rows=rows, form=form, flagged=flagged, can_change=may(current_user, "review")
    )


@bp.route("/evaluations/<int:evaluation_id>", methods=["GET", "POST"])
def evaluation(evaluation_id: int):
    ev = db.get_or_404(Evaluation, evaluation_id)
    if not may(current_user, "document.view", ev.document):
        abort(403)
    form, review_form = EvaluationForm(prefix="e"), EvaluationReviewForm(prefix="r")
    if request.method == "POST":
        if request.form.get("form") == "submit" and form.validate():
            try:
                report = read_upload(form.report.data, required=False)
            except DomainError as exc:
                flash(exc.message, "danger")
            else:
                if _attempt(
                    lambda: services.submit_evaluation(
                        ev,
                        actor=current_user,
                        now=now_utc(),
                        conclusion=EvaluationConclusion(form.conclusion.data),
                        reason=form.reason.data,
                        report=report,
                    ),
                    "评估报告已提交司法所审核。",
                ):
                    return redirect(url_for("cleanup.evaluation", evaluation_id=ev.id))
        elif request.form.get("form") == "review" and review_form.validate():
            if _attempt(
                lambda: services.review_evaluation(
                    ev,
                    actor=current_user,
                    now=now_utc(),
                    agree=review_form.decision.data == "agree",
                    note=review_form.note.data or "",
                ),
                "已审核。",
            ):
                return redirect(url_for("cleanup.evaluation", evaluation_id=ev.id))
        ev = db.session.get(Evaluation, evaluation_id)
    return render_template(
        "cleanup/evaluation.html",
        ev=ev,
        form=form,
        review_form=review_form,
        can_submit=may(current_user, "draft", ev.document) and ev.concluded_on is None,
        can_review=may(current_user, "review", ev.document) and ev.conclusion is not None and ev.concluded_on is None,
    )


@bp.route("/documents/<int:doc_id>/renew", methods=["GET", "POST"])
def renew(doc_id: int):
    from tracker.publication.services import renew as renew_service

    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "office", doc):
        abort(403)
    form = RenewForm()
    if request.method == "GET":
        form.signed_on.data = form.published_on.data = office_today(now_utc())
    if form.validate_on_submit():
        result = {}
        if _attempt(
            lambda: result.setdefault(
                "pub",
                renew_service(
                    doc,
                    actor=current_user,
                    now=now_utc(),
                    signed_on=form.signed_on.data,
                    published_on=form.published_on.data,
                    url=form.url.data,
                    validity_mode=form.validity_mode.data,
                    validity_end_on=form.validity_end_on.data,
                    validity_reason=form.validity_reason.data,
                ),
            ),
            "已重新登记发布，请按新编号重新报备。",
        ):
            flash(f"新规范性文件编号：{result['pub'].normative_number}", "info")
            return redirect(url_for("documents.show", doc_id=doc.id))
        doc = db.session.get(Document, doc_id)
    return render_template("cleanup/renew.html", doc=doc, form=form)


def history_for(doc: Document) -> dict:
    """Every campaign the document was in, with its result and reason, and its evaluations."""
    items = db.session.scalars(
        sa.select(CleanupItem).where(CleanupItem.document_id == doc.id).order_by(CleanupItem.campaign_id)
    ).all()
    evals = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.document_id == doc.id).order_by(Evaluation.opened_on)
    ).all()
    return {"campaign_items": items, "evaluations": evals}
