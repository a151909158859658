"""Plain rows of a column select, for the reads that go over many rows (the morning scan)."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db


def plain_rows(stmt: sa.Select) -> list[sa.Row]:
    """The statement's rows, run on the session's connection: the same rows as the session's execute without the
    ORM's work per row. The session is flushed first, as its own execute would, so changes not yet written count."""
    db.session.flush()
    return db.session.connection().execute(stmt).all()
