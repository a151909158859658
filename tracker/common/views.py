"""The request wrapper: how a view runs a service, commits once, and says a refusal on the same page.

Every view runs inside `run_view()` (the application installs it around every endpoint):

- a request that is not a GET commits once, after the view returned a response below 400, and rolls back
  otherwise; a GET, HEAD or OPTIONS request never commits (docs/architecture.md: a GET never writes);
- a view that renders its own form runs the service inside ``with attempt(success) as done:``: a DomainError
  rolls back, its message is flashed, and the view goes on to render the same page, the input kept;
- an action whose form sits on another page (a button on the document page, a form on the campaign page) names
  that page with `refusal_page(endpoint, **values)` and checks its form with `validated(form)`: a DomainError,
  an invalid form included, re-renders that page with the message, the input kept, status 400 for bad input
  (409 for a step the record's state no longer allows, 403 for a refused permission);
- without a page, a DomainError reaches the error page (tracker/errors.py).

Success messages given to `attempt()` or `notify()` are taken back when the commit fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, flash, g, has_request_context, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from tracker.errors import ConcurrentEdit, DomainError, ValidationFailed
from tracker.extensions import db

# Methods that only read: the wrapper never commits them.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_PENDING = "_flash_after_commit"
_PAGE = "_refusal_page"
_RENDERING = "_rendering_refusal"
_REFUSAL = "_refusal_in_place"


@dataclass
class Outcome:
    """What `attempt()` says after its block: true when the service ran, else the refusal's message."""

    ok: bool = False
    message: str | None = None

    def __bool__(self) -> bool:
        return self.ok


def notify(message: str, category: str = "success") -> None:
    """Flash a message about work this request does; it is taken back if the commit fails."""
    flash(message, category)
    g.setdefault(_PENDING, []).append([category, message])


@contextmanager
def attempt(success: str | None = None) -> Iterator[Outcome]:
    """Run the block; on a DomainError roll back and flash its message, and let the view render its page again."""
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        outcome.message = exc.message
        return
    outcome.ok = True
    if success:
        notify(success)


def form_errors(form) -> str:
    """Every field error of a form, in one Chinese sentence."""
    return "；".join(e for errs in form.errors.values() for e in errs)


def validated(form):
    """The form, validated; an invalid form is a ValidationFailed (400) naming what is wrong."""
    if not form.validate():
        raise ValidationFailed(form_errors(form) or "提交的内容不完整，请检查后重试。")
    return form


def refusal_page(endpoint: str, *, where: str | None = None, **values) -> None:
    """Name the page on which this action's refusals are shown (the page that holds its form); with `where`, the
    part of that page (its id) where the reason is said, beside the form, instead of at the top."""
    setattr(g, _PAGE, (endpoint, values, where))


def current_refusal() -> dict | None:
    """The refusal the page being rendered says in place: {"where": part of the page, "message": reason}."""
    return g.get(_REFUSAL) if has_request_context() else None


def _say(message: str, where: str | None) -> None:
    if where:
        setattr(g, _REFUSAL, {"where": where, "message": message})
    else:
        flash(message, "danger")


def posted() -> bool:
    """Whether this request submits the page's own forms (not when the page is shown again after a refusal)."""
    return has_request_context() and request.method == "POST" and not g.get(_RENDERING, False)


def _render_page(endpoint: str, values: dict) -> Response:
    # The page's view runs inside this POST request: its forms are bound to what was submitted (the input is kept),
    # but the page does not take the request for a submission of its own forms (posted() is false).
    setattr(g, _RENDERING, True)
    return current_app.make_response(current_app.view_functions[endpoint](**values))


def show_refusal(message: str, status: int, endpoint: str, *, where: str | None = None, **values) -> Response:
    """Answer a refused request with the named page and the reason on it (for refusals no view raised)."""
    db.session.rollback()
    _say(message, where)
    response = _render_page(endpoint, values)
    response.status_code = status
    return response


def _commit() -> None:
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        announced = g.pop(_PENDING, [])
        session["_flashes"] = [f for f in session.get("_flashes", []) if list(f) not in announced]
        raise ConcurrentEdit("数据刚被他人修改，您的操作未保存。请刷新页面查看最新内容后重试。") from None


def run_view(view: Callable[[], ResponseReturnValue]) -> Response:
    """Run one view: commit once at the end of a successful write, roll back anything refused or failed."""
    try:
        response = current_app.make_response(view())
    except DomainError as exc:
        db.session.rollback()
        page = getattr(g, _PAGE, None)
        if page is None or request.method in READ_ONLY_METHODS:
            raise
        endpoint, values, where = page
        _say(exc.message, where)
        response = _render_page(endpoint, values)
        response.status_code = exc.status_code
        db.session.rollback()
        return response
    except BaseException:
        db.session.rollback()
        raise
    if request.method in READ_ONLY_METHODS:
        return response
    if response.status_code < 400:
        _commit()
    else:
        db.session.rollback()
    return response
