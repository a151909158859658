"""Every page over HTTP through gunicorn, as ratios to a bare Flask app measured in the same run (issue #17).

How to run (from the project root; never part of `make test`, which runs the smoke version in tests/bench/):

    .venv/bin/python bench/http_pages.py --docs 10000,100000                  # SQLite
    scripts/with-postgres.sh .venv/bin/python bench/http_pages.py --postgres   # PostgreSQL (TEST_DATABASE_URL)
    .venv/bin/python bench/http_pages.py --docs 2000 --seconds 1 --rounds 1   # a quick look

For each size the database is built with the real migrations and bench/register.py's generator (kept under
bench-work/ and reused when it exists: --rebuild to start again). Then the product (one sync gunicorn worker, as
the issue measures) and bench/bare_app.py (the same) are started on loopback ports, and `wrk` (Debian's package;
one thread, one connection) drives each page for --seconds, alternating bare / page / bare / page … for --rounds
rounds, so a drifting machine moves both. Printed per page: req/s, p50 and p95 latency, R = page req/s ÷ bare
req/s (median of the rounds, with min–max), SQL statements per request (counted in-process with the test client),
and with two sizes the growth of p50 from the first to the second. Then: the deadline scan (first run, then again
with nothing changed), the full register export over HTTP (time to first byte, total time, the worker's RSS), and
the worker's RSS after the run. The load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.register import NOW, PASSWORD  # noqa: E402

WORK = ROOT / "bench-work"
VENV_BIN = Path(sys.executable).parent

LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "JSON {\\"requests\\": %d, \\"seconds\\": %f, \\"p50\\": %f, \\"p95\\": %f, \\"errors\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""

# (name, user, path) — the pages of the table. {doc} is a published document's id, {unit} a drafting unit.
PAGES = (
    ("floor: 上级征求意见", "bench_clerk", "/solicitations/"),
    ("register", "bench_clerk", "/documents/"),
    ("register filtered", "bench_clerk", "/documents/?status=in_force&unit={unit}&year=2022"),
    ("search 宅基地", "bench_clerk", "/documents/?q=%E5%AE%85%E5%9F%BA%E5%9C%B0"),
    ("document page", "bench_clerk", "/documents/{doc}"),
    ("reviewer desk", "bench_reviewer", "/review/"),
    ("clerk home", "bench_clerk", "/"),
    ("leader home", "bench_leader", "/"),
    ("drafter home", "bench_drafter", "/"),
    ("annual statistics", "bench_leader", "/reports/annual?year=2025"),
    ("API document list", "token", "/api/v1/documents"),
    ("public library", "anonymous", "/public/"),
    ("public search 宅基地", "anonymous", "/public/?q=%E5%AE%85%E5%9F%BA%E5%9C%B0"),
    ("public document", "anonymous", "/public/documents/{doc}"),
)
ORDINARY = {
    "register",
    "register filtered",
    "search 宅基地",
    "document page",
    "reviewer desk",
    "API document list",
    "public library",
    "public search 宅基地",
    "public document",
}
SESSIONLESS = {"token", "anonymous"}  # users that do not log in: the API's token, the public library's visitor
DESKS = {"clerk home", "leader home", "drafter home", "annual statistics"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the database ------------------------------------------------------------------------------------------


def postgres_database(name: str, *, rebuild: bool) -> tuple[str, bool]:
    """A database `name` on TEST_DATABASE_URL's server, kept between runs (dropped first with `rebuild`): its URL,
    and whether it was just made (and must be filled)."""
    import sqlalchemy as sa

    base = sa.make_url(os.environ["TEST_DATABASE_URL"])
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and rebuild:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), not exists


def build(url: str, docs: int, *, fresh: bool) -> dict:
    """Migrate and fill the database (or reuse it); returns ids the pages need and an API token."""
    import flask_migrate
    import sqlalchemy as sa

    from bench.register import generate
    from config import TestConfig
    from tracker import create_app
    from tracker.auth.models import User
    from tracker.auth.tokens import create_token
    from tracker.documents.models import Document
    from tracker.documents.states import DocStatus
    from tracker.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=tempfile.mkdtemp(prefix="bench-up-"))
    with app.app_context():
        flask_migrate.upgrade()  # a database kept from an earlier run gets the newer migrations
        if fresh:
            generate(docs, log=lambda *a: None)
            if db.engine.dialect.name == "postgresql":
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
        doc = db.session.scalar(
            sa.select(Document.id).where(Document.status == DocStatus.IN_FORCE).order_by(Document.id.desc()).limit(1)
        )
        unit = db.session.scalar(sa.select(Document.drafting_unit_id).where(Document.id == doc))
        clerk = db.session.scalar(sa.select(User).where(User.username == "bench_clerk"))
        token = create_token(clerk, actor=clerk, now=NOW, name=f"bench {secrets.token_hex(4)}")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"doc": doc, "unit": unit, "token": token}


def sql_per_request(url: str, ids: dict, pages=None, *, cold: bool = False) -> dict[str, int]:
    """Statements each page issues, counted in-process (the same code gunicorn runs): asked again with nothing
    written in between, or with `cold` as the first request after a write in every town (what the worker remembers of
    the towns is computed again, common/stamp.py)."""
    import sqlalchemy as sa

    from config import TestConfig
    from tracker import create_app
    from tracker.common import stamp
    from tracker.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, WTF_CSRF_ENABLED=False)
    counts: dict[str, int] = {}
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    # No app context is held across requests: each request gets its own, as under gunicorn (a shared context
    # would let Flask-Login's cached user leak from one client to the next).
    clients = {}
    for name, user, path in pages or PAGES:
        client = clients.get(user)
        if client is None:
            client = clients[user] = app.test_client()
            if user not in SESSIONLESS:
                client.post("/login", data={"username": user, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {ids['token']}"} if user == "token" else {}
        target = path.format(**ids)
        client.get(target, headers=headers)  # warm-up: caches, compiled templates
        if cold:  # as after a write in every town: what the worker remembers of them is computed again
            with app.app_context():
                towns = stamp.RecordStamp.scope != stamp.SCOPE  # the install's own (rules, calendar) stays
                db.session.execute(sa.update(stamp.RecordStamp).where(towns).values(stamp=stamp.new_stamp()))
                db.session.commit()
        statements.clear()
        response = client.get(target, headers=headers)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        counts[name] = len(statements)
    engine.dispose()
    return counts


# --- servers -------------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def rss_mb(self) -> float:
        """The worker's resident memory (the child of the gunicorn master)."""
        children = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "rss="], capture_output=True, text=True
        ).stdout.split()
        return max((int(c) for c in children), default=0) / 1024

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, app_spec: str, env: dict) -> Server:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "120", app_spec],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return Server(name, port, process, log)
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{name} did not start:\n{log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not answer on port {port}")


def login(port: int, username: str) -> str:
    """Log in through the real form (CSRF token included); returns the Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    r = conn.getresponse()
    body = r.read().decode()
    cookies = {c.split("=", 1)[0]: c.split(";", 1)[0] for c in r.headers.get_all("Set-Cookie") or []}
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    form = {"username": username, "password": PASSWORD, **({"csrf_token": m.group(1)} if m else {})}
    conn.request(
        "POST",
        "/login",
        body=urllib.parse.urlencode(form),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": "; ".join(cookies.values())},
    )
    r = conn.getresponse()
    r.read()
    for c in r.headers.get_all("Set-Cookie") or []:
        cookies[c.split("=", 1)[0]] = c.split(";", 1)[0]
    if r.status != 302:
        raise RuntimeError(f"login as {username} answered {r.status}")
    return "; ".join(cookies.values())


def wrk(port: int, path: str, seconds: float, headers: dict[str, str], script: Path) -> dict:
    args = ["wrk", "-t1", "-c1", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "-s", str(script)]
    for key, value in headers.items():
        args += ["-H", f"{key}: {value}"]
    out = subprocess.run([*args, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("JSON "))
    data = json.loads(line[5:])
    data["rps"] = data["requests"] / data["seconds"] if data["seconds"] else 0.0
    if data["errors"]:
        raise RuntimeError(f"{path}: {data['errors']} errors (non-2xx/3xx or socket)")
    return data


@dataclass
class PageResult:
    rps: list[float] = field(default_factory=list)
    ratio: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)


def measure(
    url: str, ids: dict, *, seconds: float, rounds: int, log, pages=None, export: bool = True
) -> tuple[dict[str, PageResult], dict]:
    pages = pages or PAGES
    env = {
        "TRACKER_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": secrets.token_hex(32),
        "UPLOAD_DIR": tempfile.mkdtemp(prefix="bench-up-"),
        "SESSION_COOKIE_SECURE": "false",
    }
    product = start("product", "wsgi:app", env)
    bare = start("bare", "bench.bare_app:app", {})
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    script.write_text(LUA)
    results: dict[str, PageResult] = {name: PageResult() for name, _, _ in pages}
    extra: dict = {}
    try:
        cookies = {user: login(product.port, user) for _, user, _ in pages if user not in SESSIONLESS}
        for r in range(rounds):
            for name, user, path in pages:
                headers = (
                    {"Authorization": f"Bearer {ids['token']}"}
                    if user == "token"
                    else {"Cookie": cookies[user]}
                    if user in cookies
                    else {}
                )
                base = wrk(bare.port, "/", seconds, {}, script)
                page = wrk(product.port, path.format(**ids), seconds, headers, script)
                res = results[name]
                res.rps.append(page["rps"])
                res.ratio.append(page["rps"] / base["rps"])
                res.p50.append(page["p50"])
                res.p95.append(page["p95"])
            log(f"  round {r + 1}/{rounds} done (load {load_average()})")
        if export:
            extra["export"] = export_over_http(product.port, cookies["bench_clerk"], product)
        extra["rss_mb"] = product.rss_mb()
    finally:
        product.stop()
        bare.stop()
    return results, extra


def export_over_http(port: int, cookie: str, server: Server) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.request("GET", "/documents/export.xlsx", headers={"Cookie": cookie})
    r = conn.getresponse()
    first = r.read(1)
    ttfb = time.perf_counter() - t0
    size, peak = len(first), server.rss_mb()
    while chunk := r.read(65536):
        size += len(chunk)
        peak = max(peak, server.rss_mb()) if size % (64 * 65536) < 65536 else peak
    return {"status": r.status, "ttfb_s": ttfb, "total_s": time.perf_counter() - t0, "bytes": size, "rss_mb": peak}


def scan_times(url: str) -> dict:
    """The morning scan on the bench database: first run, then again with nothing changed."""
    from config import TestConfig
    from tracker import create_app
    from tracker.alerts.scan import scan
    from tracker.common.timeutil import office_today
    from tracker.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    out = {}
    with app.app_context():
        for label in ("first", "unchanged"):
            t0 = time.perf_counter()
            scan(today=office_today(NOW), now=NOW)
            db.session.commit()
            out[label] = time.perf_counter() - t0
        db.session.remove()
        db.engine.dispose()
    return out


# --- the report ------------------------------------------------------------------------------------------------


def _spread(values: list[float], fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def report(
    label: str, results: dict[str, PageResult], sql: dict[str, int], cold: dict[str, int], extra: dict, scan: dict
) -> None:
    print(f"\n== {label} ==")
    print("(SQL: statements of a request asked again; cold: of the first request after a write in the town)")
    print(f"{'page':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'R (min–max)':>24} {'SQL':>5} {'cold':>5}  target")
    for name, res in results.items():
        target = "R≥0.08" if name in ORDINARY else ("R≥0.04" if name in DESKS else "floor")
        ratio = statistics.median(res.ratio)
        met = ratio >= (0.08 if name in ORDINARY else 0.04) and sql[name] <= 12
        print(
            f"{name:<22} {statistics.median(res.rps):8.1f} {statistics.median(res.p50):8.1f}"
            f" {statistics.median(res.p95):8.1f} {_spread(res.ratio):>24} {sql[name]:>5} {cold[name]:>5}  {target}"
            f"{'' if name not in ORDINARY | DESKS else (' met' if met else ' NOT MET')}"
        )
    e = extra["export"]
    print(
        f"export: HTTP {e['status']}, first byte {e['ttfb_s']:.2f} s, all {e['total_s']:.1f} s, "
        f"{e['bytes'] / 2**20:.1f} MB, worker RSS up to {e['rss_mb']:.0f} MB"
    )
    print(f"worker RSS after the run: {extra['rss_mb']:.0f} MB")
    print(f"deadline scan: first {scan['first']:.2f} s, nothing changed {scan['unchanged']:.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", default="10000,100000", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=float, default=3, help="wrk duration per page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="use TEST_DATABASE_URL's server")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--work", type=Path, default=WORK, help="where the SQLite databases are kept")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    args.work.mkdir(exist_ok=True)
    sizes = [int(x) for x in args.docs.split(",")]
    print(f"load average at start: {load_average()}")
    p50s: dict[int, dict[str, float]] = {}
    for docs in sizes:
        if args.postgres:
            url, fresh = postgres_database(f"tracker_http_{docs}", rebuild=args.rebuild)
        else:
            path = args.work / f"http-{docs}.sqlite3"
            if args.rebuild and path.exists():
                path.unlink()
            fresh = not path.exists()
            url = f"sqlite:///{path}"
        print(
            f"\n{docs} documents on {'PostgreSQL' if args.postgres else 'SQLite'}: {'building' if fresh else 'reusing'}"
        )
        ids = build(url, docs, fresh=fresh)
        sql, cold = sql_per_request(url, ids), sql_per_request(url, ids, cold=True)
        results, extra = measure(url, ids, seconds=args.seconds, rounds=args.rounds, log=print)
        scan = scan_times(url)
        report(f"{docs} documents", results, sql, cold, extra, scan)
        p50s[docs] = {name: statistics.median(r.p50) for name, r in results.items()}
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth of p50 from {small} to {large} documents (target for desks and reports: ≤ 1.3×)")
        for name in p50s[small]:
            print(f"  {name:<22} {p50s[large][name] / p50s[small][name]:.2f}×")
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
