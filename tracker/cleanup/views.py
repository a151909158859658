"""Clean-up campaigns, higher-law changes, evaluations and renewal."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.cleanup import queries, services
from tracker.cleanup import word as cleanup_word
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
from tracker.cleanup.phases import CAMPAIGN, RESULTS_OPEN
from tracker.common.downloads import attachment
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, form_errors, notify, posted, refusal_page, validated
from tracker.documents.models import Document, LegalSource, SourceState
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, read_upload

bp = Blueprint("cleanup", __name__, url_prefix="/cleanup")


@bp.before_request
def _town_people_only():
    """A town's records for a town's people: the city's bureau reviewer has none here (deny by default)."""
    if current_user.is_authenticated and not may(current_user, "document.view"):
        abort(403)


@bp.get("/")
def index():
    campaigns = queries.campaigns()
    return render_template(
        "cleanup/index.html",
        campaigns=campaigns,
        evaluations=queries.evaluations(),
        can_open=may(current_user, "review"),
        progress={c.id: services.progress(c) for c in campaigns},
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not may(current_user, "review"):
        abort(403)
    form = CampaignForm()
    form.issuer_id.choices = [(0, "（不限）")] + [(u.id, u.name) for u in queries.issuing_units()]
    form.source_id.choices = [(0, "（不限）")] + [(s.id, s.title) for s in queries.legal_sources()]
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
        with attempt("已发起清理，各起草单位可以提出清理意见。") as done:
            campaign = services.open_campaign(
                actor=current_user,
                now=now_utc(),
                name=form.name.data,
                kind=kind,
                trigger=CampaignTrigger(form.trigger.data),
                trigger_ref=form.trigger_ref.data,
                cutoff_on=form.cutoff_on.data,
                document_ids=ids,
            )
        if done:
            return redirect(url_for("cleanup.show", campaign_id=campaign.id))
    return render_template("cleanup/new.html", form=form)


@bp.get("/<int:campaign_id>")
def show(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    items = sorted(campaign.items, key=lambda i: (i.document.drafting_unit.name, i.document.title))
    mine = [i for i in items if may(current_user, "draft", i.document)]
    now = now_utc()
    deliberate_form, publish_form = CampaignDeliberationForm(), CampaignPublishForm()
    if request.method == "GET":
        deliberate_form.held_on.data = publish_form.published_on.data = office_today(now)
    return render_template(
        "cleanup/show.html",
        campaign=campaign,
        today=office_today(now),
        items=items,
        mine={i.id for i in mine},
        progress=services.progress(campaign),
        propose_form=ProposeForm(),
        review_form=ReviewItemForm(),
        deliberate_form=deliberate_form,
        publish_form=publish_form,
        can_review=may(current_user, "review"),
        results=list(CleanupResult),
        # The campaign's own steps (deliberation, publication) as the table offers them to this user.
        steps={a.name: a for a in CAMPAIGN.available(campaign, current_user, now=now)},
        results_open=campaign.phase in RESULTS_OPEN,
        Phase=CampaignPhase,
        word={
            "versions": cleanup_word.catalogue_versions(campaign),
            "can_generate": cleanup_word.may_generate_catalogue(current_user),
        },
    )


def _item(item_id: int) -> CleanupItem:
    item = db.get_or_404(CleanupItem, item_id)
    refusal_page("cleanup.show", campaign_id=item.campaign_id)
    return item


@bp.post("/items/<int:item_id>/propose")
def propose(item_id: int):
    item = _item(item_id)
    services.require_proposer(item, current_user)
    form = validated(ProposeForm())
    services.propose(
        item, actor=current_user, now=now_utc(), result=CleanupResult(form.result.data), reason=form.reason.data
    )
    notify("清理意见已提交。")
    return redirect(url_for("cleanup.show", campaign_id=item.campaign_id, _anchor=f"item-{item.id}"))


@bp.post("/items/<int:item_id>/review")
def review(item_id: int):
    item = _item(item_id)
    services.require_reviewer(item, current_user)
    form = validated(ReviewItemForm())
    services.review(
        item, actor=current_user, now=now_utc(), result=CleanupResult(form.result.data), note=form.note.data or ""
    )
    notify("审核意见已保存。")
    return redirect(url_for("cleanup.show", campaign_id=item.campaign_id, _anchor=f"item-{item.id}"))


@bp.post("/<int:campaign_id>/deliberate")
def deliberate(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    refusal_page("cleanup.show", campaign_id=campaign.id)
    CAMPAIGN.require(campaign, "deliberate", actor=current_user, now=now_utc())
    form = validated(CampaignDeliberationForm())
    services.deliberate_campaign(
        campaign, actor=current_user, now=now_utc(), meeting=form.meeting.data, held_on=form.held_on.data
    )
    notify("已登记集体审议。")
    return redirect(url_for("cleanup.show", campaign_id=campaign.id))


@bp.post("/<int:campaign_id>/publish")
def publish(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    refusal_page("cleanup.show", campaign_id=campaign.id)
    CAMPAIGN.require(campaign, "publish", actor=current_user, now=now_utc())
    form = validated(CampaignPublishForm())
    services.publish_campaign(
        campaign,
        actor=current_user,
        now=now_utc(),
        published_on=form.published_on.data,
        notice_number=form.notice_number.data or "",
        url=form.url.data,
    )
    notify("清理结果已公布，文件状态已随之更新。")
    return redirect(url_for("cleanup.show", campaign_id=campaign.id))


@bp.get("/<int:campaign_id>/catalogue.xlsx")
def catalogue_xlsx(campaign_id: int):
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    if campaign.phase is not CampaignPhase.PUBLISHED:
        abort(404)
    return Response(
        services.catalogue_xlsx(campaign),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": attachment(f"{campaign.name}结果目录.xlsx", "catalogue.xlsx")},
    )


@bp.get("/<int:campaign_id>/catalogue.docx")
def catalogue_docx(campaign_id: int):
    """The latest stored Word catalogue (generated when the result was published); a GET never generates."""
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    versions = cleanup_word.catalogue_versions(campaign)
    if not versions:
        flash("结果目录（Word）尚未生成，请党政办文秘或司法所审查员在本页生成后再下载。", "warning")
        return redirect(url_for("cleanup.show", campaign_id=campaign.id))
    path = path_of(versions[0].file)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=DOCX_TYPE, as_attachment=True, download_name=versions[0].file.original_name)


@bp.post("/<int:campaign_id>/catalogue.docx/generate")
def generate_catalogue(campaign_id: int):
    """Generate the Word catalogue again (a new version; the earlier ones stay)."""
    campaign = db.get_or_404(CleanupCampaign, campaign_id)
    if not cleanup_word.may_generate_catalogue(current_user):
        abort(403)
    with attempt("已生成结果目录（Word），此前的版本仍保留。"):
        cleanup_word.generate_cleanup_catalogue(campaign, actor=current_user, now=now_utc())
    return redirect(url_for("cleanup.show", campaign_id=campaign.id))


@bp.route("/sources", methods=["GET", "POST"])
def sources():
    flagged = None
    form = SourceChangeForm()
    if posted():
        refusal_page("cleanup.sources")
        services.require_source_recorder(current_user)
        if not (request.form.get("source_id") or "").strip():
            abort(400)
        source = db.get_or_404(LegalSource, bounded_int(request.form.get("source_id")) or 0)  # no such id: 404
        if not form.validate():
            flash(form_errors(form), "danger")
        else:
            with attempt(f"已登记《{source.title}》的变化。") as done:
                citing = services.record_source_change(
                    source,
                    actor=current_user,
                    now=now_utc(),
                    state=SourceState(form.state.data),
                    changed_on=form.changed_on.data,
                )
            if done:
                flagged = {"source": source, "documents": citing}
    return render_template(
        "cleanup/sources.html",
        rows=queries.sources_with_citations(),
        form=form,
        flagged=flagged,
        can_change=may(current_user, "review"),
    )


@bp.route("/evaluations/<int:evaluation_id>", methods=["GET", "POST"])
def evaluation(evaluation_id: int):
    ev = db.get_or_404(Evaluation, evaluation_id)
    if not may(current_user, "document.view", ev.document):
        abort(403)
    form, review_form = EvaluationForm(prefix="e"), EvaluationReviewForm(prefix="r")
    if posted():
        refusal_page("cleanup.evaluation", evaluation_id=ev.id)
        which = request.form.get("form")
        if which == "submit":
            services.require_evaluation_reporter(ev, current_user)
        elif which == "review":
            services.require_evaluation_reviewer(ev, current_user)
        else:
            abort(400)
        if which == "submit" and form.validate():
            with attempt("评估报告已提交司法所审核。") as done:
                services.submit_evaluation(
                    ev,
                    actor=current_user,
                    now=now_utc(),
                    conclusion=EvaluationConclusion(form.conclusion.data),
                    reason=form.reason.data,
                    report=read_upload(form.report.data, required=False),
                )
            if done:
                return redirect(url_for("cleanup.evaluation", evaluation_id=ev.id))
        elif which == "review" and review_form.validate():
            with attempt("已审核。") as done:
                services.review_evaluation(
                    ev,
                    actor=current_user,
                    now=now_utc(),
                    agree=review_form.decision.data == "agree",
                    note=review_form.note.data or "",
                )
            if done:
                return redirect(url_for("cleanup.evaluation", evaluation_id=ev.id))
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
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, "office", doc):
        abort(403)
    form = RenewForm()
    if request.method == "GET":
        form.signed_on.data = form.published_on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("已重新登记发布，请按新编号重新报备。") as done:
            pub = services.renew(
                doc,
                actor=current_user,
                now=now_utc(),
                signed_on=form.signed_on.data,
                published_on=form.published_on.data,
                url=form.url.data,
                validity_mode=form.validity_mode.data,
                validity_end_on=form.validity_end_on.data,
                validity_reason=form.validity_reason.data,
            )
        if done:
            notify(f"新规范性文件编号：{pub.normative_number}", "info")
            return redirect(url_for("register.show", doc_id=doc.id))
    return render_template("cleanup/renew.html", doc=doc, form=form)
