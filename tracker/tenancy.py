"""Towns as tenants: what a town's request may read, enforced once for every ORM read (docs/architecture.md).

One install serves a city: the city itself and its towns and streets (table `towns`). A request made by a
signed-in person is scoped to that person's town (`enter()`, called by the user loaders). From then on:

- every ORM SELECT reads only the rows of `TownScoped` models (documents, drafts for comment, clean-up
  campaigns, alerts, audit events) whose `town_id` is the person's town;
- rows of `TownShared` models (units, users) are read when they belong to the town or to an organisation above
  it: a town's records name the city justice bureau and its people, never another town's;
- rows of `DocumentPart` models (publications, filings, review rounds, opinions, versions …: they carry no town of
  their own) are read when their document is the town's;
- `Session.get()` answers None for a row outside the scope, also when the row is already in the session.

The city justice bureau's desk reads the filings of every town of the city: its requests are scoped to the city and
its towns (`enter(..., reads=…)`), and only the bureau's own pages enter that scope (auth/towns.enter_city).

Nothing else in the product filters by town for safety's sake; `may()` repeats the rule for an object in hand.
Jobs, commands and the public library run unscoped: they work across towns on purpose and write each record
with its own town. A statement may opt out explicitly with `.execution_options(all_towns=True)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from flask import has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.orm.util import LoaderCriteriaOption

_ENVIRON_KEY = "tracker.town_scope"


@dataclass(frozen=True)
class Scope:
    town_id: int
    shared: tuple[int, ...]  # the town and the organisations above it
    reads: tuple[int, ...] = ()  # the towns whose own records are read: the town (the bureau's desk: the city's)

    @property
    def towns(self) -> tuple[int, ...]:
        return self.reads or (self.town_id,)


class TownScoped:
    """Marker of a model with a `town_id` column whose rows only their own town reads."""


class TownShared:
    """Marker of a model with a `town_id` column whose rows the towns below its organisation read too."""


class DocumentPart:
    """Marker of a model whose rows belong to a document (`document_id`): read where the document's town is read.
    A row with no document (`document_id` NULL: a clean-up's catalogue) is judged by the record it belongs to."""


# The documents table as the scope (and the records' stamp) sees it: this module sits below the document model.
DOCUMENTS = sa.table("documents", sa.column("id"), sa.column("town_id"))


def enter(town_id: int, shared: tuple[int, ...], reads: tuple[int, ...] = ()) -> None:
    """Scope the rest of this request to `town_id` (the request's environ: it ends with the request); `reads`
    widens the records read to several towns (the city's bureau at its desk)."""
    if has_request_context():
        towns = tuple(reads) if tuple(reads) not in ((), (town_id,)) else ()
        request.environ[_ENVIRON_KEY] = Scope(town_id, tuple(shared) or (town_id,), towns)


@contextmanager
def within(town_id: int, shared: tuple[int, ...]) -> Iterator[None]:
    """Read as the town `town_id` reads for the block, then as before (the city's view counts each town's figures
    with the very queries the town's own report uses). Outside a request nothing is scoped: the block reads as
    before (a command or job names its town in its queries)."""
    if not has_request_context():
        yield
        return
    before = request.environ.get(_ENVIRON_KEY)
    enter(town_id, shared)
    try:
        yield
    finally:
        if before is None:
            request.environ.pop(_ENVIRON_KEY, None)
        else:
            request.environ[_ENVIRON_KEY] = before


def current() -> Scope | None:
    """The scope of this request, None outside a scoped request (jobs, commands, the login page)."""
    if not has_request_context():
        return None
    return request.environ.get(_ENVIRON_KEY)


def readable(obj: object) -> bool:
    """Whether the current scope may read `obj` (always, outside a scoped request)."""
    scope = current()
    town_id = getattr(obj, "town_id", None)
    if scope is None or town_id is None:
        return True
    if isinstance(obj, TownScoped):
        return town_id in scope.towns
    if isinstance(obj, TownShared):
        return town_id in scope.shared
    return True


class TownReads:
    """`get()` never hands a request a row of another town: mixed into every session the application reads with."""

    def get(self, entity, ident, **kwargs):
        obj = super().get(entity, ident, **kwargs)
        return obj if obj is None or readable(obj) else None


class TownSession(TownReads, FlaskSession):
    """The application's session (extensions.py)."""


# Every ORM session: the application's, and any other a request opens (tests open their own around a request).
@event.listens_for(Session, "do_orm_execute")
def _scope_reads(state: ORMExecuteState) -> None:
    scope = current()
    if scope is None or not state.is_select or state.is_relationship_load or state.execution_options.get("all_towns"):
        return  # a relationship followed from a record in scope: may() judges what it reaches
    # A statement that reads documents limits them to the town; the parts it reads with them are their parts (the
    # register's numbers, a page's publication): checking each part's document again would only cost time. A
    # statement that reads parts beside documents, not joined to them, says so (common/together.py).
    with_documents = any(m.persist_selectable.name == "documents" for m in state.all_mappers)
    parts = not with_documents or state.execution_options.get("parts_apart", False)
    state.statement = state.statement.options(*_criteria(scope, parts=parts))


class _TownCriteria(LoaderCriteriaOption):
    """`with_loader_criteria` for one model and one scope, with a cache key said in a few words.

    SQLAlchemy keys its cache of compiled statements by walking every part of a statement, its options included:
    walking the forty-odd criteria of a town's request cost about 0.5 ms per statement, a third of the document
    page. The criteria of a (model, scope) pair never change (they are built once, `_criteria`), so the model and
    the scope's towns are a complete key. The town ids inside the criteria are bound parameters that are left out of
    the key on purpose: a compiled statement is reused only under the same key, i.e. for the same towns, so the
    values it was compiled with are the right ones (tests/auth/test_tenancy_cache_key.py checks two towns through
    one cached statement)."""

    def __init__(self, model: type, criteria, scope: Scope) -> None:
        super().__init__(model, criteria, include_aliases=True, propagate_to_loaders=False)
        self._town_key = (__name__, model, scope.towns, scope.shared)

    def _gen_cache_key(self, anon_map, bindparams):  # SQLAlchemy's HasCacheKey hook (see the class's note)
        return self._town_key


@lru_cache(maxsize=512)
def _criteria(scope: Scope, *, parts: bool) -> tuple:
    """The options that limit a statement to `scope`, built once per town and worker (they hold no state of their
    own: the same options serve every statement of that town)."""
    shared = scope.shared
    towns = scope.towns
    town_id = towns[0] if len(towns) == 1 else None
    # Only the statement itself (propagate_to_loaders=False): a record in scope may name one above it (a town's
    # filing names the bureau), and what it names was reached through a record the town may read.
    return tuple(
        [
            _TownCriteria(
                model,
                (lambda cls: cls.town_id == town_id) if town_id is not None else (lambda cls: cls.town_id.in_(towns)),
                scope,
            )
            for model in _models(TownScoped)
        ]
        + [_TownCriteria(model, lambda cls: cls.town_id.in_(shared), scope) for model in _models(TownShared)]
        + [
            _TownCriteria(model, _of_town_document(model, towns), scope)
            for model in (_models(DocumentPart) if parts else [])
        ]
    )


def _of_town_document(model: type, towns: tuple[int, ...]):
    """The row's document is the town's: a lookup by the document's key for each row (an index seek), never a
    list of the town's documents built for every statement."""
    town = DOCUMENTS.c.town_id == towns[0] if len(towns) == 1 else DOCUMENTS.c.town_id.in_(towns)
    mine = sa.exists().where(DOCUMENTS.c.id == model.document_id, town)
    return sa.or_(model.document_id.is_(None), mine) if model.__table__.c.document_id.nullable else mine


def _models(marker: type) -> list[type]:
    """The mapped classes that carry the marker (every model is imported before the first request)."""
    return [cls for cls in marker.__subclasses__() if hasattr(cls, "__table__")]
