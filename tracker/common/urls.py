"""The addresses the product gives out: the public library's, as the public reaches it."""

from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def library_enabled() -> bool:
    """The public library answers (setting PUBLIC_LIBRARY); when off, /public/ is a 404 and nothing links to it."""
    return bool(current_app.config.get("PUBLIC_LIBRARY"))


def public_base() -> str:
    """The site's address for the public: PUBLIC_BASE_URL, else SITE_URL, without a trailing slash."""
    cfg = current_app.config
    return (cfg.get("PUBLIC_BASE_URL") or cfg.get("SITE_URL") or "").rstrip("/")


def public_address(doc_id: int) -> str:
    """The absolute address of a document's page in the public library (recorded at publication, put in the feed)."""
    return public_base() + url_for("public.show", doc_id=doc_id)


def in_library() -> bool:
    """This request is for the public library (its pages, and its errors: they must not lead into the office's)."""
    return has_request_context() and library_enabled() and request.path.startswith(url_for("public.index"))
