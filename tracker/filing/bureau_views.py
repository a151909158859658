"""The city justice bureau's desk: the filings its towns made here, each with its packet, acceptance and result.

Requests of this blueprint made by the bureau's reviewer read every town of the city (the user loader enters the
city's scope for them); `may(user, "bureau", document)` judges each record: a town of the reviewer's own city.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.audit.services import document_history
from tracker.auth.models import Town
from tracker.auth.permissions import may
from tracker.common.downloads import attachment
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, notify, refusal_page, validated
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.filing import bureau, services
from tracker.filing.forms import AcceptForm, DecisionForm, ExtendForm, ReturnPacketForm
from tracker.filing.models import FilingAttempt, FilingResult
from tracker.filing.opinion_word import versions as opinion_versions
from tracker.filing.opinion_word import versions_by_attempt
from tracker.filing.packet import packet
from tracker.publication.queries import current_publication
from tracker.rules.ruleset import get_rule
from tracker.word.responses import pdf_response

bp = Blueprint("bureau", __name__, url_prefix="/bureau")

# The document's events the bureau reads on a filing's page: its filing and what was published.
_FILING_EVENTS = ("filing.", "transition.submit_filing", "transition.bureau_", "transition.filing_")


def _desk_allowed() -> None:
    if not may(current_user, "bureau"):
        abort(403)


def _case(attempt_id: int) -> tuple[FilingAttempt, Document]:
    """A submission made here, of a town of the reviewer's city: anything else is not said to exist."""
    _desk_allowed()
    found = bureau.attempt_of(attempt_id)
    if found is None or not may(current_user, "bureau", found[1]):
        abort(404)
    return found


@bp.get("/")
def desk():
    _desk_allowed()
    town_id = request.args.get("town", type=int)
    today = office_today(now_utc())
    work = bureau.desk(today=today, town_id=town_id)
    return render_template(
        "bureau/desk.html",
        work=work,
        town_id=town_id,
        today=today,
        review_rule=get_rule("filing_review"),
        extension_rule=get_rule("filing_review_extension"),
    )


@bp.get("/filings/<int:attempt_id>")
def filing(attempt_id: int):
    """One submission: the document, its packet to read, the history of the filing, and the bureau's forms."""
    case, doc = _case(attempt_id)
    today = office_today(now_utc())
    accept_form, return_form = AcceptForm(prefix="accept"), ReturnPacketForm(prefix="return")
    decision_form, extend_form = DecisionForm(prefix="decide"), ExtendForm(prefix="extend")
    if request.method == "GET":
        accept_form.accepted_on.data = return_form.returned_on.data = today
        decision_form.decided_on.data = extend_form.extended_on.data = today
    filing_ = case.filing
    events = [e for e in document_history(doc.id) if e.action.startswith(_FILING_EVENTS)]
    return render_template(
        "bureau/filing.html",
        case=case,
        doc=doc,
        town=db.session.get(Town, doc.town_id),
        filing=filing_,
        latest=filing_.attempts[-1],
        pub=current_publication(doc),
        packet=packet(doc),
        opinions=versions_by_attempt(filing_.attempts),
        events=events,
        today=today,
        accept_form=accept_form,
        return_form=return_form,
        decision_form=decision_form,
        extend_form=extend_form,
        extension_rule=get_rule("filing_review_extension"),
    )


def _done(case: FilingAttempt) -> Response:
    return redirect(url_for("bureau.filing", attempt_id=case.id))


@bp.post("/filings/<int:attempt_id>/accept")
def accept(attempt_id: int):
    case, doc = _case(attempt_id)
    refusal_page("bureau.filing", where="decide" if case.accepted_on else "accept", attempt_id=case.id)
    form = validated(AcceptForm(prefix="accept"))
    bureau.accept(doc, case, actor=current_user, now=now_utc(), accepted_on=form.accepted_on.data)
    notify("已受理，审查期限见本页。")
    return _done(case)


@bp.post("/filings/<int:attempt_id>/return")
def return_packet(attempt_id: int):
    case, doc = _case(attempt_id)
    refusal_page("bureau.filing", where="decide" if case.accepted_on else "accept", attempt_id=case.id)
    form = validated(ReturnPacketForm(prefix="return"))
    answered = bureau.return_packet(
        doc, case, actor=current_user, now=now_utc(), returned_on=form.returned_on.data, note=form.note.data
    )
    notify(f"已退回补正，补正期限 {answered.correction_due_on.isoformat()}。")
    return redirect(url_for("bureau.desk"))


@bp.post("/filings/<int:attempt_id>/decide")
def decide(attempt_id: int):
    case, doc = _case(attempt_id)
    # Before acceptance the page shows no decision form: the reason is said where the acceptance is.
    refusal_page("bureau.filing", where="decide" if case.accepted_on else "accept", attempt_id=case.id)
    form = validated(DecisionForm(prefix="decide"))
    answered, _file = bureau.decide(
        doc,
        case,
        actor=current_user,
        now=now_utc(),
        result=FilingResult(form.result.data),
        decided_on=form.decided_on.data,
        note=form.note.data or "",
        correction_due_on=form.correction_due_on.data,
    )
    notify(f"已作出审查结果：{answered.result.label}，备案审查意见 {answered.opinion_number}。")
    return redirect(url_for("bureau.filing", attempt_id=answered.id))


@bp.post("/filings/<int:attempt_id>/extend")
def extend(attempt_id: int):
    case, doc = _case(attempt_id)
    refusal_page("bureau.filing", where="extend" if case.accepted_on else "accept", attempt_id=case.id)
    form = validated(ExtendForm(prefix="extend"))
    due = bureau.extend(
        doc, case, actor=current_user, now=now_utc(), extended_on=form.extended_on.data, reason=form.reason.data
    )
    notify(f"已延长审查期限至 {due.isoformat()}。")
    return _done(case)


@bp.get("/filings/<int:attempt_id>/packet.zip")
def packet_zip(attempt_id: int):
    case, doc = _case(attempt_id)
    with attempt() as done:
        data, name = services.export_packet(doc)
    if not done:
        return _done(case)
    return Response(data, mimetype="application/zip", headers={"Content-Disposition": attachment(name, "packet.zip")})


@bp.get("/filings/<int:attempt_id>/packet/<int:item_no>/download")
def packet_item(attempt_id: int, item_no: int):
    """One material of the packet, to read (numbered as listed on the page, from 1)."""
    _case_, doc = _case(attempt_id)
    items = packet(doc)
    if not 1 <= item_no <= len(items) or items[item_no - 1].file is None:
        abort(404)
    stored = items[item_no - 1].file
    path = path_of(stored)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=stored.content_type, as_attachment=True, download_name=stored.original_name)


def _opinion_file(case: FilingAttempt, opinion_version: int):
    row = next((v for v in opinion_versions(case) if v.version_no == opinion_version), None)
    path = path_of(row.file) if row is not None else None
    if path is None or not path.exists():
        abort(404)
    return row, path


@bp.get("/filings/<int:attempt_id>/opinion/<int:opinion_version>/download")
def opinion(attempt_id: int, opinion_version: int):
    """The bureau's written opinion on this submission, as sent to the town."""
    case, _doc = _case(attempt_id)
    row, path = _opinion_file(case, opinion_version)
    return send_file(path, mimetype=row.file.content_type, as_attachment=True, download_name=row.file.original_name)


@bp.get("/filings/<int:attempt_id>/opinion/<int:opinion_version>.pdf")
def opinion_pdf(attempt_id: int, opinion_version: int):
    """The same opinion as PDF (LibreOffice headless; the reason on the filing's page when it cannot be made)."""
    case, _doc = _case(attempt_id)
    row, path = _opinion_file(case, opinion_version)
    return pdf_response(path.read_bytes(), row.file.original_name, back=url_for("bureau.filing", attempt_id=case.id))
