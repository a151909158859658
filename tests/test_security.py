"""Deny by default (issue #2 items 5/6): login wall, permission matrix, CSRF, forged actions, config, error pages."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_login import current_user

import config
import tracker
from config import ProductionConfig, TestConfig
from tests.factories import PASSWORD, build_world, make_document
from tests.pages import (
    csrf_token,
    error_message,
    is_chinese,
    is_login_redirect,
    redirect_target,
    refusal,
    text,
)
from tracker import InsecureConfiguration, create_app
from tracker.audit.models import AuditEvent
from tracker.auth.models import Unit, UnitKind, User
from tracker.documents.models import Document
from tracker.documents.states import DocStatus
from tracker.rules.models import Rule

# Written by hand: reachable without logging in. Anything added to the app must be denied unless listed here.
PUBLIC = {"auth.login", "static", "bootstrap.static", "main.health"}
# Authenticated by the secret token in its URL (calendar programs cannot log in): 404 for a wrong token.
TOKEN_AUTHENTICATED = {"alerts.ical_feed"}
# The public library: every page of it open to all (published documents only: tests/public/), GET only.
LIBRARY = {"public.index", "public.show", "public.download", "public.feed"}


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _fingerprint(db) -> dict:
    """Row counts of every table plus the mutable columns people fight over: what a refused POST must not change."""
    counts = {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    docs = db.session.execute(
        sa.select(Document.id, Document.status, Document.filing_status, Document.version_id, Document.title).order_by(
            Document.id
        )
    ).all()
    users = db.session.execute(
        sa.select(User.id, User.version_id, User.active, User.role, User.last_login_at).order_by(User.id)
    ).all()
    return {"counts": counts, "documents": docs, "users": users}


def _status(db, doc_id: int) -> tuple:
    return db.session.execute(sa.select(Document.status, Document.version_id).where(Document.id == doc_id)).one()


@pytest.fixture
def docs(db, world, now):
    """Documents of the drafter's unit, one per state a permission depends on (states set directly: a test may)."""
    ids = {}
    for key, status in (
        ("draft", DocStatus.DRAFTING),
        ("returned", DocStatus.RETURNED),
        ("submitted", DocStatus.SUBMITTED),
        ("under_review", DocStatus.UNDER_REVIEW),
        ("passed", DocStatus.PASSED),
        ("deferred", DocStatus.DEFERRED),
        ("deliberated", DocStatus.DELIBERATED),
        ("published", DocStatus.PUBLISHED),
        ("repealed", DocStatus.REPEALED),
        ("withdrawn", DocStatus.WITHDRAWN),
    ):
        doc = make_document(world, now, title=f"测试镇{key}管理办法")
        doc.status = status
        db.session.flush()
        ids[key] = doc.id
    db.session.commit()
    return SimpleNamespace(**ids)


# --------------------------------------------------------------------------------------------------------------
# The login wall: every rule of the URL map
# --------------------------------------------------------------------------------------------------------------

_ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_STATIC_FILES = {"static": "app.css", "bootstrap.static": "css/bootstrap.min.css"}


def _existing_ids(db, world, docs) -> dict[str, int]:
    # Other <int:...> arguments (versions, findings …) get the draft's id: the login wall answers before any lookup.
    return {
        "doc_id": docs.draft,
        "user_id": world["drafter"].id,
        "unit_id": world.units["office"].id,
        "rule_id": db.session.scalar(sa.select(sa.func.min(Rule.id))),
        # A year no record can have (a document id of 1) is refused before the login wall: a real year.
        "year": 2026,
    }


def _fill(rule, ids: dict[str, int]) -> str:
    """The rule's URL with every argument filled by something that exists (an id, a real action, a static file)."""

    def value(m):
        converter, name = m.group(1) or "default", m.group(2)
        if converter == "int":
            return str(ids.get(name, ids["doc_id"]))
        if converter == "path" and rule.endpoint in _STATIC_FILES:
            return _STATIC_FILES[rule.endpoint]
        if converter in ("default", "string"):
            return "withdraw"
        pytest.fail(f"{rule.rule}: no test value for a <{converter}:{name}> argument")

    return _ARG.sub(value, rule.rule)


def test_public_endpoints_are_only_the_login_health_and_static_files():
    assert set(tracker.PUBLIC_ENDPOINTS) == PUBLIC | TOKEN_AUTHENTICATED


def test_the_only_open_blueprint_is_the_public_library(app):
    assert set(tracker.PUBLIC_BLUEPRINTS) == {"public"}
    assert {e for e in app.view_functions if e.split(".")[0] in tracker.PUBLIC_BLUEPRINTS} == LIBRARY
    assert all("POST" not in r.methods for r in app.url_map.iter_rules() if r.endpoint in LIBRARY)


def test_every_url_redirects_an_anonymous_get_to_login(app, db, client, world, docs):
    ids = _existing_ids(db, world, docs)
    checked, wrong = 0, []
    for rule in app.url_map.iter_rules():
        url = _fill(rule, ids)
        r = client.get(url)
        if rule.endpoint in TOKEN_AUTHENTICATED:
            if r.status_code != 404:
                wrong.append(f"{url}: a feed with a wrong token answered {r.status_code}")
            continue
        if rule.endpoint.startswith("api."):
            # The JSON API answers 401 with a Chinese message instead of redirecting to a login page.
            checked += 1
            if r.status_code != 401 or "令牌" not in r.get_json().get("error", ""):
                wrong.append(f"{url}: the API answered {r.status_code} without a token")
            continue
        if rule.endpoint in PUBLIC:
            if is_login_redirect(r) or r.status_code != 200:
                wrong.append(f"{url}: public page answered {r.status_code}")
            continue
        if rule.endpoint in LIBRARY:
            # Open to all; a document that is not published is not found (these ids are drafts or none).
            if is_login_redirect(r) or r.status_code not in (200, 404):
                wrong.append(f"{url}: the public library answered {r.status_code}")
            continue
        checked += 1
        if "GET" not in rule.methods:
            if r.status_code != 405:
                wrong.append(f"{url}: POST-only rule answered a GET with {r.status_code}")
            continue
        if not is_login_redirect(r):
            wrong.append(f"{url}: {r.status_code} instead of a redirect to /login")
            continue
        _, query = redirect_target(r)
        if query.get("next") != [url]:
            wrong.append(f"{url}: next={query.get('next')}")
    assert wrong == []
    assert checked >= 15  # the map really was walked (documents, admin, audit at least)


def test_every_post_without_login_is_redirected_and_changes_nothing(app, db, client, world, docs):
    ids = _existing_ids(db, world, docs)
    # A payload that a logged-in holder of the right role could get accepted on each form.
    payload = {
        "title": "伪造的文件",
        "kind": "government",
        "issuer_id": str(world.units["gov"].id),
        "drafting_unit_id": str(world.units["enforcement"].id),
        "trial_kind": "none",
        "note": "伪造的理由",
        "username": "intruder",
        "display_name": "入侵者",
        "role": "admin",
        "unit_id": str(world.units["office"].id),
        "password": "Intruder-2026-pass",
        "active": "y",
        "name": "伪造单位",
    }
    before = _fingerprint(db)
    posted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in PUBLIC:
            continue
        url = _fill(rule, ids)
        r = client.post(url, data=payload)
        assert is_login_redirect(r), f"{url}: {r.status_code}"
        posted.append(url)
    assert "/logout" in posted and "/admin/users/new" in posted and "/documents/new" in posted
    assert _fingerprint(db) == before


def test_json_clients_get_401_not_a_redirect(client, world):
    r = client.get("/documents/", headers={"Accept": "application/json"})
    assert r.status_code == 401
    assert is_chinese(r.get_json()["error"])


def test_health_is_public_and_says_only_ok(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


# --------------------------------------------------------------------------------------------------------------
# Pages × roles
# --------------------------------------------------------------------------------------------------------------

# Every endpoint × every role is tested from one expectation table in tests/test_every_endpoint.py.


def test_other_units_drafts_are_not_listed_for_a_drafter(world, docs, login_as):
    """The register list follows the same rule as the document page."""
    own = text(login_as("drafter").get("/documents/"))
    other = text(login_as("drafter2").get("/documents/"))
    assert "测试镇draft管理办法" in own and "测试镇withdrawn管理办法" in own
    assert "测试镇draft管理办法" not in other and "测试镇withdrawn管理办法" not in other
    assert "测试镇published管理办法" in other and "测试镇repealed管理办法" in other


def test_a_non_admin_post_to_admin_pages_changes_nothing(db, world, login_as):
    c = login_as("clerk")
    before = _fingerprint(db)
    r = c.post(
        "/admin/users/new",
        data={
            "username": "sneaky",
            "display_name": "越权",
            "role": "admin",
            "unit_id": world.units["office"].id,
            "password": "Sneaky-pass-2026",
            "active": "y",
        },
    )
    assert r.status_code == 403
    r = c.post(
        f"/admin/users/{world['clerk'].id}", data={"username": "clerk", "display_name": "clerk", "role": "admin"}
    )
    assert r.status_code == 403
    after = _fingerprint(db)
    # Nothing changed but the record of the two refused attempts (tests/audit/test_refusals.py).
    assert after["counts"].pop("audit_events") == before["counts"].pop("audit_events") + 2
    assert after == before
    assert _last_actions(db, 2) == ["refused.permission", "refused.permission"]


def _last_actions(db, n: int) -> list[str]:
    return db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(n)).all()[::-1]


def test_a_drafter_cannot_register_for_another_unit(db, world, login_as):
    c = login_as("drafter")
    form = text(c.get("/documents/new"))
    offered = re.search(r'<select[^>]*name="drafting_unit_id"[^>]*>(.*?)</select>', form, re.S).group(1)
    assert world.units["enforcement"].name in offered and world.units["agri"].name not in offered
    before = _count(db, Document)
    r = c.post(
        "/documents/new",
        data={
            "title": "替别的单位起草的办法",
            "kind": "government",
            "issuer_id": world.units["gov"].id,
            "drafting_unit_id": world.units["agri"].id,
            "trial_kind": "none",
        },
    )
    assert r.status_code in (200, 403)  # re-rendered with the refusal, or refused outright
    assert _count(db, Document) == before


# --------------------------------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _login_with_token(app, username: str):
    c = app.test_client()
    token = csrf_token(c.get("/login"))
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert redirect_target(r)[0] == "/", f"login as {username} failed"
    return c


def _assert_csrf_refusal(r):
    assert r.status_code == 400
    message = error_message(r)
    assert "CSRF" in message and is_chinese(message)


def test_csrf_login(app, db, world, csrf_on):
    c = app.test_client()
    r = c.post("/login", data={"username": "drafter", "password": PASSWORD})
    _assert_csrf_refusal(r)
    assert is_login_redirect(c.get("/"))
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "auth.login")) == 0

    token = csrf_token(c.get("/login"))
    r = c.post("/login", data={"username": "drafter", "password": PASSWORD, "csrf_token": token})
    assert redirect_target(r)[0] == "/"
    assert c.get("/").status_code == 200


def test_csrf_logout(app, world, csrf_on):
    c = _login_with_token(app, "drafter")
    _assert_csrf_refusal(c.post("/logout"))
    assert c.get("/").status_code == 200  # still logged in

    token = csrf_token(c.get("/"))  # the logout form in the navigation bar
    r = c.post("/logout", data={"csrf_token": token})
    assert redirect_target(r)[0] == "/login"
    assert is_login_redirect(c.get("/"))


def test_csrf_register_draft(app, db, world, csrf_on):
    c = _login_with_token(app, "drafter")
    data = {
        "title": "测试镇防汛物资管理办法",
        "kind": "government",
        "issuer_id": world.units["gov"].id,
        "drafting_unit_id": world.units["enforcement"].id,
        "trial_kind": "none",
    }
    _assert_csrf_refusal(c.post("/documents/new", data=data))
    assert _count(db, Document) == 0

    data["csrf_token"] = csrf_token(c.get("/documents/new"))
    r = c.post("/documents/new", data=data)
    assert r.status_code == 302
    assert db.session.scalar(sa.select(Document.title)) == "测试镇防汛物资管理办法"


def test_csrf_workflow_action(app, db, world, docs, csrf_on):
    c = _login_with_token(app, "drafter")
    url = f"/documents/{docs.draft}/actions/withdraw"
    _assert_csrf_refusal(c.post(url, data={"note": "不再制定"}))
    assert _status(db, docs.draft)[0] is DocStatus.DRAFTING

    token = csrf_token(c.get(f"/documents/{docs.draft}"))
    r = c.post(url, data={"note": "不再制定", "csrf_token": token})
    assert redirect_target(r)[0] == f"/documents/{docs.draft}"
    assert _status(db, docs.draft)[0] is DocStatus.WITHDRAWN


def test_csrf_user_creation(app, db, world, csrf_on):
    c = _login_with_token(app, "admin")
    data = {
        "username": "newclerk",
        "display_name": "新文秘",
        "role": "clerk",
        "unit_id": world.units["office"].id,
        "password": "Wenmi-pass-2026",
        "active": "y",
    }
    _assert_csrf_refusal(c.post("/admin/users/new", data=data))
    assert db.session.scalar(sa.select(User).where(User.username == "newclerk")) is None

    data["csrf_token"] = csrf_token(c.get("/admin/users/new"))
    r = c.post("/admin/users/new", data=data)
    assert redirect_target(r)[0] == "/admin/users"
    assert db.session.scalar(sa.select(User).where(User.username == "newclerk")) is not None


def test_csrf_token_of_another_session_is_refused(app, db, world, docs, csrf_on):
    victim = _login_with_token(app, "drafter")
    attacker = app.test_client()
    foreign_token = csrf_token(attacker.get("/login"))
    r = victim.post(f"/documents/{docs.draft}/actions/withdraw", data={"note": "伪造", "csrf_token": foreign_token})
    _assert_csrf_refusal(r)
    assert _status(db, docs.draft)[0] is DocStatus.DRAFTING


# --------------------------------------------------------------------------------------------------------------
# Forged workflow actions
# --------------------------------------------------------------------------------------------------------------

FORGED = [
    # (who, document, action, note, status, words the refusal must contain)
    ("leader", "draft", "withdraw", "领导想撤回", 403, "无权"),
    ("reviewer", "draft", "withdraw", "审查员想撤回", 403, "无权"),
    ("clerk", "draft", "withdraw", "文秘想撤回", 403, "无权"),
    ("drafter2", "draft", "withdraw", "别的单位想撤回", 403, "没有权限"),
    ("reviewer", "draft", "start_consultation", "", 403, "无权"),
    ("leader", "deferred", "resume_drafting", "", 403, "无权"),
    # Steps that record data go through their own page, whoever posts them, even the right role.
    ("drafter", "under_review", "conclude_pass", "", 409, "专门的办理页面"),
    ("clerk", "deliberated", "register_and_number", "", 409, "专门的办理页面"),
    ("clerk", "published", "repeal", "文秘想直接废止", 409, "专门的办理页面"),
    ("leader", "passed", "approve_deliberation", "", 409, "专门的办理页面"),
    ("drafter", "draft", "publish_right_now", "", 409, "没有这个操作"),
    ("drafter", "draft", "close_consultation", "", 409, "专门的办理页面"),
    ("drafter", "draft", "resume_drafting", "", 409, "不能执行"),
    ("drafter", "published", "withdraw", "发布后撤回", 409, "不能执行"),
    ("drafter", "draft", "withdraw", "", 400, "须填写理由"),
    # Bad input is a form error (400) on the same page, not a conflict.
    ("drafter", "draft", "withdraw", "长" * 2001, 400, "2000"),
]


@pytest.mark.parametrize(
    ("who", "doc_key", "action", "note", "status", "words"), FORGED, ids=[f"{f[0]}-{f[2]}-{f[1]}" for f in FORGED]
)
def test_forged_action_is_refused_and_changes_nothing(db, docs, login_as, who, doc_key, action, note, status, words):
    doc_id = getattr(docs, doc_key)
    c = login_as(who)
    before, events = _status(db, doc_id), _count(db, AuditEvent)
    r = c.post(f"/documents/{doc_id}/actions/{action}", data={"note": note})
    assert r.status_code == status
    # On the document page shown again, or on the error page for one who may not even see the document.
    message = refusal(r)
    assert words in message and is_chinese(message)
    if who != "drafter2":
        assert 'data-testid="doc-title"' in text(r)
        if note and status == 400:
            assert note in text(r)  # what was typed is kept
    assert _status(db, doc_id) == before
    # The attempt itself is on the record; a mere input error (400) is not an attempt to record.
    refused = {403: "refused.permission", 409: "refused.transition"}.get(status)
    assert _count(db, AuditEvent) == events + (1 if refused else 0)
    if refused:
        assert _last_actions(db, 1) == [refused]


# The review steps' own pages refuse the wrong role too (docs/rules.md §8: the judicial office accepts and returns
# packets, the drafting unit submits its own drafts, the office records deliberation; the leader only reads).
FORGED_FORMS = [
    ("drafter", "submitted", "/review/documents/{doc}/accept"),
    ("clerk", "submitted", "/review/documents/{doc}/accept"),
    ("drafter", "submitted", "/review/documents/{doc}/return"),
    ("drafter2", "draft", "/review/documents/{doc}/submit"),
    ("reviewer", "draft", "/review/documents/{doc}/submit"),
    ("leader", "passed", "/review/documents/{doc}/deliberate"),
    ("drafter", "passed", "/review/documents/{doc}/deliberate"),
]


@pytest.mark.parametrize(
    ("who", "doc_key", "url"), FORGED_FORMS, ids=[f"{f[0]}-{f[2].split('/')[-1]}" for f in FORGED_FORMS]
)
def test_forged_post_to_a_step_page_is_refused(db, docs, login_as, who, doc_key, url):
    doc_id = getattr(docs, doc_key)
    c = login_as(who)
    before, events = _status(db, doc_id), _count(db, AuditEvent)
    r = c.post(url.format(doc=doc_id), data={"note": "伪造", "decision": "approve", "outcome": "pass"})
    assert r.status_code == 403
    assert is_chinese(error_message(r))
    assert _status(db, doc_id) == before
    assert _count(db, AuditEvent) == events + 1
    assert _last_actions(db, 1) == ["refused.permission"]


def test_a_legal_action_through_the_same_door_works(db, docs, login_as):
    """The refusals above are not the door being shut for everyone."""
    r = login_as("drafter").post(f"/documents/{docs.draft}/actions/withdraw", data={"note": "上级已统一规定"})
    assert redirect_target(r)[0] == f"/documents/{docs.draft}"
    assert _status(db, docs.draft)[0] is DocStatus.WITHDRAWN


def test_an_action_cannot_be_taken_by_get(db, docs, login_as):
    r = login_as("drafter").get(f"/documents/{docs.draft}/actions/withdraw")
    assert r.status_code == 405
    assert _status(db, docs.draft)[0] is DocStatus.DRAFTING


# --------------------------------------------------------------------------------------------------------------
# Production configuration
# --------------------------------------------------------------------------------------------------------------


def _production_app(tmp_path, **overrides):
    return create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        **overrides,
    )


@pytest.mark.parametrize(
    "key",
    [None, "", config.DEV_SECRET_KEY, "k" * (config.MIN_SECRET_KEY_LENGTH - 1)],
    ids=["unset", "empty", "development-default", "too-short"],
)
def test_production_refuses_an_insecure_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", key)
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        _production_app(tmp_path)


def test_production_starts_with_a_real_key_and_safe_settings(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "q7V" * 16)  # 48 characters
    app = _production_app(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert isinstance(app.config["MAX_CONTENT_LENGTH"], int) and app.config["MAX_CONTENT_LENGTH"] > 0
    assert app.config["DEBUG"] is False and app.config["TESTING"] is False
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("PASSWORD_HASH_METHOD", "scrypt") == "scrypt"
    # It serves: the login wall is up and the health check answers.
    c = app.test_client()
    assert is_login_redirect(c.get("/documents/"))
    assert c.get("/health").status_code == 200


# --------------------------------------------------------------------------------------------------------------
# Error pages
# --------------------------------------------------------------------------------------------------------------


def test_404_is_a_chinese_page(world, docs, login_as, client):
    r = login_as("clerk").get("/documents/999999")
    assert r.status_code == 404 and "不存在" in error_message(r)
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "不存在" in error_message(r)


def test_405_is_a_chinese_page(world, login_as):
    c = login_as("clerk")
    r = c.get("/logout")
    assert r.status_code == 405 and is_chinese(error_message(r))
    assert c.get("/").status_code == 200  # a GET never logs out


def test_500_is_a_chinese_page_without_traceback_and_keeps_nothing(tmp_path, now):
    from tracker.extensions import db

    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'boom.sqlite3'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        PROPAGATE_EXCEPTIONS=False,
    )

    @app.get("/boom")
    def boom():
        db.session.add(
            Unit(name="半途写入的单位", kind=UnitKind.DEPARTMENT, created_at=now, town_id=current_user.town_id)
        )
        db.session.flush()
        raise RuntimeError("secret-internal-detail /srv/tracker/app.py line 42")

    with app.app_context():
        db.create_all()
        build_world(now)
        db.session.commit()
    c = app.test_client()
    assert c.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302
    r = c.get("/boom")
    assert r.status_code == 500
    body = text(r)
    assert "系统出错" in body and is_chinese(error_message(r))
    for leak in ("Traceback", "RuntimeError", "secret-internal-detail", "app.py"):
        assert leak not in body
    with app.app_context():
        assert db.session.scalar(sa.select(Unit).where(Unit.name == "半途写入的单位")) is None
        db.session.remove()
        db.engine.dispose()


def test_oversize_upload_is_a_chinese_413_and_saves_nothing(app, db, world, login_as, monkeypatch):
    c = login_as("drafter")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    r = c.post(
        "/documents/new",
        data={
            "title": "测试镇超大附件的办法",
            "kind": "government",
            "issuer_id": world.units["gov"].id,
            "drafting_unit_id": world.units["enforcement"].id,
            "trial_kind": "none",
            "file": (io.BytesIO(b"x" * 10_000), "draft.docx"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 413
    assert "文件过大" in text(r) and "上限" in error_message(r)
    assert _count(db, Document) == 0


# --------------------------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------------------------


def test_security_headers_on_pages_errors_and_login(world, login_as, client):
    for r in (client.get("/login"), login_as("clerk").get("/"), client.get("/no/such/page")):
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-eval" not in csp and "script-src *" not in csp


def test_session_cookie_is_httponly_and_samesite(client, world):
    r = client.post("/login", data={"username": "clerk", "password": PASSWORD})
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
