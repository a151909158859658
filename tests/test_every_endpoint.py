"""Every endpoint × every role × GET/POST with real ids, and every document page followed link by link.

The expectation table names every endpoint of the URL map: a new route without an entry fails. It is written from
the rules of who does what (docs/rules.md §8), not read off the code. Posts run in a sandbox (tests/sandbox.py):
what they write is rolled back, so the town stays as built for every test of this module.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.documents.files import docx_bytes
from tests.pages import is_login_redirect, text
from tests.sandbox import sandbox
from tests.town import ROLES, build, clients, login
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Attachment, AttachmentKind, Document
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication

A, R, C, D, D2, L, B, CL, CA = ROLES
CITY = (B, CL)  # the people of the city who read the city's pages
OF_THE_CITY = (B, CL, CA)  # every person of the city: none reads a page of a town's document
EVERYONE = frozenset(ROLES)
IN, OUT = "in", "out"  # let through the door (any answer but a refusal) / refused (403, or 404: not said to exist)


def only(*roles: str, **exact: int) -> dict[str, object]:
    """These roles get in (or get the exact status given as role=code), every other role is refused."""
    rule = {role: OUT for role in ROLES}
    rule.update({role: IN for role in roles})
    rule.update(exact)
    return rule


# Everyone of the town; the city's people reach only their own account and the city's pages.
ALL = only(A, R, C, D, D2, L)
EVERY_LOGIN = only(*ROLES)
NOBODY = only()
OFFICE_READERS = only(A, R, C, L)  # reports, the register of drafts for comment (no drafting unit)
RULE_READERS = only(A, R, C, L, CA)  # the time limits and the calendar: the city's administrator keeps them
INSTALL = only(CA)  # what every town of the install shares: changed by the city's administrator only
HANDLERS = only(R, C)  # drafts for comment from higher levels
# A draft is read by its own unit and the town's offices, a published document by everyone.
DOC_VIEW = {"draft": only(A, R, C, D, L), "published": ALL}

PUBLIC = "public"  # reachable without logging in
LIBRARY = "library"  # the public library's page of one document: everyone, logged in or not, for a published one
TOKEN = "token"  # authenticated by the secret in its URL

# endpoint -> {"GET": rule, "POST": rule or [(form data, rule), …]}; a rule is one for every role, or one per
# variant of the record in the URL ("draft"/"published" for a document of 执法局, "open"/"done" for a campaign).
EXPECT: dict[str, object] = {
    # --- login, home, static ------------------------------------------------------------------------------
    "auth.login": PUBLIC,
    "main.health": PUBLIC,
    "static": PUBLIC,
    "bootstrap.static": PUBLIC,
    "alerts.ical_feed": TOKEN,
    # --- the public library: published documents only, no login ------------------------------------------------
    "public.index": PUBLIC,
    "public.feed": PUBLIC,
    "public.show": LIBRARY,
    "public.download": LIBRARY,
    "auth.logout": {"POST": only(**{role: 302 for role in ROLES})},  # to the login page
    # The bureau's home is its desk (a redirect); its own account, history and password are everyone's.
    "main.index": {"GET": EVERY_LOGIN},
    "alerts.account": {"GET": EVERY_LOGIN, "POST": [({"action": "rotate"}, EVERY_LOGIN)]},
    "audit.my_events": {"GET": EVERY_LOGIN},
    # Everyone changes their own password (this session goes on, the others end).
    "auth.change_password": {"GET": EVERY_LOGIN, "POST": EVERY_LOGIN},
    "auth.display_mode": {"POST": [({"mode": "elder"}, only(**{role: 302 for role in ROLES}))]},
    # --- the city justice bureau's desk: the towns' filings made here, "here" 沙溪镇's awaiting acceptance,
    # "there" 大涌镇's answered with a written opinion; no person of a town reaches it ---------------------------
    "bureau.desk": {"GET": only(B)},
    # The city's pages: each town's figures, the documents across the city, their workbooks (the city's people).
    "city.index": {"GET": only(*CITY)},
    "city.statistics_export": {"GET": only(*CITY)},
    "city.statistics_docx": {"GET": only(*CITY)},
    "city.documents": {"GET": only(*CITY)},
    "city.documents_export": {"GET": only(*CITY)},
    # The city's clean-ups: the city's people read them, the bureau deploys one (a blank form: refused as invalid).
    "city.campaigns": {"GET": only(*CITY)},
    "city.campaign": {"GET": only(*CITY)},
    "city.open_campaign": {"POST": only(B)},
    "bureau.filing": {"GET": {"here": only(B), "there": only(B)}},
    "bureau.accept": {"POST": {"here": only(B), "there": only(B)}},
    "bureau.return_packet": {"POST": {"here": only(B), "there": only(B)}},
    "bureau.decide": {"POST": {"here": only(B), "there": only(B)}},
    "bureau.extend": {"POST": {"here": only(B), "there": only(B)}},
    "bureau.packet_zip": {"GET": {"here": only(B), "there": only(B)}},
    "bureau.packet_item": {"GET": {"here": only(B), "there": only(B)}},
    # The awaiting submission has no written opinion yet.
    "bureau.opinion": {"GET": {"here": only(**{B: 404}), "there": only(B)}},
    "bureau.opinion_pdf": {"GET": {"here": only(**{B: 404}), "there": only(B)}},
    # Someone else's history: the audit roles and the person themself (the drafter), not another unit.
    "audit.user_events": {"GET": only(A, R, C, D, L)},
    # --- administration: each administrator their own organisation's people and units (the URL names 沙溪镇's:
    # not the city's administrator's); the town's numbers and stricter limits are the town's administrator's; what
    # every town shares (the install's time limits, the calendar, pre-check rules, Word templates) the city's ------
    "admin.users": {"GET": only(A, CA)},
    "admin.user_edit": {"GET": only(A), "POST": only(A)},
    "admin.units": {"GET": only(A, CA)},
    "admin.unit_edit": {"GET": only(A), "POST": only(A)},
    "rules.rules": {"GET": RULE_READERS},
    "rules.rule_edit": {"GET": INSTALL, "POST": INSTALL},
    "rules.town_rule_edit": {"GET": only(A), "POST": only(A)},
    "rules.town_rule_clear": {"POST": only(A)},
    "rules.calendar": {"GET": RULE_READERS, "POST": INSTALL},
    "outputs.templates": {"GET": INSTALL},
    "outputs.upload_template": {"POST": INSTALL},
    "outputs.activate_template": {"POST": INSTALL},
    "outputs.download_template": {"GET": INSTALL},
    "outputs.preview_template": {"GET": INSTALL},
    # Number patterns and each issuer's series are the administrator's (docs/rules.md §4).
    "numbering.page": {"GET": only(A)},
    "numbering.save_defaults": {"POST": only(A)},
    "numbering.save_unit": {"POST": only(A)},
    # The pre-check rules (docs/precheck.md): the city's administrator switches them and keeps the office's own; the
    # URL names one of the office's own rules (the demo's, tests/town.py).
    "precheck_rules.index": {"GET": INSTALL},
    "precheck_rules.add": {"POST": INSTALL},
    "precheck_rules.switch": {"POST": [({"active": "off"}, INSTALL)]},
    "precheck_rules.edit": {"GET": INSTALL},
    "precheck_rules.save": {"POST": INSTALL},
    "precheck_rules.delete": {"POST": INSTALL},
    # The law catalogue (法规目录): read by everyone, kept by the 司法所 and the administrator. Confirming an import
    # names an upload of one's own: none given, there is none (404).
    "catalogue.index": {"GET": ALL},
    "catalogue.new": {"GET": only(A, R)},
    "catalogue.edit": {"GET": only(A, R)},
    "catalogue.create": {"POST": only(A, R)},
    "catalogue.save": {"POST": only(A, R)},
    "catalogue.verify": {"POST": only(A, R)},
    "catalogue.import_page": {"GET": only(A, R)},
    "catalogue.import_upload": {"POST": only(A, R)},
    "catalogue.import_confirm": {"POST": NOBODY},
    # --- the register and the document page ------------------------------------------------------------
    "register.index": {"GET": ALL},
    "register.export_register": {"GET": ALL},
    "register.save_filter": {"POST": ALL},
    # Another user's saved filter is not even said to exist.
    "register.delete_filter": {"POST": only(D)},
    "register.show": {"GET": DOC_VIEW},
    "register.compare": {"GET": DOC_VIEW},
    # Steps without data of their own; the drafting unit withdraws (a published document refuses with 409).
    "register.act": {"POST": {"draft": only(D), "published": only(D)}},
    "documents.new": {"GET": only(D, D2), "POST": only(D, D2)},
    # Metadata is the drafting unit's while the draft is in its hands.
    "documents.edit": {"GET": {"draft": only(D), "published": NOBODY}, "POST": {"draft": only(D), "published": NOBODY}},
    "documents.upload_version": {"POST": {"draft": only(D), "published": only(D)}},
    # The packet is the drafting unit's, the office adds its own records (minutes, official text …).
    "documents.upload_attachment": {"POST": {"draft": only(C, D), "published": only(C, D)}},
    "documents.download_version": {"GET": DOC_VIEW},
    # A draft's 制定依据 are read with the draft and entered by its drafting unit (refused once it is published).
    "documents.bases": {"GET": DOC_VIEW},
    "documents.add_basis": {"POST": {"draft": only(D), "published": only(D)}},
    # The published document of the town has no basis of its own: the basis named is another document's (404).
    "documents.remove_basis": {"POST": {"draft": only(D), "published": only(**{D: 404})}},
    "documents.download_attachment": {"GET": DOC_VIEW},
    "api.documents": {"GET": ALL},
    "api.document": {"GET": DOC_VIEW},
    "api.deadlines": {"GET": ALL},
    "api.statistics": {"GET": OFFICE_READERS},
    "api.openapi": {"GET": ALL},
    # --- review (the 司法所) and the drafting unit's side of it --------------------------------------------
    "review.desk": {"GET": only(R)},
    "review.desk_export": {"GET": only(R)},
    "review.submit": {
        "GET": {"draft": only(D), "published": only(D)},
        "POST": {"draft": only(D), "published": only(D)},
    },
    "review.accept": {"GET": only(R), "POST": only(R)},
    "review.return_packet": {"POST": only(R)},
    "review.conclude": {"GET": DOC_VIEW, "POST": only(R)},
    "review.delete_finding": {"POST": only(R)},
    # The review desk's pre-check flags: dismissed (with a reason) and re-run by the 司法所 only.
    "review.dismiss_flag": {"POST": only(R)},
    "review.rerun_precheck": {"POST": only(R)},
    "review.answers": {"GET": DOC_VIEW, "POST": only(D)},
    "review.consultation": {"GET": DOC_VIEW, "POST": only(D)},
    # Closing public comment (its real dates) and its comment record are the drafting unit's.
    "review.close_consultation": {"POST": {"draft": only(D), "published": only(D)}},
    "review.comment_record": {"POST": {"draft": only(D), "published": only(D)}},
    "review.procedures": {"GET": DOC_VIEW, "POST": only(D)},
    # Collective deliberation is recorded by the office.
    "review.deliberate": {"GET": only(C), "POST": only(C)},
    # The deliberation material (how the review's opinions were answered) is read with the document.
    "outputs.deliberation_material": {"GET": DOC_VIEW},
    "outputs.generate_opinion": {"POST": only(R)},
    "outputs.download": {"GET": DOC_VIEW},
    "outputs.preview": {"GET": DOC_VIEW},
    "outputs.download_pdf": {"GET": DOC_VIEW},
    # --- numbering, publication, filing (the office) --------------------------------------------------------
    "publication.number": {"GET": only(C), "POST": only(C)},
    # A document never numbered has no publication to complete: no such page.
    "publication.publish": {
        "GET": {"draft": only(C=404), "published": only(C)},
        "POST": {"draft": only(C=404), "published": only(C)},
    },
    "publication.take_effect": {"POST": only(C)},
    "publication.expire": {"POST": only(C)},
    "publication.end": {"GET": only(C), "POST": only(C)},
    # Relations are recorded by the new document's drafting unit or the office.
    "publication.relations": {"GET": only(C, D), "POST": only(C, D)},
    "publication.import_register": {"GET": only(C), "POST": only(C)},
    "filing.submit": {"GET": only(C), "POST": only(C)},
    "filing.result": {"GET": only(C), "POST": only(C)},
    "filing.extend_review": {"POST": only(C)},
    "filing.export": {"GET": only(C)},
    "outputs.generate_filing_report": {"POST": only(C)},
    # --- clean-up and evaluation ---------------------------------------------------------------------------
    "cleanup.index": {"GET": ALL},
    "cleanup.new": {"GET": only(R), "POST": only(R)},
    "cleanup.show": {"GET": ALL},
    # Each drafting unit proposes for its own documents, the 司法所 reviews, the office deliberates and publishes.
    "cleanup.propose": {"POST": only(D)},
    "cleanup.review": {"POST": only(R)},
    "cleanup.deliberate": {"POST": only(C)},
    "cleanup.publish": {"POST": only(C)},
    # The published result is public record; its Word catalogue is produced by the 司法所 or the office.
    "cleanup.catalogue_xlsx": {"GET": {"open": NOBODY, "done": ALL}},
    "cleanup.catalogue_docx": {"GET": ALL},
    "cleanup.generate_catalogue": {"POST": only(R, C)},
    "cleanup.sources": {"GET": ALL, "POST": only(R)},
    # The evaluation of 农业办's document: its drafting unit reports, the 司法所 reviews.
    "cleanup.evaluation": {"GET": ALL, "POST": [({"form": "submit"}, only(D2)), ({"form": "review"}, only(R))]},
    "cleanup.renew": {"GET": only(C), "POST": only(C)},
    # --- drafts for comment, statistics --------------------------------------------------------------------
    "solicitations.index": {"GET": OFFICE_READERS},
    "solicitations.show": {"GET": OFFICE_READERS, "POST": HANDLERS},
    "solicitations.new": {"GET": HANDLERS, "POST": HANDLERS},
    "solicitations.reply_docx": {"GET": HANDLERS},
    "reports.annual": {"GET": OFFICE_READERS},
    "reports.records": {"GET": OFFICE_READERS},
    "reports.annual_export": {"GET": OFFICE_READERS},
    "reports.annual_docx": {"GET": OFFICE_READERS},
    "reports.annual_pdf": {"GET": OFFICE_READERS},
}

# A GET must not write: the clean-up catalogue is generated at publication or by an explicit POST. Nothing may be
# listed here.
GET_WRITES: set[str] = set()

_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_STATIC = {"static": "app.css", "bootstrap.static": "css/bootstrap.min.css"}
_QUERY = {"publication.end": "?action=repeal", "filing.result": "?action=filing_registered"}


@pytest.fixture(scope="module")
def town(app):
    with app.app_context():
        built = build(app)
        yield built, clients(app)


@pytest.fixture
def ctx(app, town):
    """The module's town in an app context (the requests reuse it, as in production each request has one)."""
    with app.app_context():
        yield town


# What the city's administrator edits of the city's own: its people and units (the "other:city" variant names the
# city's unit; the town's person or unit in the URL is not the city administrator's).
CITY_ADMIN_EDITS = {"admin.unit_edit", "admin.user_edit"}

# URL arguments that name a record of one town; each route taking one is also asked with another town's record.
_DOCUMENT_ARGS = {"doc_id", "version_id", "attachment_id", "opinion_id", "gen_id", "finding_id", "basis_id"}
_TOWN_ARGS = {"campaign_id", "item_id", "sol_id", "filter_id", "user_id", "unit_id"}


def _variants(rule) -> list[str]:
    args = set(rule.arguments)
    if "attempt_id" in args:
        return ["here", "there"]
    if args & _DOCUMENT_ARGS:
        return ["draft", "published", "other:draft", "other:published"]
    if "campaign_id" in args:
        return ["open", "done", "other:common"]
    # The city's own unit (the justice bureau) is named on the town's records, and no town edits it.
    city = ["other:city"] if "unit_id" in args else []
    return [""] + (["other:common"] if args & _TOWN_ARGS else []) + city


def _url(rule, town, variant: str) -> str:
    if variant.startswith("other:"):
        # Another town's record wherever the route names one (the rest as in this town: the route must refuse on
        # the other town's record alone).
        values = {**town.common, **town.ids["published"], **town.other["common"], **town.other[variant[6:]]}
    else:
        values = {**town.common, **town.ids.get(variant, {})}

    def value(m):
        name = m.group(2)
        if rule.endpoint in _STATIC:
            return _STATIC[rule.endpoint]
        assert name in values, f"{rule.rule}: no test value for <{name}>"
        return str(values[name])

    return _ARG.sub(value, rule.rule) + _QUERY.get(rule.endpoint, "")


def _rule_for(spec, variant: str, rule=None) -> dict[str, object]:
    if rule is not None and rule.endpoint in CITY_ADMIN_EDITS:
        if variant == "other:city":
            return only(CA)  # the city's unit is the city's administrator's to keep, no town's
        if not rule.arguments:
            return {**spec, CA: IN}  # a new person or unit: of the administrator's own organisation
    if variant.startswith("other:"):
        return {role: OUT for role in ROLES}  # no one acts on, or is told of, another town's record
    if variant and set(spec) - set(ROLES):
        return spec[variant]
    return spec


def _texts(response) -> list[str]:
    """What a person could read in the response: the text, or the text of every member of a zip (xlsx, docx)."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
    return [html.unescape(data.decode("utf-8", "replace"))]


def _leaks(town, role: str, response) -> list[str]:
    # The bureau reads the towns' filings (their published documents), never a draft of any town.
    others = town.other_titles if role not in CITY else set()
    hidden = town.hidden_titles.get(role, set()) | others
    return sorted({t for body in _texts(response) for t in hidden if t in body}) if hidden else []


def _check(expected, r) -> bool:
    status = r.status_code
    if isinstance(expected, int):
        return status == expected
    if is_login_redirect(r):
        return False
    if expected == IN:
        return status < 500 and status not in (401, 403, 404, 405)
    if expected == OUT:
        return status in (403, 404)
    raise AssertionError(expected)


def _posts(spec) -> list[tuple[dict, object]]:
    return spec if isinstance(spec, list) else [({}, spec)]


def test_the_table_names_every_endpoint_and_nothing_else(app):
    assert set(EXPECT) == set(app.view_functions)


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


ENDPOINTS = sorted(e for e, spec in EXPECT.items() if spec not in (PUBLIC, TOKEN, LIBRARY))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_endpoint(app, ctx, endpoint):
    town, users = ctx
    spec = EXPECT[endpoint]
    wrong = []
    for rule in [r for r in _rules(app) if r.endpoint == endpoint]:
        for method in ("GET", "POST"):
            if method not in rule.methods:
                if method in spec:
                    wrong.append(f"{method} {rule.rule}: the table expects {method}, the route does not take it")
                continue
            if method not in spec:
                wrong.append(f"{method} {rule.rule}: the route takes {method}, the table has no rule for it")
                continue
            for variant in _variants(rule):
                url = _url(rule, town, variant)
                cases = [({}, spec[method])] if method == "GET" else _posts(spec[method])
                for data, by_variant in cases:
                    expected = _rule_for(by_variant, variant, rule)
                    for role in ("anonymous", *ROLES):
                        with sandbox() as box:
                            client = users[role]
                            if endpoint == "auth.logout" and role != "anonymous":
                                client = login(app, role)  # logging out ends the session: a client of its own
                                box.reset_writes()
                            r = client.open(url, method=method, data=data)
                            r.get_data()  # a streamed download is read inside the sandbox, as inside its request
                        where = f"{role} {method} {url} {data or ''}"
                        if r.status_code >= 500 or r.status_code == 405:
                            wrong.append(f"{where}: {r.status_code}")
                        elif role == "anonymous":
                            sent = r.status_code == 401 if endpoint.startswith("api.") else is_login_redirect(r)
                            if not sent:
                                wrong.append(f"{where}: {r.status_code}, not sent to log in")
                        elif not _check(expected[role], r):
                            wrong.append(f"{where}: {r.status_code}, expected {expected[role]}")
                        if role != "anonymous" and (leaked := _leaks(town, role, r)):
                            wrong.append(f"{where}: shows another unit's draft or another town's record {leaked}")
                        if method == "GET" and box.writes and endpoint not in GET_WRITES:
                            wrong.append(f"{where}: a GET wrote {box.writes[:3]}")
                        if r.status_code in (403, 404) and method == "POST" and box.writes:
                            wrong.append(f"{where}: refused, yet wrote {box.writes[:3]}")
        # The method the route does not take is refused as such, whoever asks.
        for method in {"GET", "POST"} - set(rule.methods):
            with sandbox():
                r = users[C].open(_url(rule, town, _variants(rule)[0]), method=method)
            if r.status_code != 405:
                wrong.append(f"clerk {method} {rule.rule}: {r.status_code}, expected 405")
    assert wrong == []


def test_public_and_token_endpoints(app, ctx):
    town, users = ctx
    for rule in _rules(app):
        if EXPECT.get(rule.endpoint) == PUBLIC:
            with sandbox():
                r = users["anonymous"].get(_url(rule, town, ""))
            assert r.status_code == 200, rule.rule
        elif EXPECT.get(rule.endpoint) == TOKEN:
            with sandbox():
                assert users["anonymous"].get(_url(rule, town, "")).status_code == 200
                assert users["drafter2"].get(rule.rule.replace("<token>", "wrong-token")).status_code == 404


def _not_public_titles() -> set[str]:
    """Every document the public may not read: not published (or withdrawn), or published after today."""
    today = office_today(now_utc())
    return set(
        db.session.scalars(
            sa.select(Document.title).where(
                ~sa.exists().where(
                    Publication.document_id == Document.id,
                    Publication.is_current.is_(True),
                    Publication.published_on <= today,
                    Document.status.in_(EVER_PUBLISHED),
                )
            )
        )
    )


def test_library_endpoints(app, ctx):
    """The library answers everyone alike: a published document's page and its official text, never a draft's,
    never another file of the document; GET only; and no page of it names a document the public may not read."""
    town, users = ctx
    hidden = _not_public_titles()
    assert hidden, "the town has drafts"
    published_id = town.ids["published"]["doc_id"]
    official = db.session.scalar(
        sa.select(Attachment.id).where(
            Attachment.document_id == published_id,
            Attachment.kind == AttachmentKind.OFFICIAL_TEXT,
            Attachment.superseded.is_(False),
        )
    )
    assert official is not None
    cases = [
        (f"/public/documents/{published_id}", 200),
        (f"/public/documents/{town.ids['draft']['doc_id']}", 404),
        (f"/public/documents/{published_id}/files/{official}/download", 200),
        (f"/public/documents/{published_id}/files/{town.ids['published']['attachment_id']}/download", 404),
        (f"/public/documents/{town.ids['draft']['doc_id']}/files/{town.ids['draft']['attachment_id']}/download", 404),
        ("/public/", 200),
        ("/public/?q=办法", 200),
        ("/public/feed.atom", 200),
    ]
    wrong = []
    for role in ("anonymous", *ROLES):
        for url, status in cases:
            with sandbox() as box:
                r = users[role].get(url)
                body = r.get_data()
                posted = users[role].post(url)
            if r.status_code != status:
                wrong.append(f"{role} GET {url}: {r.status_code}, expected {status}")
            if posted.status_code != 405:
                wrong.append(f"{role} POST {url}: {posted.status_code}, expected 405")
            if box.writes:
                wrong.append(f"{role} {url} wrote {box.writes[:3]}")
            if body[:2] != b"PK" and (seen := sorted(t for t in hidden if t in html.unescape(body.decode()))):
                wrong.append(f"{role} {url}: names {seen}")
    assert wrong == []


# --------------------------------------------------------------------------------------------------------------
# Every document page, every role, every state: follow what the page offers
# --------------------------------------------------------------------------------------------------------------

_A = re.compile(r'<a\b[^>]*\bhref="([^"#]*)"', re.S)
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>(?:(.*?)</(?:textarea|select)>)?", re.S)
_ATTR = re.compile(r'([\w-]+)(?:="([^"]*)")?')
# The previews of generated Word files (a Word-to-HTML conversion, the slowest page of all) are checked for every
# role on a draft and a published document by the matrix above; the walk does not open each again.
_NOT_FOLLOWED = re.compile(r"^/word/generated/\d+/preview$")
# Inputs left empty on purpose: numbers typed by hand must follow the patterns, and are optional.
_LEAVE_EMPTY = {"issue_number", "normative_number"}


def _main(page: str) -> str:
    m = re.search(r'<main id="main"[^>]*>(.*)</main>', page, re.S)
    return m.group(1) if m else ""


def _internal(href: str, here: str) -> str | None:
    href = html.unescape(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or href.split("?")[0] == here:
        return None
    return href


def _plausible(page: str, form_html: str) -> dict:
    """The form filled as a careful person would: what is there kept, what is empty given a sensible value."""
    today = office_today(now_utc()).isoformat()
    data: dict = {}
    for tag, attrs_text, inner in _INPUT.findall(form_html):
        attrs = {k: html.unescape(v or "") for k, v in _ATTR.findall(attrs_text)}
        name, kind, value = attrs.get("name"), attrs.get("type", "text"), attrs.get("value", "")
        if not name or "disabled" in attrs:
            continue
        if tag == "select":
            options = re.findall(r"<option\b([^>]*)>", inner or "")
            chosen = [o for o in options if "selected" in o] or [o for o in options if 'value=""' not in o]
            if chosen:
                data[name] = html.unescape(re.search(r'value="([^"]*)"', chosen[0]).group(1))
        elif tag == "textarea":
            data[name] = html.unescape((inner or "").strip()) or "经研究，同意。"
        elif kind == "file":
            data[name] = (io.BytesIO(docx_bytes(["第一条 为规范管理，制定本办法。"])), "测试.docx")
        elif kind in ("radio", "checkbox"):
            if kind == "radio" and (name not in data or "checked" in attrs):
                data[name] = value
        elif kind == "date":
            data[name] = value or today
        elif kind == "url" or name.endswith("url"):
            data[name] = value or "https://www.example.gov.cn/doc.html"
        elif kind == "number":
            data[name] = value or "1"
        elif kind == "hidden" or name in _LEAVE_EMPTY or name.endswith("_number"):
            data[name] = value
        else:
            data[name] = value or "测试"
    return data


def _forms(page: str, here: str) -> list[tuple[str, dict]]:
    out = []
    for attrs_text, body in _FORM.findall(_main(page)):
        attrs = {k: html.unescape(v or "") for k, v in _ATTR.findall(attrs_text)}
        if attrs.get("method", "get").lower() != "post":
            continue
        out.append((attrs.get("action") or here, _plausible(page, body)))
    return out


def _action_links(page: str) -> list[str]:
    """The links of the actions panel (steps whose data is entered on a page of their own)."""
    return re.findall(r'data-testid="action-[\w_]+">\s*<a\b[^>]*href="([^"]+)"', page)


STATES = list(DocStatus)
# Every document page (one per state), and the other pages whose forms carry the steps of a lifecycle table.
PAGES = [("document", state.value) for state in STATES] + [
    ("campaign", "open"),
    ("campaign", "done"),
    ("evaluation", ""),
    ("solicitation", ""),
    ("bureau", "desk"),
    ("bureau", "city"),
    ("bureau", "city-documents"),
    ("bureau", "city-campaigns"),
    ("bureau", "city-campaign"),
    ("bureau", "here"),
    ("bureau", "there"),
]


@pytest.fixture
def csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _follow(client, method: str, url: str, data=None):
    with sandbox():
        r = client.open(url, method=method, data=data, content_type="multipart/form-data" if data else None)
        body = text(r) if r.mimetype == "text/html" else ""
    return r, body


def _page(town, kind: str, which: str) -> tuple[str, set[str]]:
    """The page's address and the roles that may read it (the others must be refused)."""
    if kind == "document":
        doc_id, unit = town.documents[DocStatus(which)]
        published = DocStatus(which) in EVER_PUBLISHED
        people = [r for r in ROLES if r not in OF_THE_CITY]  # the city reads no page of a town's document
        return f"/documents/{doc_id}", {r for r in people if published or town.unit_of.get(r, unit) == unit}
    if kind == "bureau":
        fixed = {
            "desk": ("/bureau/", {B}),
            "city": ("/city/", set(CITY)),
            "city-documents": ("/city/documents", set(CITY)),
            "city-campaigns": ("/city/campaigns", set(CITY)),
            "city-campaign": (f"/city/campaigns/{town.common['city_campaign_id']}", set(CITY)),
        }
        return fixed.get(which) or (f"/bureau/filings/{town.ids[which]['attempt_id']}", {B})
    endpoint, url = {
        "campaign": ("cleanup.show", f"/cleanup/{town.ids.get(which, {}).get('campaign_id')}"),
        "evaluation": ("cleanup.evaluation", f"/cleanup/evaluations/{town.common['evaluation_id']}"),
        "solicitation": ("solicitations.show", f"/solicitations/{town.common['sol_id']}"),
    }[kind]
    return url, {r for r, outcome in EXPECT[endpoint]["GET"].items() if outcome == IN}


def _empty_choices(page: str) -> list[str]:
    """Selects of a form with nothing to choose from: a form that can never be filled in."""
    return [
        name
        for name, inner in re.findall(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', _main(page), re.S)
        if "<option" not in inner
    ]


@pytest.mark.parametrize(("kind", "which"), PAGES, ids=[f"{k}-{w}" if w else k for k, w in PAGES])
def test_every_page_and_what_it_offers(app, ctx, csrf, kind, which):
    town, users = ctx
    here, readers = _page(town, kind, which)
    wrong = []
    for role in ROLES:
        client = users[role]
        r, page = _follow(client, "GET", here)
        where = f"{role} on {kind} {which}"
        if role not in readers:
            # The bureau is of the city: a town's page is refused to it, or not said to exist (404); the town's
            # people are refused the bureau's pages and the pages of their own town they may not read (403).
            if r.status_code not in ((403, 404) if role in OF_THE_CITY and kind != "bureau" else (403,)):
                wrong.append(f"{where}: {r.status_code}, the page must be refused")
            continue
        if r.status_code != 200:
            wrong.append(f"{where}: {r.status_code}")
            continue
        if empty := _empty_choices(page):
            wrong.append(f"{where}: nothing to choose in {empty}")
        links = {h for h in (_internal(x, here) for x in _A.findall(_main(page))) if h and not _NOT_FOLLOWED.match(h)}
        for href in sorted(links):
            got, body = _follow(client, "GET", href)
            if got.status_code >= 400:
                wrong.append(f"{where}: link {href} answers {got.status_code}")
            if href in _action_links(page) and got.status_code == 200:
                # The page where a step's data is entered: its forms submitted as a person would.
                for action, data in _forms(body, href.split("?")[0]):
                    done, _ = _follow(client, "POST", action, data)
                    if done.status_code in (403, 405) or done.status_code >= 500:
                        wrong.append(f"{where}: form of {href} -> POST {action}: {done.status_code}")
        for action, data in _forms(page, here):
            if action == "/logout":
                continue
            done, _ = _follow(client, "POST", action, data)
            if done.status_code in (403, 405) or done.status_code >= 500:
                wrong.append(f"{where}: form POST {action}: {done.status_code}")
    assert wrong == []
