"""Serial numbers per scope and year: consecutive, never duplicated or skipped, also under concurrency."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class NumberCounter(db.Model):
    """The last serial used per scope (e.g. 'opinion', 'issue:沙府', 'normative') and year.

    Allocation locks this row, so two clerks numbering at the same moment get consecutive serials.
    """

    __tablename__ = "number_counters"

    scope: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.CheckConstraint("last_value >= 0", name="last_value_not_negative"),)


def next_serial(scope: str, year: int) -> int:
    """Take the next serial in the caller's transaction.

    The increment is one UPDATE … RETURNING: PostgreSQL locks the counter row and SQLite the database
    until commit, so a concurrent allocator waits and then sees the new value. A rolled-back
    transaction rolls its increment back too, so no number is skipped.
    """
    for _ in range(3):
        stmt = (
            sa.update(NumberCounter)
            .where(NumberCounter.scope == scope, NumberCounter.year == year)
            .values(last_value=NumberCounter.last_value + 1)
            .returning(NumberCounter.last_value)
        )
        value = db.session.execute(stmt).scalar()
        if value is not None:
            return value
        try:
            with db.session.begin_nested():
                db.session.add(NumberCounter(scope=scope, year=year, last_value=1))
            return 1
        except IntegrityError:
            continue  # another transaction created the row first: increment it instead
    raise RuntimeError(f"could not allocate a serial for {scope}/{year}")


def format_number(pattern: str, *, year: int, seq: int, prefix: str = "") -> str:
    return pattern.format(year=year, seq=seq, prefix=prefix)
