"""规范性文件审查备案跟踪: the application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify, redirect, request, url_for
from flask_bootstrap import Bootstrap5
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

import config as config_module
from tracker.audit.refusals import register as register_refusals
from tracker.auth import towns
from tracker.auth.permissions import CITY_ROLES
from tracker.auth.queries import signed_in
from tracker.common import connections, inputs, urls
from tracker.common.instance_key import instance_secret_key
from tracker.common.views import current_refusal, run_view
from tracker.errors import register_error_handlers
from tracker.extensions import csrf, db, login_manager, migrate
from tracker.rules.ruleset import rule_name
from tracker.word.models import GeneratedDocument
from tracker.word.templates import describe_template

# Endpoints reachable without logging in; everything else is denied by default.
# The calendar feed authenticates by its secret token in the URL (calendar programs cannot log in).
PUBLIC_ENDPOINTS = frozenset({"auth.login", "static", "bootstrap.static", "main.health", "alerts.ical_feed"})
# Blueprints open to everyone: the public library of published documents (it answers 404 when switched off).
PUBLIC_BLUEPRINTS = frozenset({"public"})
# Blueprints where the city's bureau reads every town of its city: its desk and the city's figures.
CITY_BLUEPRINTS = frozenset({"bureau", "city"})
STATIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


class InsecureConfiguration(RuntimeError):
    pass


class Tracker(Flask):
    """Flask with the one request wrapper around every view: commit once, refusals said on the page; and the
    request's database connection taken before anything reads."""

    def preprocess_request(self):
        connections.begin_request(STATIC_ENDPOINTS)
        return super().preprocess_request()

    def dispatch_request(self):
        return run_view(super().dispatch_request)


def _check_production(app: Flask) -> None:
    key = app.config.get("SECRET_KEY") or ""
    if key == config_module.DEV_SECRET_KEY or len(key) < config_module.MIN_SECRET_KEY_LENGTH:
        raise InsecureConfiguration(
            "生产环境拒绝启动：SECRET_KEY 未设置、使用了默认值或少于 "
            f"{config_module.MIN_SECRET_KEY_LENGTH} 个字符。请设置随机的 SECRET_KEY 环境变量。"
        )


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the writer; FULL sync survives power loss; FKs are off in SQLite by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


event.listen(Engine, "connect", _sqlite_pragmas)


def create_app(config_object: type | None = None, **overrides) -> Flask:
    config_class = config_object or config_module.config_from_env()
    app = Tracker(
        __name__,
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
        instance_path=str(config_module.INSTANCE_DIR),
        instance_relative_config=False,
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if issubclass(config_class, config_module.ProductionConfig):
        _check_production(app)
    elif app.config.get("SECRET_KEY") in (None, "", config_module.DEV_SECRET_KEY):
        # `make run` is reachable by others on the network: never sign with a key anyone can read in the source.
        app.config["SECRET_KEY"] = instance_secret_key(
            Path(app.instance_path), min_length=config_module.MIN_SECRET_KEY_LENGTH
        )
    if app.config.get("PROXY_COUNT"):
        # Behind the reverse proxy the client's address (login throttling) and scheme come from its headers.
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    os.makedirs(app.instance_path, exist_ok=True)
    os.makedirs(app.config["UPLOAD_DIR"], exist_ok=True)

    db.init_app(app)
    connections.install(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    Bootstrap5(app)
    _configure_login()
    inputs.register_converters(app)

    from tracker import models  # noqa: F401  (complete metadata)
    from tracker.alerts import hooks as alerts_hooks
    from tracker.alerts.views import bp as alerts_bp
    from tracker.api.views import bp as api_bp
    from tracker.auth.admin_views import bp as admin_bp
    from tracker.auth.history_views import bp as audit_bp
    from tracker.auth.views import bp as auth_bp
    from tracker.city.views import bp as city_bp
    from tracker.cleanup.views import bp as cleanup_bp
    from tracker.documents.catalogue_views import bp as catalogue_bp
    from tracker.documents.views import bp as documents_bp
    from tracker.filing.bureau_views import bp as bureau_bp
    from tracker.filing.views import bp as filing_bp
    from tracker.main import bp as main_bp
    from tracker.outputs.views import bp as outputs_bp
    from tracker.public.views import bp as public_bp
    from tracker.publication.numbering_views import bp as numbering_bp
    from tracker.publication.views import bp as publication_bp
    from tracker.register.views import bp as register_bp
    from tracker.reports.views import bp as reports_bp
    from tracker.review.precheck_views import bp as precheck_rules_bp
    from tracker.review.views import bp as review_bp
    from tracker.rules.views import bp as rules_bp
    from tracker.solicitations.views import bp as solicitations_bp

    blueprints = (
        main_bp,
        auth_bp,
        admin_bp,
        register_bp,
        documents_bp,
        catalogue_bp,
        audit_bp,
        review_bp,
        rules_bp,
        alerts_bp,
        publication_bp,
        numbering_bp,
        precheck_rules_bp,
        filing_bp,
        bureau_bp,
        cleanup_bp,
        outputs_bp,
        solicitations_bp,
        reports_bp,
        city_bp,
        api_bp,
        public_bp,
    )
    for bp in blueprints:
        app.register_blueprint(bp)

    register_error_handlers(app)
    register_refusals(app)
    alerts_hooks.init_app(app)
    inputs.register(app)
    _register_filters(app)
    _register_cli(app)

    @app.before_request
    def deny_by_default():
        if request.endpoint in PUBLIC_ENDPOINTS or request.blueprint in PUBLIC_BLUEPRINTS:
            return None
        if current_user.is_authenticated:
            return None
        if request.endpoint is None:
            return None  # unknown URL: let the 404 handler answer
        if request.blueprint == "api" or request.accept_mimetypes.best == "application/json":
            return jsonify(error="请先登录或在请求头中提供有效的令牌（Authorization: Bearer …）。"), 401
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        # base-uri and form-action are not covered by default-src: without them injected markup could re-point
        # relative links or send a form (with its CSRF token) elsewhere.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'; object-src 'none'",
        )
        if app.config.get("HSTS_SECONDS"):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}")
        if current_user.is_authenticated and request.endpoint not in STATIC_ENDPOINTS:
            # What a logged-in person sees stays out of shared and browser caches (the back button after logout).
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _configure_login() -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"

    @login_manager.request_loader
    def load_user_from_token(req):
        # Only the read-only API accepts a token; pages and forms need a session (and CSRF).
        if not req.path.startswith("/api/"):
            return None
        header = req.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        from tracker.auth.tokens import user_for_token
        from tracker.common.timeutil import now_utc

        user = user_for_token(token.strip(), now=now_utc())
        if user is not None and db.session.dirty:
            db.session.commit()  # last_used_at, at most once an hour per token
        if user is not None:
            towns.enter(user)
        return user

    @login_manager.user_loader
    def load_user(session_id: str):
        # "id:session_version" (User.get_id): a session made before the user's last logout, password change or
        # reset carries an older version and loads nobody.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 18 or len(version) > 18:
            return None
        user = signed_in(int(user_id))  # with the unit: every page names it in the navigation bar
        if user is None or user.session_version != int(version):
            return None
        if request.blueprint in CITY_BLUEPRINTS and user.role in CITY_ROLES:
            towns.enter_city(user)  # the city's people on the city's pages read every town of the city
        elif request.blueprint not in PUBLIC_BLUEPRINTS:  # the public library reads every town's published files
            towns.enter(user)  # from here on, the request reads this person's town only
        return user


def _register_filters(app: Flask) -> None:
    from tracker import nav
    from tracker.common import filters

    filters.register(app)
    nav.register(app)
    app.add_template_filter(rule_name, "rule_name")  # a rule's code as people call it
    app.add_template_global(current_refusal, "current_refusal")  # a refusal said beside its form
    app.add_template_global(urls.in_library, "in_library")  # an error page of the public library stays in it
    app.add_template_global(urls.library_enabled, "library_enabled")

    @app.template_filter("template_label")
    def template_label(generated: GeneratedDocument) -> str:
        return describe_template(generated.kind, generated.template_version)


def _register_cli(app: Flask) -> None:
    from tracker.cli import register

    register(app)
