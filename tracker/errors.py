"""Domain errors a clerk can read, and the HTTP error pages (Chinese, never a traceback)."""

from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from tracker.extensions import db

REFUSALS = "refused_attempts"


def note_refusal(kind: str, message: str) -> None:
    """Keep a refused attempt of this request; tracker/audit/refusals.py records it once the request is done."""
    if has_request_context():
        g.setdefault(REFUSALS, []).append((kind, message))


class DomainError(Exception):
    """A refusal with a message for people; views turn it into a flash or a 4xx page."""

    status_code = 400
    # Refusals that are evidence (an attempt without the permission, a step not allowed now) are noted when they
    # are raised during a request, whichever view catches them.
    refusal: str | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
        if self.refusal:
            note_refusal(self.refusal, message)


class PermissionDenied(DomainError):
    status_code = 403
    refusal = "permission"


class NotFound(DomainError):
    status_code = 404


class InvalidTransition(DomainError):
    status_code = 409
    refusal = "transition"


class ConcurrentEdit(DomainError):
    status_code = 409


class ValidationFailed(DomainError):
    status_code = 400


def _page(code: int, title: str, message: str):
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return {"error": message}, code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def error_page(code: int, title: str, message: str):
    """The error page (or JSON for API clients), for handlers that decide case by case."""
    return _page(code, title, message)


def too_large_message() -> str:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"
    return f"上传的文件超过了 {size} 的上限，未保存。请压缩或拆分后重新上传。"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # Nothing of a refused operation may be kept, and the page below must not trip on a failed session.
        db.session.rollback()
        return _page(exc.status_code, "操作未执行", exc.message)

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = "页面已过期或请求来源无法验证（CSRF），操作未执行。请刷新页面后重试。"
        note_refusal("csrf", message)
        return _page(400, "请求已失效", message)

    @app.errorhandler(400)
    def bad_request(exc):
        return _page(400, "请求有误", "提交的内容无法处理，操作未执行。")

    @app.errorhandler(403)
    def forbidden(exc):
        message = "您没有权限查看此页面或执行此操作。"
        note_refusal("permission", message)
        return _page(403, "无权访问", message)

    @app.errorhandler(404)
    def not_found(exc):
        return _page(404, "页面不存在", "您要找的页面不存在，可能已被移除或地址有误。")

    @app.errorhandler(405)
    def method_not_allowed(exc):
        return _page(405, "操作方式不正确", "此地址不接受这种请求方式。")

    @app.errorhandler(413)
    def too_large(exc):
        return _page(413, "文件过大", too_large_message())

    @app.errorhandler(DBAPIError)
    def connection_lost(exc: DBAPIError):
        # The database connection died under this request (the server restarted): nothing was written, the pool
        # replaces its connections, and asking again works (tracker/common/connections.py). Anything else is a 500.
        if not exc.connection_invalidated:
            raise exc
        db.session.rollback()
        current_app.logger.warning("database connection lost during %s %s: %s", request.method, request.path, exc)
        return _page(503, "数据库连接中断", "与数据库的连接刚刚中断，已重新连接。请刷新页面，查看最新内容后再试一次。")

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _page(500, "系统出错", "系统处理时出错，操作未完成，数据未被修改。请稍后重试或联系管理员。")
