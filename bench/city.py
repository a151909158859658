"""A city at a million documents (issue #16, scale): 25 towns in one database, the bureau's desk, the city's view,
one town's register and the public library, in-process and over HTTP, as ratios to a bare Flask route in one run.

How to run (from the project root; never part of `make test`, which runs its smoke version in tests/bench/):

    scripts/with-postgres.sh .venv/bin/python bench/city.py                          # 1,000,000 documents
    scripts/with-postgres.sh .venv/bin/python bench/city.py --docs 100000 --towns 5  # quicker
    .venv/bin/python bench/city.py --sqlite --docs 6000 --towns 3 --seconds 1 --rounds 1   # a quick look

The database is built with the real migrations, then each town is filled by bench/register.py's generator (its
own units, people bench_clerk / bench_clerk_2 …, number series and documents; 沙溪镇 is the first town), and
the city's justice bureau gets its reviewer (bench_bureau) and the filings of the last 120 days, made in the product
to it: open, accepted, returned for correction or registered, as the towns' documents' filing states say. On
PostgreSQL a database tracker_city_<docs> on TEST_DATABASE_URL's server is kept and reused (--rebuild to start
again); on SQLite the file is kept under bench-work/.

Measured, for every page below: SQL statements per request and the in-process median (Flask test client), then
over HTTP through gunicorn (one sync worker) with wrk (one connection), alternating the bare app and the page for
--rounds rounds: req/s, p50, p95 and R = page req/s ÷ bare req/s (median, with min–max). The city's view is also
timed cold: the first request after a write in one town (that town's figures are counted again), and after a write
that belongs to no one town (a rule, the calendar: every town's are).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import http_pages  # noqa: E402
from bench.register import NOW, PASSWORD, _median_ms, baseline_client, generate  # noqa: E402

# The towns and streets of the city (name, the one character that leads its number prefixes); 沙溪镇 first.
TOWNS = (
    ("沙溪镇", "沙"),
    ("石岐街道", "岐"),
    ("东区街道", "东"),
    ("西区街道", "西"),
    ("南区街道", "南"),
    ("五桂山街道", "桂"),
    ("中山港街道", "港"),
    ("民众街道", "众"),
    ("南朗街道", "朗"),
    ("小榄镇", "榄"),
    ("古镇镇", "古"),
    ("横栏镇", "横"),
    ("港口镇", "口"),
    ("大涌镇", "涌"),
    ("黄圃镇", "圃"),
    ("南头镇", "头"),
    ("东凤镇", "凤"),
    ("阜沙镇", "阜"),
    ("三角镇", "角"),
    ("东升镇", "升"),
    ("坦洲镇", "坦"),
    ("三乡镇", "乡"),
    ("板芙镇", "芙"),
    ("神湾镇", "神"),
    ("翠亨新区", "翠"),
)
# The city's view, first request after a write in one town (that town is counted again), and after a write that
# belongs to no one town (a rule, the calendar: every town is).
COLD_ONE = "city view after a town's write"
COLD_ALL = "city view after an install write"
# Filings made in the product to the bureau: those of documents published in the last FILED_DAYS days.
FILED_DAYS = 120

# (name, user, path): {town} is 沙溪镇's id, {doc} a published document of it, {attempt} a submission on the desk.
PAGES = (
    ("floor: 上级征求意见", "bench_clerk", "/solicitations/"),
    ("bureau desk", "bench_bureau", "/bureau/"),
    ("bureau desk, one town", "bench_bureau", "/bureau/?town={town}"),
    ("bureau: one submission", "bench_bureau", "/bureau/filings/{attempt}"),
    ("city view", "bench_bureau", "/city/?year=2025"),
    ("town register", "bench_clerk", "/documents/"),
    ("town register filtered", "bench_clerk", "/documents/?status=in_force&unit={unit}&year=2022"),
    ("town search 宅基地", "bench_clerk", "/documents/?q=%E5%AE%85%E5%9F%BA%E5%9C%B0"),
    ("town clerk home", "bench_clerk", "/"),
    ("public library", "anonymous", "/public/"),
    ("public library, one town", "anonymous", "/public/?town={town}"),
    ("public search 宅基地", "anonymous", "/public/?q=%E5%AE%85%E5%9F%BA%E5%9C%B0"),
    ("public document", "anonymous", "/public/documents/{doc}"),
)


# --- the city ------------------------------------------------------------------------------------------------


def _bureau() -> None:
    """The city's justice bureau's reviewer, in its unit (made by the generator)."""
    from tracker.auth.models import Role, Unit, User
    from tracker.auth.permissions import SYSTEM
    from tracker.auth.services import create_user
    from tracker.extensions import db

    if db.session.scalar(sa.select(User.id).where(User.username == "bench_bureau")) is None:
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == "中山市司法局"))
        create_user(
            actor=SYSTEM,
            now=NOW,
            username="bench_bureau",
            display_name="备案审查员",
            role=Role.BUREAU,
            unit_id=unit.id,
            password=PASSWORD,
        )
        db.session.commit()


def _filings(seed: int = 16) -> int:
    """Filings made here in the last FILED_DAYS days: each where its document's filing state says it stands."""
    from tracker.auth.models import Unit
    from tracker.common.timeutil import now_utc, office_today
    from tracker.documents.models import Document
    from tracker.extensions import db
    from tracker.filing.models import Filing, FilingAttempt
    from tracker.publication.models import Publication
    from tracker.rules.services import get_rule

    rng = random.Random(seed)
    # The pages are served at today's date (the server's clock), so the submissions are dated in the last
    # FILED_DAYS days before today: those of the documents published last in the generated data, moved forward.
    today = office_today(now_utc())
    deadline, review, correction = (
        get_rule(c).value for c in ("filing_deadline", "filing_review", "correction_period")
    )
    authority = db.session.scalar(sa.select(Unit.id).where(Unit.name == "中山市司法局"))
    last = db.session.scalar(sa.select(sa.func.max(Publication.published_on)))
    shift = today - last
    rows = db.session.execute(
        sa.select(Document.id, Document.filing_status, Publication.id, Publication.published_on)
        .join(Publication, Publication.document_id == Document.id)
        .where(
            Publication.is_current.is_(True),
            Publication.published_on > last - timedelta(days=FILED_DAYS),
            Document.filing_status.in_(("submitted", "registered", "correction")),
        )
        .order_by(Document.id)
    ).all()
    filings, attempts, opinions = [], [], 0
    first = (db.session.scalar(sa.select(sa.func.max(Filing.id))) or 0) + 1
    for n, (doc_id, status, pub_id, published_on) in enumerate(rows, start=first):
        submitted = min(today, published_on + shift + timedelta(days=rng.randrange(1, 15)))
        filings.append(
            {
                "id": n,
                "document_id": doc_id,
                "publication_id": pub_id,
                "authority_id": authority,
                "due_on": published_on + timedelta(days=deadline),
                "due_rule_code": "filing_deadline",
                "due_rule_days": deadline,
                "due_provisional": False,
                "first_submitted_on": submitted,
                "created_at": NOW,
            }
        )
        decided = submitted + timedelta(days=rng.randrange(3, review))
        attempt = {
            "filing_id": n,
            "attempt_no": 1,
            "submitted_on": submitted,
            "method": "本系统在线报送",
            "result": None,
            "result_on": None,
            "result_note": "",
            "correction_due_on": None,
            "review_due_on": submitted + timedelta(days=review),
            "review_due_days": review,
            "review_due_provisional": False,
            "in_product": True,
            "accepted_on": None,
            "opinion_number": None,
        }
        if status == "submitted" or decided > today:
            if rng.random() < 0.6 and submitted < today:
                attempt["accepted_on"] = submitted + timedelta(days=1)
        else:
            opinions += 1
            attempt |= {
                "accepted_on": submitted + timedelta(days=1) if decided > submitted else submitted,
                "result": status,
                "result_on": decided,
                "result_note": "" if status == "registered" else "请补充合法性审查意见书。",
                "correction_due_on": decided + timedelta(days=correction) if status == "correction" else None,
                "opinion_number": f"中司备审〔{decided.year}〕{opinions}号",
            }
        attempts.append(attempt)
    conn = db.session.connection()
    for start in range(0, len(filings), 5000):
        conn.execute(sa.insert(Filing.__table__), filings[start : start + 5000])
        conn.execute(sa.insert(FilingAttempt.__table__), attempts[start : start + 5000])
    # A document whose filing is still under review reads 已报送 (as the services leave it).
    undecided = [f["document_id"] for f, a in zip(filings, attempts, strict=True) if a["result"] is None]
    for start in range(0, len(undecided), 5000):
        conn.execute(
            sa.update(Document.__table__)
            .where(Document.__table__.c.id.in_(undecided[start : start + 5000]))
            .values(filing_status="submitted")
        )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('filings', 'id'), (SELECT COALESCE(MAX(id), 1) FROM filings))"
        )
    db.session.commit()
    return len(filings)


def build(url: str, docs: int, towns: int, *, fresh: bool, log=print) -> dict:
    """Migrate and fill the city (or reuse it); returns the ids the pages need."""
    import flask_migrate

    from config import TestConfig
    from tracker import create_app
    from tracker.auth.models import Town
    from tracker.common.planner import refresh_statistics
    from tracker.documents.models import Document
    from tracker.documents.states import DocStatus
    from tracker.extensions import db
    from tracker.filing.models import FilingAttempt

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=tempfile.mkdtemp(prefix="bench-up-"))
    with app.app_context():
        flask_migrate.upgrade()
        if fresh:
            started = time.perf_counter()
            for i, (name, short) in enumerate(TOWNS[:towns]):
                generate(
                    docs // towns,
                    town_name=name,
                    short=short,
                    user_suffix="" if i == 0 else f"_{i + 1}",
                    seed=8 + i,
                    analyse=False,
                    log=lambda *a: None,
                )
                log(f"  {name}: {(i + 1) * (docs // towns):>9,} documents ({time.perf_counter() - started:.0f} s)")
            _bureau()
            log(f"  {_filings():,} filings made here in the last {FILED_DAYS} days")
            refresh_statistics()
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            log(f"  built in {time.perf_counter() - started:.0f} s")
        town = db.session.scalar(sa.select(Town.id).where(Town.name == TOWNS[0][0]))
        doc = db.session.scalar(
            sa.select(Document.id)
            .where(Document.town_id == town, Document.status == DocStatus.IN_FORCE)
            .order_by(Document.id.desc())
            .limit(1)
        )
        unit = db.session.scalar(sa.select(Document.drafting_unit_id).where(Document.id == doc))
        attempt = db.session.scalar(
            sa.select(FilingAttempt.id)
            .where(FilingAttempt.in_product.is_(True), FilingAttempt.result.is_(None))
            .limit(1)
        )
        counts = {
            "documents": db.session.scalar(sa.select(sa.func.count()).select_from(Document)),
            "towns": db.session.scalar(sa.select(sa.func.count()).select_from(Town).where(Town.parent_id.is_not(None))),
        }
        db.session.remove()
        db.engine.dispose()
    return {"town": town, "doc": doc, "unit": unit, "attempt": attempt, "token": "", **counts}


# --- in-process ----------------------------------------------------------------------------------------------


def in_process(url: str, ids: dict, *, repeat: int) -> dict[str, float]:
    """Median ms per page through the Flask test client, plus the city's view after writes (COLD_ONE, COLD_ALL)."""
    from config import TestConfig
    from tracker import create_app
    from tracker.common import stamp
    from tracker.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    clients: dict[str, object] = {}
    out: dict[str, float] = {}
    bare = baseline_client()
    out["bare Flask route"] = _median_ms(lambda: bare.get("/"), repeat * 5)
    for name, user, path in PAGES:
        client = clients.get(user)
        if client is None:
            client = clients[user] = app.test_client()
            if user != "anonymous":
                client.post("/login", data={"username": user, "password": PASSWORD})
        target = path.format(**ids)

        def get(client=client, target=target, name=name):
            r = client.get(target)
            assert r.status_code == 200, f"{name}: {r.status_code}"

        out[name] = _median_ms(get, repeat)
    bureau = clients["bench_bureau"]
    one_town = stamp.RecordStamp.scope == stamp.town_scope(ids["town"])
    for label, written in ((COLD_ONE, one_town), (COLD_ALL, sa.true())):
        cold = []
        for _ in range(3):
            with app.app_context():
                # What a write does to the stamps: one town's (a record of 沙溪镇), or every one (the install's).
                db.session.execute(sa.update(stamp.RecordStamp).where(written).values(stamp=stamp.new_stamp()))
                db.session.commit()
                db.session.remove()
            t0 = time.perf_counter()
            assert bureau.get("/city/?year=2025").status_code == 200
            cold.append((time.perf_counter() - t0) * 1000)
        out[label] = statistics.median(cold)
    with app.app_context():
        db.engine.dispose()
    return out


# --- the report ------------------------------------------------------------------------------------------------


def report(label: str, ms: dict[str, float], sql: dict[str, int], http: dict | None) -> None:
    base = ms["bare Flask route"]
    print(f"\n== {label} ==")
    head = f"{'page':<32} {'in-process ms':>13} {'SQL':>4}"
    if http:
        head += f" {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'R over HTTP (min–max)':>24}"
    print(head)
    print(f"{'bare Flask route':<32} {base:13.2f} {0:>4}")
    for name, _, _ in PAGES:
        line = f"{name:<32} {ms[name]:13.1f} {sql[name]:>4}"
        if http:
            res = http[name]
            line += (
                f" {statistics.median(res.rps):8.1f} {statistics.median(res.p50):7.1f}"
                f" {statistics.median(res.p95):7.1f} {http_pages._spread(res.ratio):>24}"
            )
        print(line)
    for label in (COLD_ONE, COLD_ALL):
        print(f"{label:<32} {ms[label]:13.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=25, choices=range(1, len(TOWNS) + 1), metavar="1-25")
    parser.add_argument("--sqlite", action="store_true", help="SQLite under bench-work/ instead of PostgreSQL")
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--repeat", type=int, default=20, help="in-process requests per page (median)")
    parser.add_argument("--seconds", type=float, default=3, help="wrk duration per page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    parser.add_argument("--work", type=Path, default=http_pages.WORK, help="where the SQLite database is kept")
    args = parser.parse_args(argv)
    print(f"load average at start: {http_pages.load_average()}")
    if args.sqlite:
        args.work.mkdir(exist_ok=True)
        path = args.work / f"city-{args.docs}-{args.towns}.sqlite3"
        if args.rebuild and path.exists():
            path.unlink()
        fresh, url = not path.exists(), f"sqlite:///{path}"
    else:
        if not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
            print(
                "PostgreSQL: set TEST_DATABASE_URL (scripts/with-postgres.sh does), or pass --sqlite", file=sys.stderr
            )
            return 2
        url, fresh = http_pages.postgres_database(f"tracker_city_{args.docs}_{args.towns}", rebuild=args.rebuild)
    database = "SQLite" if args.sqlite else "PostgreSQL"
    print(f"{args.docs:,} documents in {args.towns} towns on {database}: {'building' if fresh else 'reusing'}")
    ids = build(url, args.docs, args.towns, fresh=fresh)
    print(f"  {ids['documents']:,} documents, {ids['towns']} towns")
    sql = http_pages.sql_per_request(url, ids, PAGES)
    ms = in_process(url, ids, repeat=args.repeat)
    http = None
    if not args.no_http:
        http, _ = http_pages.measure(
            url, ids, seconds=args.seconds, rounds=args.rounds, log=print, pages=PAGES, export=False
        )
    report(f"{ids['documents']:,} documents, {ids['towns']} towns, {database}", ms, sql, http)
    print(f"\nload average at end: {http_pages.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
