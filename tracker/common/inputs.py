"""What no request may carry, refused before any view runs: ids beyond the database's integers, years no record
has, NUL characters; and the one way to read a number from a query or form parameter.

A 20-digit id in a URL (/documents/99999999999999999999) overflowed SQLite's integer and PostgreSQL's int4
(a 500); year 0 in /reports/annual/0.xlsx made no date; a NUL character in a search or a form field is refused
by PostgreSQL (a 500) and means nothing in a title or a note. Each is answered here with a 404 or a 400 and a
Chinese message.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from tracker.errors import ValidationFailed

# The ids of every table are 32-bit on PostgreSQL (INTEGER): larger numbers name no record.
MAX_ID = 2**31 - 1
# No record of the office falls outside these dates; 0001-01-01 or 9999-12-31 overflow the first deadline
# computed from them.
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2099, 12, 31)


def bounded_int(text: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The number a query or form parameter holds, or None when it holds none between low and high."""
    text = (text or "").strip()
    if not text.isascii() or not text.lstrip("-").isdigit() or len(text) > 11:
        return None
    value = int(text)
    return value if low <= value <= high else None


class BoundedIntConverter(IntegerConverter):
    """<int:…> as Werkzeug's, but a number no table can hold does not match: the URL is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (Werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


def _all(multidict) -> list:
    return [value for values in multidict.listvalues() for value in values]


def refuse_nul() -> None:
    if (
        "\x00" in request.path
        or _has_nul(_all(request.args))
        or _has_nul(_all(request.form))
        or _has_nul((request.view_args or {}).values())
    ):
        raise ValidationFailed("提交的内容含有无效的控制字符（NUL），操作未执行。请删除后重新输入。")


def register_converters(app: Flask) -> None:
    """Before the blueprints are registered: their rules take the converters in place when they are added."""
    app.url_map.converters["int"] = BoundedIntConverter


def refuse_impossible_years(endpoint, values) -> None:
    """<int:year> in a route (/reports/annual/2025.xlsx): a year no record can have is a page that does not exist."""
    year = (values or {}).get("year")
    if not current_user.is_authenticated:
        return  # deny by default first: an anonymous visitor is sent to the login page, whatever the URL says
    if isinstance(year, int) and not MIN_DATE.year <= year <= MAX_DATE.year:
        abort(404)


def year_asked(default: int) -> int:
    """A report page's ?year= (`default` when absent); a year no report covers is a page that does not exist."""
    year = bounded_int(request.args.get("year")) or default
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def register(app: Flask) -> None:
    app.url_value_preprocessor(refuse_impossible_years)
    app.before_request(refuse_nul)
