"""Configuration classes, all read from the environment (12-factor)."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TRACKER_INSTANCE_DIR", BASE_DIR / "instance"))

# Secrets shorter than this, or equal to the fixed key development used to sign with, are refused in production.
MIN_SECRET_KEY_LENGTH = 32
# Development signed sessions with this published key until issue #15: anyone could forge an administrator's
# session. No configuration uses it now; production refuses it and development replaces it by the instance's key.
DEV_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    # Unset: production refuses to start; development (`make run`) uses a random key kept in the instance folder.
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'tracker.sqlite3'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A pooled connection idle this long is pinged before a request uses it, and replaced when dead (a restarted
    # database); one in steady use is not pinged on every request (tracker/common/connections.py).
    DB_PING_AFTER_IDLE_SECONDS = float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", "5"))
    # Uploads (draft versions, attachments). The limit is enforced by Werkzeug before the view runs.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "25")) * 1024 * 1024
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Limits of the child process each Word template check, render and preview runs in (tracker/common/confine.py).
    WORD_RENDER_SECONDS = float(os.environ.get("WORD_RENDER_SECONDS", "10"))
    WORD_RENDER_MEMORY_MB = int(os.environ.get("WORD_RENDER_MEMORY_MB", "512"))
    # The office's time zone: deadlines are calendar dates there (docs/rules.md §3).
    OFFICE_TIMEZONE = os.environ.get("OFFICE_TIMEZONE", "Asia/Shanghai")
    WTF_I18N_ENABLED = False  # use WTForms' bundled translations (Chinese), no Flask-Babel needed
    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    HSTS_SECONDS = 0  # Strict-Transport-Security only in production (below)
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    # Login throttling (README, 生产部署): failures are counted in the database, so all workers share them. An
    # account name, or an address, with this many failures within the window is refused until the oldest of them
    # leaves the window. 0 turns a limit off.
    LOGIN_FAILURE_WINDOW_MINUTES = int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES", "15"))
    LOGIN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ACCOUNT", "5"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
    # Reverse proxies in front of gunicorn whose X-Forwarded-For / X-Forwarded-Proto are believed. 0 (the default)
    # believes none: behind a proxy set it to 1, or every person would share the proxy's address for throttling.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    BOOTSTRAP_SERVE_LOCAL = True  # intranets are offline: never a CDN
    SITE_NAME = os.environ.get("SITE_NAME", "规范性文件审查备案跟踪")
    # The names a single-town install's first migration gives its city and town (flask towns rename changes them);
    # TOWN_NAME is also what a page names when no town is signed in (the public library of a single town).
    TOWN_NAME = os.environ.get("TOWN_NAME", "沙溪镇")
    CITY_NAME = os.environ.get("CITY_NAME", "中山市")
    PER_PAGE = 50
    # Absolute links in e-mails and calendar feeds.
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    # The public library of published documents at /public/ (no login): on unless PUBLIC_LIBRARY=0. Its address as
    # the public sees it (behind the website's proxy) goes into the feed and the publication form; SITE_URL if unset.
    PUBLIC_LIBRARY = _bool("PUBLIC_LIBRARY", True)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Daily reminder e-mails: no MAIL_SERVER means no sending (the admin page says so).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "noreply@localhost")
    # Pauses (seconds) before retrying a failed send within the same run.
    MAIL_RETRY_DELAYS = (5, 30)
    # The nightly backup (README: Backups): where the archives go and how many are kept.
    BACKUP_DIR = os.environ.get("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
    # Where pg_dump and pg_restore are, when not on PATH (their version must be at least the server's).
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")


class DevelopmentConfig(Config):
    DEBUG = False  # the Werkzeug debugger is never on: make run is used by clerks too


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-000"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = _bool("TEST_CSRF", False)
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    MAIL_SERVER = ""
    MAIL_RETRY_DELAYS = ()


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # The __Host- prefix makes browsers accept the cookie only if Secure, Path=/ and without Domain: nothing on
    # another subdomain or over plain HTTP can plant or overwrite it. Browsers refuse the prefix without Secure.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_NAME = "__Host-remember_token" if SESSION_COOKIE_SECURE else "remember_token"
    SESSION_COOKIE_PATH = "/"
    SESSION_COOKIE_DOMAIN = None
    # One year; not on plain-HTTP intranets (SESSION_COOKIE_SECURE=false), where browsers ignore it anyway.
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if SESSION_COOKIE_SECURE else 0
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("TRACKER_ENV", "development")]
