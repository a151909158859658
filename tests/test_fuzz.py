"""Zero 500s (issue #15 item 3): every route of the URL map, every form field and query parameter the pages show,
fed hostile values as each role; every answer is a page or a 4xx with a Chinese message, never a 500.

The demo town is loaded once; each role walks the site from its home page (tests/crawl.py) and collects the
forms and links it is shown. Then, sampled so that the whole run stays within seconds:
- each query parameter of each page gets every hostile value;
- each <int:…> of each route gets a 20-digit number, each <string> argument the hostile texts;
- each form is posted as shown, with each field replaced by the hostile values of its kind, and without each of
  its hidden fields (version_id …), then posted against documents in other states (a step in the wrong state);
- routes no page links to (downloads, the API, POST-only steps) are requested with ids from the database.
"""

from __future__ import annotations

import io
import itertools
import re
import time
from collections import Counter, defaultdict
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from tests.conftest import _truncate_all
from tests.crawl import Field, Form, crawl, endpoint_of
from tests.documents.files import docx_bytes
from tests.pages import is_chinese
from tracker.common.timeutil import now_utc
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.documents.models import Document
from tracker.extensions import db

ROLES = ("admin", "reviewer", "clerk", "drafter", "drafter2", "leader")
# 100,000 characters. Latin letters: the same length in Chinese is 900 KB once percent-encoded, which takes the
# test client (not the app) half a second per request, and which no URL can be in production (gunicorn's request
# line limit is 4 KB).
LONG = "长" + "x" * 99_999
HOSTILE = {
    "empty": "",
    "long": LONG,
    "nul": "检索\x00词",
    "surrogate": "\ud800\udfff\ud83d",
    "rtl": "\u202e\u200f文件\u202c\u2066",
    "feb30": "2026-02-30",
    "year1": "0001-01-01",
    "year9999": "9999-12-31",
    "digits20": "9" * 20,
}
# The hostile values tried on a field, by what the field holds (and, in turn, one of the others).
BY_KIND = {
    "text": ("nul", "long", "surrogate"),
    "date": ("feb30", "year1", "year9999"),
    "int": ("digits20", "empty"),
    "hidden": ("empty", "digits20"),
    "choice": ("digits20", "empty"),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Visit more pages of these endpoints: their forms depend on the state of the record shown. A document in each
# state is visited first, by the roles that act on documents.
PER_ENDPOINT = {
    "cleanup.show": 6,
    "cleanup.evaluation": 4,
    "solicitations.show": 4,
    "review.conclude": 4,
    "filing.result": 3,
}
ACTORS = ("reviewer", "clerk", "drafter")
# Fields of a form that get every hostile value of their kind; the rest of a long form (the nine review points)
# one value each, in turn.
FULL = 3
# Never posted while fuzzing (the walk would end): requested once at the end.
LAST = {"auth.logout"}
# Posted after everything else: they change people and rules the other roles' sessions depend on.
ADMIN_LAST = ("admin.", "alerts.account", "rules.rule_edit", "rules.calendar")
DOCX = docx_bytes(["第一条 为规范管理，制定本办法。"])


def _encode(pairs) -> str:
    """application/x-www-form-urlencoded, with lone surrogates sent as the bytes a broken client would send."""
    return "&".join(
        f"{quote(str(k).encode('utf-8', 'surrogatepass'))}={quote(str(v).encode('utf-8', 'surrogatepass'))}"
        for k, v in pairs
    )


def _kind(field: Field) -> str:
    name = field.name.lower()
    if field.kind == "hidden":
        return "hidden"
    if field.kind == "date" or _DATE.match(field.value or "") or name.endswith(("_on", "date")):
        return "date"
    if field.kind == "number" or name.endswith(("_id", "year", "days", "page", "seq", "round")):
        return "int"
    if field.kind in ("select", "radio", "checkbox"):
        return "choice"
    return "text"


class Fuzzer:
    def __init__(self, app):
        self.app = app
        self.adapter = app.url_map.bind("localhost")
        self.clients = {}
        self.requested: set[str] = set()
        self.failures: list[str] = []
        self.count = 0
        self.by_endpoint = Counter()
        self.cycle = itertools.cycle(HOSTILE)

    # --- requests ---------------------------------------------------------------------------------------------

    def login(self, role: str):
        client = self.app.test_client()
        r = client.post("/login", data={"username": role, "password": DEMO_PASSWORD})
        assert r.status_code == 302, f"login as {role}: {r.status_code}"
        self.clients[role] = client
        return client

    def send(self, role: str, method: str, path: str, *, query=(), form=None, files=None, what: str = ""):
        """One request; a 500 (or an exception) or a 4xx without a Chinese message is recorded."""
        client = self.clients[role]
        url = path + ("?" + _encode(query) if query else "")
        endpoint = endpoint_of(self.adapter, "http://localhost" + path, method)
        if endpoint:
            self.requested.add(endpoint)
        self.count += 1
        self.by_endpoint[endpoint] += 1
        try:
            if files is not None:
                data = {k: v for k, v in form or ()}
                data.update(files)
                r = client.open(url, method=method, data=data, content_type="multipart/form-data")
            elif form is not None:
                body = _encode(form)
                r = client.open(url, method=method, data=body, content_type="application/x-www-form-urlencoded")
            else:
                r = client.open(url, method=method)
        except Exception as exc:  # TESTING propagates what would have been a 500
            self.failures.append(f"{role} {method} {url[:160]} {what}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        if r.status_code >= 500:
            self.failures.append(f"{role} {method} {url[:160]} {what}: {r.status_code}")
        elif r.status_code >= 400:
            body = (r.get_json(silent=True) or {}).get("error", "") if r.is_json else r.get_data(as_text=True)
            if not is_chinese(body):
                self.failures.append(f"{role} {method} {url[:160]} {what}: {r.status_code} without a Chinese message")
        return r

    def still_logged_in(self, role: str) -> None:
        r = self.clients[role].get("/")
        if r.status_code == 302:
            self.login(role)

    # --- the walk ---------------------------------------------------------------------------------------------

    def walk(self):
        self.sites = {}
        self.documents_in_other_states(0)
        for role in ROLES:
            self.login(role)
            actor = role in ACTORS
            start = [f"/documents/{doc_id}" for doc_id in self._by_state.values()] if actor else []
            limits = dict(PER_ENDPOINT, **{"register.show": len(start) + 2 if actor else 3})
            each = 1 if role == "leader" else 2  # the leader reads: one page of each kind shows all it can do
            self.sites[role] = crawl(
                self.clients[role], self.adapter, per_endpoint=limits, default_per_endpoint=each, skip=LAST, start=start
            )
            for endpoint in self.sites[role].visited:
                self.requested.add(endpoint)
        self.api_parameters()

    def api_parameters(self):
        """The JSON API is read by programs, not linked from pages: its query parameters come from its description."""
        spec = self.clients["leader"].get("/api/v1/openapi.json").get_json()
        base = spec["servers"][0]["url"]
        for template, operations in spec["paths"].items():
            path = base + re.sub(r"\{[^}]+\}", "1", template)
            endpoint = endpoint_of(self.adapter, "http://localhost" + path)
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "query":
                        for site in self.sites.values():
                            site.query_params[endpoint].add(parameter["name"])
                            site.visited[endpoint] = site.visited[endpoint] or ["http://localhost" + path]

    # --- query parameters and route arguments -------------------------------------------------------------------

    def fuzz_queries(self):
        """Every query parameter of every page, with every hostile value; the roles take turns."""
        roles = itertools.cycle(ROLES)
        done = set()
        for role, site in self.sites.items():
            for endpoint, params in site.query_params.items():
                url = (site.visited.get(endpoint) or [None])[0]
                if url is None:
                    continue
                path = urlsplit(url).path
                for param in sorted(params):
                    if (endpoint, param) in done:
                        continue
                    done.add((endpoint, param))
                    for name, value in HOSTILE.items():
                        who = next(roles)
                        if endpoint not in self.sites[who].visited:
                            who = role
                        self.send(who, "GET", path, query=[(param, value)], what=f"?{param}={name}")

    def fuzz_route_arguments(self):
        """Every route with an argument: a 20-digit id, 0, and hostile texts for string arguments."""
        roles = itertools.cycle(ROLES)
        ids = self.known_ids()
        for rule in self.app.url_map.iter_rules():
            if not rule.arguments or rule.endpoint in LAST or rule.endpoint.endswith("static"):
                continue
            method = "GET" if "GET" in rule.methods else "POST"
            base = {a: self.sample_argument(rule, a, ids) for a in rule.arguments}
            for argument in sorted(rule.arguments):
                numeric = isinstance(rule._converters[argument], IntegerConverter)
                values = ("digits20", "empty") if numeric else tuple(HOSTILE)
                for name in values:
                    args = dict(base, **{argument: HOSTILE[name] if name != "empty" else "0"})
                    path = self.build(rule, args)
                    self.send(next(roles), method, path, form=[] if method == "POST" else None, what=argument)

    def known_ids(self) -> dict[str, list[str]]:
        """Values seen for each route argument in the URLs the pages link to."""
        found = defaultdict(list)
        for site in self.sites.values():
            for urls in site.visited.values():
                for url in urls:
                    try:
                        _endpoint, args = self.adapter.match(urlsplit(url).path)
                    except Exception:
                        continue
                    for key, value in args.items():
                        if str(value) not in found[key]:
                            found[key].append(str(value))
        return found

    def sample_argument(self, rule, argument: str, ids) -> str:
        if ids.get(argument):
            return ids[argument][0]
        if argument == "kind":
            return "opinion"
        if argument == "action":
            return "withdraw"
        if argument == "year":
            return "2025"
        if argument == "token":
            return "x"
        if argument == "filename":
            return "app.css"
        return "1"

    @staticmethod
    def build(rule, args: dict) -> str:
        path = rule.rule
        for key, value in args.items():
            path = re.sub(rf"<(?:[^:<>]+:)?{key}>", quote(str(value).encode("utf-8", "surrogatepass"), safe=""), path)
        return path

    # --- forms ----------------------------------------------------------------------------------------------------

    def forms(self):
        """One form per (endpoint, route shape, field names), with the first role that was shown it."""
        chosen = {}
        for role, site in self.sites.items():
            for (endpoint, _signature), forms in site.forms.items():
                if endpoint in LAST:
                    continue
                for form in forms:
                    shape = re.sub(r"\d+", "#", urlsplit(form.action).path)
                    key = (endpoint, shape, tuple(sorted({f.name for f in form.fields})))
                    chosen.setdefault(key, (role, endpoint, form))
        ordered = sorted(chosen.values(), key=lambda c: (c[1].startswith(ADMIN_LAST), c[1]))
        return ordered

    def post(self, role: str, form: Form, pairs, *, files=None, action: str | None = None, what: str = ""):
        parts = urlsplit(action or form.action)
        query = [tuple(q.split("=", 1)) if "=" in q else (q, "") for q in parts.query.split("&") if q]
        if form.method == "GET":
            return self.send(role, "GET", parts.path, query=query + list(pairs), what=what)
        if form.multipart:
            file_fields = {f.name: (io.BytesIO(DOCX), "草案.docx") for f in form.fields if f.kind == "file"}
            if files is not None:
                file_fields = files
            pairs = [(k, v) for k, v in pairs if "\ud800" not in v and "\udfff" not in v and "\ud83d" not in v]
            return self.send(role, "POST", parts.path, query=query, form=pairs, files=file_fields, what=what)
        return self.send(role, "POST", parts.path, query=query, form=pairs, what=what)

    def fuzz_forms(self):
        """Each form as shown, then each field hostile in turn (the first FULL fields with every value of their
        kind, the others with one), then without each hidden field; as another role; for other documents."""
        others = itertools.cycle(ROLES)
        for role, _endpoint, form in self.forms():
            if form.method == "GET":
                continue  # a search form's fields are query parameters: fuzz_queries gave each every value
            self.still_logged_in(role)
            base = [(f.name, f.value) for f in form.fields if f.kind not in ("file", "submit")]
            base = [(k, v) for k, v in base if v or not any(f.name == k and f.kind == "checkbox" for f in form.fields)]
            submit = [(f.name, f.value) for f in form.fields if f.kind == "submit"][:1]
            self.post(role, form, base + submit, what="as shown")
            visible = 0
            for field in (f for f in form.fields if f.kind != "submit"):
                if field.kind == "file":
                    garbage = {field.name: (io.BytesIO(b"\x00" * 16), "草案.docx")}
                    self.post(role, form, base + submit, files=garbage, what=f"{field.name}=garbage")
                    continue
                if field.kind == "hidden":
                    names = BY_KIND["hidden"]
                    without = [pair for pair in base if pair[0] != field.name]
                    self.post(role, form, without + submit, what=f"without {field.name}")
                else:
                    visible += 1
                    names = BY_KIND[_kind(field)] + (next(self.cycle),) if visible <= FULL else (next(self.cycle),)
                for name in dict.fromkeys(names):
                    pairs = [(k, HOSTILE[name] if k == field.name else v) for k, v in base]
                    if field.name not in {k for k, _ in base}:
                        pairs.append((field.name, HOSTILE[name]))
                    self.post(role, form, pairs + submit, what=f"{field.name}={name}")
            stranger = next(others)
            if stranger != role:
                self.post(stranger, form, base + submit, what="as another role")
            self.other_states(role, form, base + submit)

    def other_states(self, role: str, form: Form, pairs) -> None:
        """The form as shown, posted for documents in other states: a step in the wrong state."""
        path = urlsplit(form.action).path
        match = re.search(r"/documents/(\d+)", path)
        if not match:
            return
        for doc_id in self.documents_in_other_states(int(match.group(1)))[:2]:
            self.post(role, form, pairs, action=path.replace(match.group(0), f"/documents/{doc_id}", 1), what="state")

    def documents_in_other_states(self, doc_id: int) -> list[int]:
        if not hasattr(self, "_by_state"):
            with self.app.app_context():
                first = sa.select(Document.status, sa.func.min(Document.id)).group_by(Document.status)
                rows = db.session.execute(first)
                self._by_state = {status: first for status, first in rows}
            self._turn = itertools.count()
        ids = [i for i in self._by_state.values() if i != doc_id]
        start = next(self._turn)
        return [ids[(start + k) % len(ids)] for k in range(min(3, len(ids)))]

    # --- what no page links to -----------------------------------------------------------------------------------

    def cover_the_rest(self):
        """Every route not requested yet: with ids from the pages or the database, as every role; a POST-only step
        of a document is posted for a document in every state."""
        ids = self.known_ids()
        for rule in self.app.url_map.iter_rules():
            if rule.endpoint in self.requested or rule.endpoint in LAST:
                continue
            path = self.build(rule, {a: self.sample_argument(rule, a, ids) for a in rule.arguments})
            method = "GET" if "GET" in rule.methods else "POST"
            for role in ROLES:
                self.send(role, method, path, form=[] if method == "POST" else None, what="unlinked")
                if method == "POST":
                    self.send(role, method, path, form=[(k, v) for k, v in HOSTILE.items()], what="hostile")
            if method == "POST" and "doc_id" in rule.arguments:
                self.every_state(rule, ids)
        self.send("leader", "POST", "/logout", form=[])

    def every_state(self, rule, ids) -> None:
        self.documents_in_other_states(0)
        actors = itertools.cycle(("drafter", "reviewer", "clerk"))
        for doc_id in self._by_state.values():
            args = {a: self.sample_argument(rule, a, ids) for a in rule.arguments}
            self.send(next(actors), "POST", self.build(rule, dict(args, doc_id=doc_id)), form=[], what="state")


@pytest.fixture(scope="module")
def demo_town(app):
    """The demo town in the test database for this module (the next test's `db` fixture empties it again)."""
    started = time.process_time()
    with app.app_context():
        _truncate_all()
        load_demo(now=now_utc())
        db.session.commit()
        db.session.remove()
    print(f"\ndemo town loaded: {time.process_time() - started:.1f} s CPU")


def test_no_route_answers_500_to_hostile_input(app, demo_town):
    fuzzer = Fuzzer(app)
    phases = []
    steps = (fuzzer.walk, fuzzer.fuzz_queries, fuzzer.fuzz_route_arguments, fuzzer.fuzz_forms, fuzzer.cover_the_rest)
    for phase in steps:
        started, before = time.process_time(), fuzzer.count
        phase()
        phases.append(f"{phase.__name__} {fuzzer.count - before} requests {time.process_time() - started:.1f} s")
    print(f"\nfuzz: {fuzzer.count} requests, {len(fuzzer.failures)} failures; CPU: " + "; ".join(phases))
    print("most requested: " + ", ".join(f"{e} {n}" for e, n in fuzzer.by_endpoint.most_common(12)))
    assert fuzzer.failures == [], "\n".join(fuzzer.failures[:200])
    every = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert every - fuzzer.requested == set()
