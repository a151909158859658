"""Parts of pages rendered once and remembered until the next write (common/stamp.py), forms and all.

A part is rendered from the records, the person and the day, and kept in the worker under the records' stamp: any
write its scope can read renders it again, and its key names everything else it depends on (the person, the day,
the page's arguments). A part may hold forms: their CSRF token belongs to the session that asked first, so it is
kept as a mark and every request gets its own session's token in its place. A page shown again after a refused
POST (with the input kept and the reason beside the form) is rendered afresh, never remembered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tracker.common.stamp import remembered

# Stands for the session's CSRF token in a remembered part (no token, nor any page text, holds a NUL).
CSRF_MARK = "\x00csrf-token\x00"


def remembered_part(key: Hashable, template: str, context: Callable[[], dict[str, Any]]) -> Markup:
    """`template` rendered with `context()`, remembered under `key` until the next write; the session's CSRF token
    in every form it holds."""
    token = generate_csrf()  # the token of this request (Flask-WTF gives every form of one request the same)

    def render() -> str:
        return render_template(template, **context()).replace(token, CSRF_MARK)

    return Markup(remembered(key, render).replace(CSRF_MARK, token))
