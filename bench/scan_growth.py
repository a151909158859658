"""The daily deadline scan grows with what is due, not with every document (issue #17): the same due set at
20,000 and at 100,000 documents, timed.

How to run (from the project root; minutes, never part of `make test`):

    .venv/bin/python bench/scan_growth.py                       # SQLite, databases kept in bench-work/
    scripts/with-postgres.sh .venv/bin/python bench/scan_growth.py --postgres

The two databases come from bench/register.py's generator, which is seeded: 20,000 documents, and 100,000 of which
the first 20,000 are the same documents. In the larger one the 80,000 later documents are then settled: those
published stay in force, their validity ending far beyond any evaluation window, and the others are repealed, so
nothing of theirs is due. The script checks that both databases have the same due items, then times the scan on
each (its first run, and again with nothing changed) and prints the ratio (target ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import http_pages  # noqa: E402
from bench.register import NOW  # noqa: E402

SMALL, LARGE = 20000, 100000
FAR = "2045-12-31"  # a validity end no evaluation window reaches from NOW


def settle(url: str, first: int) -> None:
    """Nothing due for the documents after the first `first`: in force with a far validity end, or repealed."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE publications SET validity_end_on = :far, effective_on = COALESCE(effective_on, published_on)"
                " WHERE document_id > :first AND published_on IS NOT NULL"
            ),
            {"far": FAR, "first": first},
        )
        conn.execute(
            sa.text(
                "UPDATE documents SET status = CASE WHEN EXISTS (SELECT 1 FROM publications p WHERE"
                " p.document_id = documents.id AND p.published_on IS NOT NULL) THEN 'in_force' ELSE 'repealed' END"
                " WHERE id > :first"
            ),
            {"first": first},
        )
        conn.execute(sa.text("DELETE FROM alerts WHERE document_id > :first"), {"first": first})
    engine.dispose()


def times(url: str, repeat: int) -> tuple[set, dict[str, float]]:
    """The due items' keys, and the scan's first run and median of `repeat` runs with nothing changed."""
    from config import TestConfig
    from tracker import create_app
    from tracker.alerts.scan import due_items, scan
    from tracker.common.timeutil import office_today
    from tracker.extensions import db

    today = office_today(NOW)
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        due = {(i.kind, i.key) for i in due_items(today)}
        t0 = time.perf_counter()
        scan(today=today, now=NOW)
        db.session.commit()
        first = time.perf_counter() - t0
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            scan(today=today, now=NOW)
            db.session.commit()
            runs.append(time.perf_counter() - t0)
        db.session.remove()
        db.engine.dispose()
    return due, {"first": first, "unchanged": statistics.median(runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="use TEST_DATABASE_URL's server")
    parser.add_argument("--work", type=Path, default=http_pages.WORK, help="where the SQLite databases are kept")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    urls = {}
    for docs in (SMALL, LARGE):
        if args.postgres:
            url, fresh = http_pages.postgres_database(f"tracker_scan_{docs}", rebuild=True)
        else:
            args.work.mkdir(exist_ok=True)
            path = args.work / f"scan-{docs}.sqlite3"
            for old in args.work.glob(f"scan-{docs}.sqlite3*"):
                old.unlink()
            url, fresh = f"sqlite:///{path}", True
        print(f"building {docs} documents …", flush=True)
        http_pages.build(url, docs, fresh=fresh)
        urls[docs] = url
    settle(urls[LARGE], SMALL)
    print(f"load average at start: {http_pages.load_average()}")
    due_small, small = times(urls[SMALL], args.repeat)
    due_large, large = times(urls[LARGE], args.repeat)
    same = due_small == due_large
    print(
        f"due items: {len(due_small)} at {SMALL}, {len(due_large)} at {LARGE} ({'the same' if same else 'DIFFERENT'})"
    )
    for label in ("first", "unchanged"):
        ratio = large[label] / small[label]
        print(
            f"scan, {label:<9}: {small[label]:6.2f} s at {SMALL}, {large[label]:6.2f} s at {LARGE}: {ratio:.2f}×"
            f"{' met' if ratio <= 1.5 else ' NOT MET'} (≤ 1.5×)"
        )
    print(f"load average at end: {http_pages.load_average()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
