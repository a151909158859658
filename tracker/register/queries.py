"""The register's reads: filters, sorting, pages and export rows, over what the user may see."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple
from urllib.parse import urlencode

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import aliased, selectinload

from tracker.alerts.models import Alert, AlertLevel
from tracker.auth.models import Unit
from tracker.common.stamp import remembered
from tracker.documents import search
from tracker.documents.models import DocKind, Document
from tracker.documents.queries import visibility_key, visible_filter
from tracker.documents.states import PUBLISHED_STATES, DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication
from tracker.publication.queries import in_force_filter


def recent_documents(user, *, limit: int) -> list[Document]:
    """The documents the user may see, the most recently changed first."""
    # A drafter sees "own unit OR published". Given the OR itself, SQLite reads both sets whole from their indexes and
    # sorts them (100 ms at 100,000 documents); asked whether the OR IS TRUE it walks the index of changes backwards
    # and stops at the first few (under 1 ms). The same rows either way, on PostgreSQL too.
    visible = visible_filter(user).is_(True)
    stmt = sa.select(Document).where(visible).order_by(Document.updated_at.desc(), Document.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


# --- the register: filters, sorting, pages -------------------------------------------------------------------


def _current_pub_on():
    return sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True))


# Sort key -> column label (the whitelist of the URL's sort=). Every order ends on Document.id, so pages never
# overlap or skip a row.
SORTS: dict[str, str] = {
    "updated": "更新时间",
    "title": "文件名称",
    "published": "发布日期",
    "number": "规范性文件编号",
}
# The first click on a column sorts the way a reader expects: newest first, titles A→Z.
DEFAULT_DESC = {"updated": True, "title": False, "published": True, "number": True}
MAX_EXPIRING_MONTHS = 120


def _sort_columns(key: str) -> list:
    return {
        "updated": [Document.updated_at],
        "title": [Document.title],
        "published": [Publication.published_on],
        # By series (沙府规字, 沙府办规字 …), then year and serial: the unique index gives the order.
        "number": [Publication.normative_scope, Publication.normative_year, Publication.normative_seq],
    }[key]


@dataclass(frozen=True)
class RegisterQuery:
    """What the register shows: parsed from the URL, whitelisted, turned back into a URL (links, saved filters)."""

    status: DocStatus | None = None
    issuer_id: int | None = None
    unit_id: int | None = None
    year: int | None = None
    kind: DocKind | None = None
    in_force: date | None = None
    expiring_months: int | None = None
    open_deadlines: bool = False
    q: str = ""
    sort: str = "updated"
    desc: bool = True
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RegisterQuery:
        errors: list[str] = []

        def get(name: str) -> str:
            return (args.get(name) or "").strip()

        def choice(name: str, enum_cls, label: str):
            value = get(name)
            if not value:
                return None
            try:
                return enum_cls(value)
            except ValueError:
                errors.append(f"“{label}”的取值无效，已忽略。")
                return None

        def number(name: str, label: str, low: int, high: int) -> int | None:
            value = get(name)
            if not value:
                return None
            if not (value.isascii() and value.isdigit() and len(value) <= 10) or not low <= int(value) <= high:
                errors.append(f"“{label}”应为 {low}–{high} 之间的整数，已忽略。")
                return None
            return int(value)

        in_force = None
        if get("in_force"):
            try:
                in_force = date.fromisoformat(get("in_force"))
            except ValueError:
                errors.append("“施行中日期”格式应为 年-月-日，已忽略。")
        sort = get("sort") if get("sort") in SORTS else "updated"
        direction = get("dir")
        return cls(
            status=choice("status", DocStatus, "状态"),
            issuer_id=number("issuer", "发文机关", 1, 2**31 - 1),
            unit_id=number("unit", "起草单位", 1, 2**31 - 1),
            year=number("year", "年度", 1949, 2200),
            kind=choice("kind", DocKind, "文件类别"),
            in_force=in_force,
            expiring_months=number("expiring", "有效期届满月数", 1, MAX_EXPIRING_MONTHS),
            open_deadlines=get("deadlines") == "1",
            q=" ".join(search.terms_of(get("q"))),
            sort=sort,
            desc=DEFAULT_DESC[sort] if direction not in ("asc", "desc") else direction == "desc",
            errors=tuple(errors),
        )

    def to_args(self, **changes) -> dict[str, str]:
        """The non-default parameters, as strings, in a fixed order (for url_for and saved filters)."""
        rq = replace(self, **changes) if changes else self
        args = {
            "status": rq.status.value if rq.status else "",
            "issuer": str(rq.issuer_id or ""),
            "unit": str(rq.unit_id or ""),
            "year": str(rq.year or ""),
            "kind": rq.kind.value if rq.kind else "",
            "in_force": rq.in_force.isoformat() if rq.in_force else "",
            "expiring": str(rq.expiring_months or ""),
            "deadlines": "1" if rq.open_deadlines else "",
            "q": rq.q,
            "sort": rq.sort if rq.sort != "updated" else "",
            "dir": ("desc" if rq.desc else "asc") if rq.desc != DEFAULT_DESC[rq.sort] else "",
        }
        return {k: v for k, v in args.items() if v}

    def query_string(self) -> str:
        return urlencode(self.to_args())

    def sort_args(self, key: str) -> dict[str, str]:
        """Link of a column header: that sort, and the other direction when it is already the sort."""
        desc = not self.desc if key == self.sort else DEFAULT_DESC[key]
        return self.to_args(sort=key, desc=desc)

    @property
    def terms(self) -> list[str]:
        return search.terms_of(self.q)

    @property
    def is_filtered(self) -> bool:
        return bool(set(self.to_args()) - {"sort", "dir"})


def _conditions(user, rq: RegisterQuery, *, today: date, dialect: str) -> list:
    """SQL conditions on Document alone: publications and alerts are read in uncorrelated subqueries, so the
    count needs no join and each subquery runs once (SQLite materialises it, PostgreSQL hashes it)."""

    current = sa.select(Publication.document_id).where(Publication.is_current.is_(True))
    conditions = [visible_filter(user)]
    if rq.status is not None:
        conditions.append(Document.status == rq.status)
    if rq.issuer_id is not None:
        conditions.append(Document.issuer_id == rq.issuer_id)
    if rq.unit_id is not None:
        conditions.append(Document.drafting_unit_id == rq.unit_id)
    if rq.kind is not None:
        conditions.append(Document.kind == rq.kind)
    if rq.year is not None:
        # The year it was published (current publication); one never published counts by its registration: kept on
        # the document with every write (Document.register_year), read through the town's (year, status) index.
        conditions.append(Document.register_year == rq.year)
    if rq.in_force is not None:
        conditions.append(in_force_filter(rq.in_force))
    if rq.expiring_months is not None:
        last = today + relativedelta(months=rq.expiring_months)
        conditions.append(Document.status.in_(PUBLISHED_STATES))
        conditions.append(Document.id.in_(current.where(Publication.validity_end_on.between(today, last))))
    if rq.open_deadlines:
        conditions.append(Document.id.in_(sa.select(Alert.document_id).where(Alert.level != AlertLevel.RESOLVED)))
    if rq.q:
        conditions.append(search.match_condition(rq.terms, dialect))
    return conditions


PUBLICATION_SORTS = frozenset({"published", "number"})


def _order_by(rq: RegisterQuery, *, nulls_last: bool = True) -> list:
    columns = _sort_columns(rq.sort) + [Document.id]
    if rq.sort in PUBLICATION_SORTS and nulls_last:
        # Documents without a publication come last either way.
        return [c.desc().nulls_last() if rq.desc else c.asc().nulls_last() for c in columns]
    return [c.desc() if rq.desc else c.asc() for c in columns]


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def page_ids(user, rq: RegisterQuery, *, today: date, offset: int, limit: int) -> list[int]:
    """The ids of one page of matching documents, in the register's order.

    Only ids are sorted and skipped (the default order walks the (updated_at, id) index alone); the page's full
    rows are loaded afterwards by id. Sorting by a publication's date or number reads the documents that have
    one through an inner join from publications, in the order of the key's index, then those without one by id:
    the order of a LEFT JOIN ... NULLS LAST, without sorting 100,000 joined rows for every page.
    """
    conditions = _conditions(user, rq, today=today, dialect=_dialect())
    if rq.sort not in PUBLICATION_SORTS:
        stmt = sa.select(Document.id).where(*conditions).order_by(*_order_by(rq))
        return list(db.session.scalars(stmt.limit(limit).offset(offset)))
    has_key = sa.and_(Publication.is_current.is_(True), _sort_columns(rq.sort)[0].is_not(None))
    with_key = (
        sa.select(Document.id)
        .select_from(Publication)
        .join(Document, Document.id == Publication.document_id)
        .where(has_key, *conditions)
    )
    ids = list(db.session.scalars(with_key.order_by(*_order_by(rq, nulls_last=False)).limit(limit).offset(offset)))
    if len(ids) == limit:
        return ids
    # The page reaches the documents without the key: how many came before them decides where they start.
    before = (
        offset + len(ids) if ids else db.session.scalar(sa.select(sa.func.count()).select_from(with_key.subquery()))
    )
    without = sa.select(Document.id).where(
        *conditions, Document.id.not_in(sa.select(Publication.document_id).where(has_key))
    )
    rest = without.order_by(Document.id.desc() if rq.desc else Document.id.asc())
    ids += db.session.scalars(rest.limit(limit - len(ids)).offset(max(0, offset - before)))
    return ids


def register_count(user, rq: RegisterQuery, *, today: date) -> int:
    """How many documents match: a count over documents alone, never over a join; remembered until the next write
    (a town's count walks its index entries: SQLite's count of a whole table was a shortcut a town does not get)."""
    conditions = _conditions(user, rq, today=today, dialect=_dialect())
    stmt = sa.select(sa.func.count()).select_from(Document).where(*conditions)
    # What the conditions depend on: the query, the day, and what visible_filter reads of the user.
    key = ("register_count", rq, today, visibility_key(user))
    return remembered(key, lambda: db.session.scalar(stmt) or 0)


@dataclass
class RegisterRow:
    document: Document
    publication: object | None  # the current Publication
    open_deadlines: int = 0
    overdue: bool = False
    hit: search.Hit | None = None


@dataclass
class RegisterPage:
    rows: list[RegisterRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def register_page(user, rq: RegisterQuery, *, page_arg: str | None, per_page: int, today: date) -> RegisterPage:
    """One page of the register: offset paging over indexed orders, a count without joins where possible, and
    per-row extras (open deadlines, search highlights) fetched for the page's rows only."""

    total = register_count(user, rq, today=today)
    pages = max(1, -(-total // per_page))
    page_arg = (page_arg or "").strip()
    page = int(page_arg) if page_arg.isascii() and page_arg.isdigit() and 0 < len(page_arg) <= 9 else 1
    page = max(page, 1)
    page = min(page, pages)
    ids = page_ids(user, rq, today=today, offset=(page - 1) * per_page, limit=per_page)
    loaded = {
        doc.id: (doc, pub)
        for doc, pub in db.session.execute(
            sa.select(Document, Publication)
            .outerjoin(Publication, _current_pub_on())
            .where(Document.id.in_(ids))
            .options(selectinload(Document.issuer), selectinload(Document.drafting_unit))
        )
    }
    pairs = [loaded[i] for i in ids]
    deadlines = {}
    if ids:
        deadlines = {
            doc_id: (n, overdue)
            for doc_id, n, overdue in db.session.execute(
                sa.select(
                    Alert.document_id,
                    sa.func.count(),
                    sa.func.max(sa.case((Alert.level == AlertLevel.OVERDUE, 1), else_=0)),
                )
                .where(Alert.document_id.in_(ids), Alert.level != AlertLevel.RESOLVED)
                .group_by(Alert.document_id)
            )
        }
    hits = search.hits_for(pairs, rq.terms)
    rows = [
        RegisterRow(
            document=doc,
            publication=pub,
            open_deadlines=deadlines.get(doc.id, (0, 0))[0],
            overdue=bool(deadlines.get(doc.id, (0, 0))[1]),
            hit=hits.get(doc.id),
        )
        for doc, pub in pairs
    ]
    return RegisterPage(rows=rows, page=page, per_page=per_page, total=total)


def register_export_rows(user, rq: RegisterQuery, *, today: date, batch: int = 2000) -> Iterator[tuple]:
    """Every matching document as a plain tuple, in the register's order, streamed from a server-side cursor
    (no ORM objects: 100,000 rows stay a few megabytes)."""
    issuer, drafter = aliased(Unit), aliased(Unit)
    conditions = _conditions(user, rq, today=today, dialect=_dialect())
    stmt = (
        sa.select(
            Document.id,
            Document.title,
            issuer.name,
            drafter.name,
            Document.kind,
            Document.status,
            Publication.issue_number,
            Publication.normative_number,
            Publication.signed_on,
            Publication.published_on,
            Publication.effective_on,
            Publication.validity_end_on,
            Document.ended_on,
            Document.filing_status,
            Document.created_at,
            Document.updated_at,
        )
        .join(issuer, issuer.id == Document.issuer_id)
        .join(drafter, drafter.id == Document.drafting_unit_id)
        .outerjoin(Publication, _current_pub_on())
        .where(*conditions)
        .order_by(*_order_by(rq))
        .execution_options(yield_per=batch)
    )
    result = db.session.execute(stmt)
    try:
        yield from result
    finally:
        result.close()


class UnitChoice(NamedTuple):
    id: int
    name: str


def units_for_filters() -> tuple[list[UnitChoice], list[UnitChoice]]:
    """(issuers, drafting units) for the register's filter menus, inactive ones included: old documents. Plain
    values, remembered until the next write (a unit added or renamed is one)."""

    def read() -> tuple[list[UnitChoice], list[UnitChoice]]:
        units = db.session.execute(sa.select(Unit.id, Unit.name, Unit.can_issue, Unit.can_draft).order_by(Unit.name))
        rows = units.all()
        return [UnitChoice(u.id, u.name) for u in rows if u.can_issue], [
            UnitChoice(u.id, u.name) for u in rows if u.can_draft
        ]

    return remembered(("units_for_filters",), read)
