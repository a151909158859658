"""Serial numbers per scope and year: consecutive, never duplicated or skipped, also under concurrency."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class NumberCounter(db.Model):
    """The last serial used per scope (e.g. 'opinion:1' for a town's 司法所, 'issue:沙府') and year.

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


# --- series: what a number says about itself -------------------------------------------------------------------

# A year in square, round or lenticular brackets is written 〔〕 in an official number (GB/T 9704 §7.2.4).
_YEAR_BRACKETS = re.compile(r"[\[［(（【〔](\d{4})[\]］)）】〕]")
# 沙府规字〔2024〕4号, 沙府〔2019〕12号, and forms like HFGS-2017-9: a head, the year, then the serial.
_SERIES = re.compile(
    r"^(?P<head>\S*?)(?P<open>〔|-)(?P<year>(?:19|20)\d{2})(?P<close>〕|-)(?P<mid>\D*?)(?P<seq>\d{1,6})(?P<tail>\D{0,4})$"
)
SCOPE_LENGTH = 40


@dataclass(frozen=True)
class SeriesNumber:
    """A number read as (series, year, serial); `key` is the series written as a pattern: 沙府规字〔{year}〕{seq}号."""

    key: str
    head: str
    year: int
    seq: int

    @property
    def number(self) -> str:
        return self.key.format(year=self.year, seq=self.seq)

    def scope(self, kind: str) -> str:
        """The counter scope: kind:head for the usual X〔year〕N号 form (issue:沙府), kind:key for any other form."""
        return f"{kind}:{self.head}" if self.key == f"{self.head}〔{{year}}〕{{seq}}号" else f"{kind}:{self.key}"


def normalize_number(text: str | None) -> str:
    """Trim, drop inner spaces and write the year in 〔〕: 沙府规字[2024] 4号 → 沙府规字〔2024〕4号."""
    text = re.sub(r"\s+", "", text or "")
    return _YEAR_BRACKETS.sub(r"〔\1〕", text)


def parse_series(text: str | None) -> SeriesNumber | None:
    """The series, year and serial of a number in any series, or None when it names no year and serial."""
    match = _SERIES.match(normalize_number(text))
    if match is None or int(match["seq"]) == 0:
        return None
    head = match["head"]
    if "{" in head or "}" in head or "{" in match["mid"] + match["tail"] or "}" in match["mid"] + match["tail"]:
        return None
    key = f"{head}{match['open']}{{year}}{match['close']}{match['mid']}{{seq}}{match['tail']}"
    return SeriesNumber(key, head, int(match["year"]), int(match["seq"]))


def series_of_pattern(pattern: str, prefix: str = "") -> str | None:
    """The series key of a pattern for an issuer's prefix (沙府规字〔{year}〕{seq}号), or None when it is not one.

    A pattern is a series when a number it formats reads back as the same series: then a number typed in that
    series lands in the same counter as the numbers the pattern allocates.
    """
    if pattern.count("{year}") != 1 or pattern.count("{seq}") != 1:
        return None
    stripped = pattern.replace("{prefix}", "").replace("{year}", "").replace("{seq}", "")
    if "{" in stripped or "}" in stripped:
        return None
    key = pattern.replace("{prefix}", prefix)
    sample = parse_series(key.format(year=2024, seq=7))
    return key if sample is not None and sample.key == key else None
