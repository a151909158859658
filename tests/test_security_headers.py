"""Headers and the session cookie (issue #15): CSP directives, no-store for logged-in pages, HSTS and __Host- in
production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ProductionConfig
from tests.factories import PASSWORD, build_world
from tests.pages import csrf_token, is_login_redirect
from tracker import create_app
from tracker.extensions import db as _db

ROOT = Path(__file__).resolve().parent.parent


def _directives(response) -> dict[str, str]:
    csp = response.headers["Content-Security-Policy"]
    parts = [p.strip().split(None, 1) for p in csp.split(";") if p.strip()]
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def test_the_csp_closes_base_form_and_object(world, login_as, client):
    for r in (client.get("/login"), login_as("clerk").get("/"), client.get("/no/such/page")):
        d = _directives(r)
        assert d["base-uri"] == "'self'"
        assert d["form-action"] == "'self'"
        assert d["object-src"] == "'none'"
        assert d["default-src"] == "'self'" and d["frame-ancestors"] == "'none'"
        assert "script-src" not in d  # scripts fall back to 'self': Bootstrap's own files, no inline script


def test_logged_in_pages_are_never_stored(app, world, login_as, client):
    clerk = login_as("clerk")
    for url in ("/", "/documents/", "/account", "/password", "/no/such/page"):
        assert clerk.get(url).headers.get("Cache-Control") == "no-store", url
    # Static files stay cacheable: they hold nothing personal.
    assert "no-store" not in (clerk.get("/static/app.css").headers.get("Cache-Control") or "")
    assert "Strict-Transport-Security" not in client.get("/login").headers  # not outside production


# --------------------------------------------------------------------------------------------------------------
# Production
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def production(monkeypatch, tmp_path, now):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "q7V" * 16)
    app = create_app(
        ProductionConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    with app.app_context():
        _db.create_all()
        build_world(now)
        _db.session.commit()
        _db.session.remove()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_production_session_cookie_is_host_prefixed_secure_and_works(production):
    client = production.test_client()
    base = "https://tracker.town.test"
    page = client.get("/login", base_url=base)
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    r = client.post(
        "/login",
        data={"username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(page)},
        base_url=base,
        headers={"Referer": f"{base}/login"},  # Flask-WTF checks the referrer of HTTPS posts
    )
    assert r.status_code == 302
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("__Host-session="))
    attributes = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path", "samesite"} <= attributes
    assert "domain" not in attributes  # the prefix forbids a Domain attribute
    assert "; Path=/" in cookie
    assert client.get_cookie("session", domain="tracker.town.test") is None  # no cookie under the plain name
    home = client.get("/", base_url=base)
    assert home.status_code == 200
    assert home.headers["Cache-Control"] == "no-store"
    assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert is_login_redirect(production.test_client().get("/", base_url=base))


def test_plain_http_production_keeps_the_plain_cookie_name_and_sends_no_hsts():
    """SESSION_COOKIE_SECURE=false (an intranet without TLS): browsers would refuse a __Host- cookie there."""
    script = (
        "import config; p = config.ProductionConfig; "
        "print(p.SESSION_COOKIE_NAME, p.SESSION_COOKIE_SECURE, p.HSTS_SECONDS)"
    )
    out = {}
    for secure in ("true", "false"):
        env = {**os.environ, "SESSION_COOKIE_SECURE": secure}
        result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        out[secure] = result.stdout.split()
    assert out["true"] == ["__Host-session", "True", "31536000"]
    assert out["false"] == ["session", "False", "0"]
