"""Offset pagination over a select, with a count query that skips the ORDER BY."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.extensions import db


@dataclass
class Page:
    items: list
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


def paginate(stmt: sa.Select, page_arg: str | None, per_page: int) -> Page:
    page = int(page_arg) if (page_arg or "").isdigit() and int(page_arg) > 0 else 1
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
