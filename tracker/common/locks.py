"""A lock held until the transaction ends, so that two runs of the same work happen one after the other."""

from __future__ import annotations

import zlib

import sqlalchemy as sa

from tracker.extensions import db


def serialize(table: sa.Table) -> None:
    """Wait for any other transaction that took this lock, then hold it until this transaction ends.

    PostgreSQL: an advisory transaction lock named after the table; other writers of the table are not held up.
    SQLite: a write that changes nothing takes the database's single write lock; as the transaction's first write it
    waits (busy_timeout) for the other writer to commit and then reads what that one wrote.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(table.name.encode())})
    else:
        key = next(iter(table.primary_key.columns))
        db.session.execute(table.update().where(sa.false()).values({key: key}))
