"""Several short lists of one record's parts read in one statement: the panels of the document page.

A page that shows a dozen kinds of record (a document's review rounds, deliberations, publications, history …)
would read each kind in a statement of its own. Each such list is declared once as a `Part`: its model, the
condition that picks its rows, their order, and the loader options its readers need. `rows_of(part)` is how a
reader gets the list; `read_together(parts)` lets a page read all of them first, in one statement:

    SELECT <every part's columns>
    FROM (SELECT 0 AS part, review_rounds.id, row_number() OVER (ORDER BY round_no) AS pos FROM review_rounds
          WHERE document_id = :doc
          UNION ALL SELECT 1, deliberations.id, row_number() OVER (ORDER BY held_on) FROM deliberations WHERE …) keys
    LEFT OUTER JOIN review_rounds ON keys.part = 0 AND review_rounds.id = keys.id
    LEFT OUTER JOIN deliberations ON keys.part = 1 AND deliberations.id = keys.id …
    ORDER BY keys.part, keys.pos

Every row carries one record (the other parts' columns are NULL, which the ORM reads as "no entity"), so nothing is
multiplied, and the ORM builds each record as its own query would, with the part's options. A part's `children`
(a round's points, a filing's attempts) are further branches of the same union, and fill the collections of the
part's records in the collection's own order. What the page read together is kept for the rest of the read-only
request (common/readcache.py), where `rows_of` finds it; a part not read together, or asked outside a read-only
request (a POST, a job), is read on its own with the same condition and order (its children by selectinload).
Reading together is thus only ever an optimisation: the lists are the same either way (tests/common/test_together.py
checks it for every demo document).

Towns: the statement is limited to the request's towns like any other (tenancy.py), every part by itself: a part
of a document is not joined to it here, so its document's town is checked for each of its records, as when it is
read alone.

Cost: SQLite runs it like the separate statements. PostgreSQL plans the joins afresh for the first executions on a
connection (some 15 ms for the document page's eighteen branches); psycopg prepares a statement run five times,
and the server then keeps one plan for it, so a worker pays that only at its start (docs/architecture.md, 速度).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.common.readcache import keep, keeps, kept, once_per_read
from tracker.extensions import db


@dataclass(frozen=True)
class Child:
    """A collection of each record of a part (`ReviewRound.points`), filled in the same statement and in the
    collection's own order; `options` load what its records name."""

    collection: Any
    options: tuple = ()


@dataclass(frozen=True)
class Part:
    """One list of records: `model`'s rows where `where` holds, ordered by `order_by` (then by id), each built with
    `options` and with its `children` collections filled; `joins` are tables the condition or the order name, each
    joined at most once per row."""

    key: Hashable  # the same list, the same key (kept under it for the request)
    model: Any
    where: Any
    order_by: tuple = ()
    options: tuple = ()
    joins: tuple = ()  # (target, onclause) pairs
    children: tuple[Child, ...] = ()

    def _cache_key(self) -> tuple:
        return ("part", self.key)

    def _select(self, *columns) -> sa.Select:
        stmt = sa.select(*columns)
        for target, onclause in self.joins:
            stmt = stmt.join(target, onclause)
        return stmt.where(self.where)

    def alone(self) -> sa.Select:
        """The part as a statement of its own, its children read with it (one statement per collection)."""
        children = [selectinload(c.collection).options(*c.options) for c in self.children]
        return self._select(self.model).order_by(*self.order_by, self.model.id).options(*self.options, *children)


@dataclass(frozen=True)
class _Branch:
    """One SELECT of the union: a part's records, or the records of one child collection of a part's."""

    model: Any
    where: Any
    order_by: tuple
    joins: tuple
    options: tuple
    parent: int | None = None  # the branch whose records hold the collection
    collection: str = ""
    parent_key: str = ""  # the parent's attribute and the child's that the collection joins on
    child_key: str = ""


def _branches(parts: Sequence[Part]) -> list[_Branch]:
    out: list[_Branch] = []
    for part in parts:
        index = len(out)
        out.append(_Branch(part.model, part.where, part.order_by, part.joins, part.options))
        for child in part.children:
            prop = child.collection.property
            ((parent_column, child_column),) = prop.local_remote_pairs
            model = prop.mapper.class_
            parents = part._select(parent_column).scalar_subquery()
            out.append(
                _Branch(
                    model,
                    child_column.in_(parents),
                    tuple(prop.order_by or ()),
                    (),
                    child.options,
                    parent=index,
                    collection=prop.key,
                    parent_key=sa.inspect(part.model).get_property_by_column(parent_column).key,
                    child_key=sa.inspect(model).get_property_by_column(child_column).key,
                )
            )
    return out


def rows_of(part: Part) -> list:
    """The part's records: those read together earlier in this read-only request, else read now."""
    return once_per_read(part._cache_key(), lambda: list(db.session.scalars(part.alone()).unique()))


def read_together(parts: Sequence[Part]) -> None:
    """Read every part not yet read in this read-only request, with its children, in one statement, and keep each
    list for `rows_of`. Outside a read-only request nothing would be kept: it reads nothing."""
    wanted = [p for p in parts if not kept(p._cache_key())]
    if not wanted or not keeps():
        return
    branches = _branches(wanted)
    if len({b.model for b in branches}) < len(branches):  # each model's table is joined once
        raise ValueError("read_together: one part (or child collection) per model; join two lists' conditions")
    found = _read(branches)
    for branch, records in zip(branches, found, strict=True):
        if branch.parent is None:
            continue
        by_parent: dict[Any, list] = {}
        for record in records:
            by_parent.setdefault(getattr(record, branch.child_key), []).append(record)
        for parent in found[branch.parent]:
            set_committed_value(parent, branch.collection, by_parent.get(getattr(parent, branch.parent_key), []))
    for part, records in zip(wanted, (found[i] for i, b in enumerate(branches) if b.parent is None), strict=True):
        keep(part._cache_key(), records)


def _read(branches: list[_Branch]) -> list[list]:
    """Each branch's records, in one statement."""
    selects = []
    for i, branch in enumerate(branches):
        select = sa.select(
            sa.literal_column(str(i), sa.Integer).label("part"),
            branch.model.id.label("id"),
            sa.func.row_number().over(order_by=[*branch.order_by, branch.model.id]).label("pos"),
        )
        for target, onclause in branch.joins:
            select = select.join(target, onclause)
        selects.append(select.where(branch.where))
    keys = sa.union_all(*selects).subquery("part_keys")
    stmt = sa.select(*(b.model for b in branches)).select_from(keys)
    for i, branch in enumerate(branches):
        stmt = stmt.outerjoin(branch.model, sa.and_(keys.c.part == i, branch.model.id == keys.c.id))
    stmt = stmt.order_by(keys.c.part, keys.c.pos).options(*(o for b in branches for o in b.options))
    found: list[list] = [[] for _ in branches]
    # The parts are not joined to the document they are parts of: each is limited to the towns itself (tenancy.py).
    for row in db.session.execute(stmt, execution_options={"parts_apart": True}).unique():
        for i, record in enumerate(row):
            if record is not None:
                found[i].append(record)
    return found
