"""Reading the app's HTML in tests: the error page's message, flashed messages, hidden form values."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

_CJK = re.compile(r"[\u4e00-\u9fff]")


def text(response) -> str:
    return response.get_data(as_text=True)


def is_chinese(message: str) -> bool:
    return bool(_CJK.search(message or ""))


def error_message(response) -> str:
    """The sentence of templates/errors/error.html; fails the test when the response is not that page."""
    m = re.search(r'data-testid="error-message">(.*?)</p>', text(response), re.S)
    assert m, f"not an error page (status {response.status_code}): {text(response)[:300]}"
    return html.unescape(m.group(1)).strip()


def refusal(response) -> str:
    """Why a request was refused: the error page's sentence, or the danger message on the page shown again."""
    if 'data-testid="error-message"' in text(response):
        return error_message(response)
    found = re.findall(r'<div class="alert alert-danger[^"]*" role="alert">\s*(.*?)\s*<button', text(response), re.S)
    assert found, f"neither an error page nor a refusal on the page (status {response.status_code})"
    return html.unescape(found[0]).strip()


def flashes(response) -> list[str]:
    found = re.findall(r'<div class="alert [^"]*" role="alert">\s*(.*?)\s*<button', text(response), re.S)
    return [html.unescape(m).strip() for m in found]


def hidden_value(response, name: str) -> str:
    """The value of the first <input name=...> in the page (CSRF token, version_id …)."""
    for tag in re.findall(r"<input\b[^>]*>", text(response)):
        if re.search(rf'\bname="{re.escape(name)}"', tag):
            m = re.search(r'\bvalue="([^"]*)"', tag)
            assert m, f"input {name} has no value: {tag}"
            return html.unescape(m.group(1))
    raise AssertionError(f"no input named {name!r} in the page")


def without_tokens(page: str) -> str:
    """A page's HTML with its CSRF tokens' values left out: they carry the second they were signed in."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+', r"\1", page)


def csrf_token(response) -> str:
    return hidden_value(response, "csrf_token")


def redirect_target(response) -> tuple[str, dict[str, list[str]]]:
    """(path, query) of a redirect inside the site; fails on any other response or on an external redirect."""
    assert response.status_code in (301, 302, 303), f"expected a redirect, got {response.status_code}"
    parts = urlsplit(response.headers["Location"])
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), response.headers["Location"]
    return parts.path, parse_qs(parts.query)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/login"
