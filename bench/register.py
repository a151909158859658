"""Benchmark of the register, search, dashboard and export at 100,000 documents (issue #8, "Done when").

How to run (from the project root, never part of `make test`: it takes minutes):

    .venv/bin/python bench/register.py                              # SQLite only
    scripts/with-postgres.sh .venv/bin/python bench/register.py     # SQLite, then PostgreSQL (TEST_DATABASE_URL)
    .venv/bin/python bench/register.py --docs 20000 --repeat 10     # smaller / quicker
    .venv/bin/python bench/register.py --postgres postgresql+psycopg://user@host/db --no-sqlite

Each database is built fresh with the real migrations (`upgrade head`: SQLite FTS5 trigram table, PostgreSQL
pg_trgm GIN index), filled by bulk inserts (realistic Chinese titles, units, statuses, publications with numbers
and dates for the published ones, version texts, open deadlines, search rows), then measured through the Flask
test client logged in as the clerk. Every figure is a median over --repeat requests, reported as a ratio to a
bare Flask route (a minimal app returning a short string) measured in the same run. The export of every row is
timed separately and its peak Python memory measured with tracemalloc (plus the growth of the process's peak
RSS). On PostgreSQL a database named tracker_bench_<pid> is created on the server of the URL and dropped after.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from dateutil.relativedelta import relativedelta  # noqa: E402

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday
PASSWORD = "Bench-pass-2026"

# --- realistic content -----------------------------------------------------------------------------------------

TOWN = "沙溪镇"
UNITS = (
    # name, short name, kind, can issue, can draft, number prefix
    ("沙溪镇人民政府", "镇政府", "government", True, False, "沙府"),
    ("沙溪镇人民政府办公室", "镇政府办", "government_office", True, False, "沙府办"),
    ("沙溪镇党政办公室", "党政办", "department", False, True, None),
    ("沙溪镇司法所", "司法所", "judicial_office", False, False, None),
    ("沙溪镇综合行政执法局", "执法局", "department", False, True, None),
    ("沙溪镇经济发展办公室", "经发办", "department", False, True, None),
    ("沙溪镇农业农村办公室", "农业办", "department", False, True, None),
    ("沙溪镇社会事务局", "社会事务局", "department", False, True, None),
    ("沙溪镇规划建设办公室", "规建办", "department", False, True, None),
    ("沙溪镇公共服务办公室", "公服办", "department", False, True, None),
    ("沙溪镇应急管理办公室", "应急办", "department", False, True, None),
    ("沙溪镇退役军人服务站", "退役军人站", "department", False, True, None),
    ("中山市司法局", "市司法局", "filing_authority", False, False, None),
)
TOPICS = (
    "农村宅基地管理",
    "农村集体资产管理",
    "河道保洁",
    "生活垃圾分类",
    "殡葬改革",
    "集贸市场管理",
    "消防安全网格化管理",
    "安全生产责任",
    "民宿发展扶持",
    "耕地保护补偿",
    "村规民约备案",
    "住宅小区物业管理",
    "困难群众临时救助",
    "防汛防台",
    "森林防火",
    "历史建筑保护",
    "农业生产补贴发放",
    "退役军人优待",
    "城乡人居环境整治",
    "违法建设治理",
    "农村生活饮用水安全",
    "户外广告设置",
    "公共停车场管理",
    "企业上规升级奖励",
    "高龄老人津贴发放",
    "村级工程建设项目管理",
    "流动人口服务管理",
    "渔业养殖水域管理",
)
KINDS = ("管理办法", "实施细则", "暂行办法", "试行规定", "实施方案", "管理规定", "若干措施", "工作规程", "补助办法")
PLACES = ("", "", "", "", "城区", "龙瑞村", "宝珠村", "岗背村", "涌头村", "乐群村", "虎逊村", "云汉村", "竹秀园村")
LAWS = (
    "中华人民共和国土地管理法",
    "中华人民共和国城乡规划法",
    "中华人民共和国消防法",
    "中华人民共和国安全生产法",
    "广东省城乡生活垃圾管理条例",
    "殡葬管理条例",
    "社会救助暂行办法",
    "中华人民共和国村民委员会组织法",
)
# (status, share of documents); published and ended ones get a publication with numbers and dates.
STATUSES = (
    ("drafting", 5),
    ("consulting", 2),
    ("submitted", 2),
    ("under_review", 3),
    ("returned", 2),
    ("passed", 1),
    ("not_approved", 1),
    ("deferred", 1),
    ("deliberated", 1),
    ("numbered", 1),
    ("published", 2),
    ("in_force", 45),
    ("amended", 5),
    ("repealed", 10),
    ("invalid", 3),
    ("expired", 14),
    ("withdrawn", 2),
)
PUBLISHED = {"published", "in_force", "amended", "repealed", "invalid", "expired"}
ENDED = {"amended", "repealed", "invalid", "expired"}


def title_of(rng: random.Random, town: str = TOWN) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    place = rng.choice(PLACES)
    lead = rng.choice(("", "", f"{town}人民政府关于印发", "关于进一步加强"))
    kind = rng.choice(KINDS)
    title = f"{lead}{town}{place}{topic}{kind}" if not lead.startswith("关于进一步") else f"{lead}{topic}的{kind}"
    if lead.endswith("印发"):
        title += "的通知"
    return title, topic


def body_of(rng: random.Random, topic: str, *, draft: bool) -> str:
    law = rng.choice(LAWS)
    articles = [
        f"第一条 为加强{topic}工作，规范相关行为，根据《{law}》等有关规定，结合本镇实际，制定本办法。",
        f"第二条 本办法适用于本镇行政区域内的{topic}活动及其监督管理。",
        f"第三条 镇人民政府统一领导{topic}工作，各村（社区）负责本辖区内的具体实施。",
        "第四条 有关部门应当按照各自职责，做好政策宣传、业务指导和监督检查工作。",
        f"第五条 {topic}所需经费列入镇财政年度预算，专款专用，接受审计监督。",
        "第六条 对违反本办法规定的行为，由有关部门依法予以处理；构成犯罪的，依法追究刑事责任。",
        "第七条 本办法由镇人民政府负责解释，自发布之日起施行。",
    ]
    if draft:
        articles.insert(3, "第三条之一 征求意见稿：本条拟删除，请各单位提出意见。")
    k = rng.randint(4, len(articles))
    return "\n".join(articles[:k])


# --- generation ------------------------------------------------------------------------------------------------


def _ids(conn, table) -> int:
    return conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar()


def generate(
    n: int,
    *,
    seed: int = 8,
    batch: int = 5000,
    log=print,
    town_name: str = TOWN,
    short: str = "沙",
    user_suffix: str = "",
    analyse: bool = True,
) -> dict[str, int]:
    """Insert n documents (and what belongs to them) into the app's database; inside an app context.

    Units and users are made through the services when missing; everything per document by bulk inserts, in
    the layout the services write (the search rows as documents.search.build_content builds them). The town
    (沙溪镇 unless named, with its one-character `short` name for its number prefixes) gets its own units and the
    four bench users, named bench_clerk{user_suffix} etc. (bench/city.py fills a city's towns this way).
    """
    from tracker.alerts.models import Alert
    from tracker.auth.models import Role, Unit, UnitKind, User
    from tracker.auth.permissions import SYSTEM
    from tracker.auth.services import create_user
    from tracker.auth.towns import ensure_town
    from tracker.documents.models import Document, DocumentSearch, DocumentVersion
    from tracker.extensions import db
    from tracker.files.models import StoredFile
    from tracker.publication.models import Publication, register_year
    from tracker.setup import ensure_reference_data

    rng = random.Random(seed)
    ensure_reference_data(NOW)
    town = ensure_town(city="中山市", town=town_name, now=NOW)
    units = {u.name: u for u in db.session.scalars(sa.select(Unit).where(Unit.town_id.in_((town.id, town.parent_id))))}
    for name, short_name, kind, can_issue, can_draft, prefix in UNITS:
        name = name.replace(TOWN, town_name)
        if name not in units:
            units[name] = Unit(
                name=name,
                short_name=short_name,
                kind=UnitKind(kind),
                can_issue=can_issue,
                can_draft=can_draft,
                number_prefix=prefix.replace("沙", short) if prefix else None,
                created_at=NOW,
                town_id=town.parent_id if kind in ("filing_authority", "higher_level") else town.id,
            )
            db.session.add(units[name])
    db.session.flush()
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    for username, role, unit in (
        ("bench_clerk", Role.CLERK, "党政办公室"),
        ("bench_reviewer", Role.REVIEWER, "司法所"),
        ("bench_leader", Role.LEADER, "人民政府"),
        ("bench_drafter", Role.DRAFTER, "农业农村办公室"),
    ):
        username, unit = username + user_suffix, town_name + unit
        if username not in users:
            users[username] = create_user(
                actor=SYSTEM,
                now=NOW,
                username=username,
                display_name=username,
                role=role,
                unit_id=units[unit].id,
                password=PASSWORD,
            )
    stored = StoredFile(
        storage_name=f"bench-{seed}-{rng.getrandbits(48):x}",
        original_name="草案.docx",
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        size=0,
        sha256="0" * 64,
        created_at=NOW,
    )
    db.session.add(stored)
    db.session.commit()

    issuers = [units[f"{town_name}人民政府"], units[f"{town_name}人民政府办公室"]]
    # One normative series per town (as each town's own pattern numbers them); 沙溪镇 keeps the plain scope.
    normative_scope = "normative" if town_name == TOWN else f"normative:{town.id}"
    drafters = [u for u in units.values() if u.can_draft]
    creator = users["bench_drafter"].id
    statuses = [s for s, w in STATUSES for _ in range(w)]
    conn = db.session.connection()
    next_doc = _ids(conn, Document.__table__) + 1
    next_pub = _ids(conn, Publication.__table__) + 1
    next_version = _ids(conn, DocumentVersion.__table__) + 1
    next_alert = _ids(conn, Alert.__table__) + 1
    serials: dict[tuple[str, int], int] = {}
    for scope, year, last in conn.execute(
        sa.select(Publication.issue_scope, Publication.issue_year, sa.func.max(Publication.issue_seq)).group_by(
            Publication.issue_scope, Publication.issue_year
        )
    ):
        serials[(scope, year)] = last
    for year, last in conn.execute(
        sa.select(Publication.normative_year, sa.func.max(Publication.normative_seq))
        .where(Publication.normative_scope == normative_scope)
        .group_by(Publication.normative_year)
    ):
        serials[(normative_scope, year)] = last

    def serial(scope: str, year: int) -> int:
        serials[(scope, year)] = serials.get((scope, year), 0) + 1
        return serials[(scope, year)]

    counts = {"documents": 0, "publications": 0, "versions": 0, "alerts": 0}
    started = time.perf_counter()
    for start in range(0, n, batch):
        docs, pubs, versions, searches, alerts = [], [], [], [], []
        for _ in range(min(batch, n - start)):
            doc_id = next_doc
            next_doc += 1
            status = rng.choice(statuses)
            title, topic = title_of(rng, town_name)
            created = datetime(2010, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(16 * 365 * 86400))
            updated = min(NOW, created + timedelta(days=rng.randrange(1, 700)))
            issuer = rng.choice(issuers)
            trial = "interim" if "暂行" in title else ("trial" if "试行" in title else "none")
            numbers = ""
            pub = None
            if status in PUBLISHED or status == "numbered":
                signed = created.date() + timedelta(days=rng.randrange(20, 120))
                year = signed.year
                iseq, nseq = serial(issuer.number_prefix, year), serial(normative_scope, year)
                published_on = signed + timedelta(days=rng.randrange(1, 10)) if status != "numbered" else None
                effective_on = published_on + timedelta(days=30) if published_on else None
                years = 2 if trial != "none" else 5  # the rule set's default validity
                validity = effective_on + relativedelta(years=years, days=-1) if effective_on else None
                pub = {
                    "id": next_pub,
                    "document_id": doc_id,
                    "is_current": True,
                    "signed_on": signed,
                    "signer": "镇长",
                    "issue_scope": issuer.number_prefix,
                    "issue_year": year,
                    "issue_seq": iseq,
                    "issue_number": f"{issuer.number_prefix}〔{year}〕{iseq}号",
                    "normative_scope": normative_scope,
                    "normative_year": year,
                    "normative_seq": nseq,
                    "normative_number": f"{short}府规字〔{year}〕{nseq}号",
                    "numbers_entered_by_hand": False,
                    "published_on": published_on,
                    "channel": "镇人民政府门户网站" if published_on else None,
                    "url": f"https://www.example.gov.cn/zwgk/{doc_id}.html" if published_on else None,
                    "effective_on": effective_on,
                    "validity_end_on": validity,
                    "created_at": created,
                }
                next_pub += 1
                pubs.append(pub)
                numbers = f"{pub['issue_number']} {pub['normative_number']}"
            ended_on = None
            if status in ENDED and pub and pub["effective_on"]:
                ended_on = pub["validity_end_on"] if status == "expired" and pub["validity_end_on"] else None
                ended_on = ended_on or pub["effective_on"] + timedelta(days=rng.randrange(200, 1500))
            filing = "not_submitted"
            if status in PUBLISHED:
                filing = rng.choice(("registered", "registered", "registered", "submitted", "correction"))
            docs.append(
                {
                    "id": doc_id,
                    "town_id": town.id,
                    "title": title,
                    "kind": "government" if rng.random() < 0.7 else "department",
                    "issuer_id": issuer.id,
                    "drafting_unit_id": rng.choice(drafters).id,
                    "trial_kind": trial,
                    "summary": "",
                    "necessity": "",
                    "subject": topic[:50],
                    "is_major": rng.random() < 0.2,
                    "affects_market": rng.random() < 0.15,
                    "status": status,
                    "filing_status": filing,
                    "status_changed_at": updated,
                    "ended_on": ended_on,
                    "created_by_id": creator,
                    "created_at": created,
                    "updated_at": updated,
                    "version_id": 1,
                    # What the app keeps with every write (tracker/publication/models.py), computed the same way.
                    "register_year": register_year(status, created, pub["published_on"] if pub else None),
                }
            )
            text = ""
            n_versions = 0 if status == "drafting" and rng.random() < 0.5 else (2 if rng.random() < 0.3 else 1)
            for seq in range(1, n_versions + 1):
                text = body_of(rng, topic, draft=seq < n_versions)
                versions.append(
                    {
                        "id": next_version,
                        "document_id": doc_id,
                        "seq": seq,
                        "file_id": stored.id,
                        "note": "征求意见稿" if seq < n_versions else "送审稿",
                        "text": text,
                        "uploaded_by_id": creator,
                        "uploaded_at": created + timedelta(days=seq),
                    }
                )
                next_version += 1
            searches.append({"document_id": doc_id, "content": f"{title}\n{numbers}\n{text}"})
            if status not in ENDED and status != "withdrawn" and rng.random() < 0.06:
                alerts.append(
                    {
                        "id": next_alert,
                        "town_id": town.id,
                        "kind": "filing_due" if status in PUBLISHED else "review_due",
                        "subject_key": f"bench:{doc_id}",
                        "document_id": doc_id,
                        "due_on": NOW.date() + timedelta(days=rng.randrange(-20, 40)),
                        "provisional": False,
                        "level": rng.choice(("open", "due_soon", "overdue")),
                        "message": "",
                        "created_at": NOW,
                    }
                )
                next_alert += 1
        conn.execute(sa.insert(Document.__table__), docs)
        if pubs:
            conn.execute(sa.insert(Publication.__table__), pubs)
        if versions:
            conn.execute(sa.insert(DocumentVersion.__table__), versions)
        conn.execute(sa.insert(DocumentSearch.__table__), searches)
        if alerts:
            conn.execute(sa.insert(Alert.__table__), alerts)
        db.session.commit()
        conn = db.session.connection()
        counts["documents"] += len(docs)
        counts["publications"] += len(pubs)
        counts["versions"] += len(versions)
        counts["alerts"] += len(alerts)
        if n >= 20000:
            log(f"  {counts['documents']:>7} documents  ({time.perf_counter() - started:.0f} s)")
    if conn.dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequences past them, as the services would have.
        for table in ("documents", "publications", "document_versions", "alerts"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        db.session.commit()
    if analyse:
        # As an install has after its first night (the morning job refreshes them): the planner's statistics.
        from tracker.common.planner import refresh_statistics

        refresh_statistics()
        db.session.commit()
    return counts


# --- measuring ---------------------------------------------------------------------------------------------------


def _median_ms(fn, repeat: int) -> float:
    fn()  # warm-up: templates compiled, caches filled, statements prepared
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _get(client, url: str, expect: int = 200):
    def run():
        r = client.get(url)
        assert r.status_code == expect, f"{url}: {r.status_code}"
        r.get_data()
        return r

    return run


def baseline_client():
    from flask import Flask

    bare = Flask("baseline")

    @bare.get("/")
    def hello():
        return "ok"

    return bare.test_client()


def _export(client, url: str) -> int:
    """Download the export chunk by chunk (as a browser would), returning its size."""
    r = client.get(url, buffered=False)
    assert r.status_code == 200, r.status_code
    size = 0
    for chunk in r.response:
        size += len(chunk)
    r.close()
    return size


def measure(app, *, repeat: int, export_repeat: int, log=print) -> dict:
    client = app.test_client()
    r = client.post("/login", data={"username": "bench_clerk", "password": PASSWORD})
    assert r.status_code == 302, "bench login failed"
    bare = baseline_client()
    pages = {
        "register": "/documents/",
        "register, page 500": "/documents/?page=500",
        "filtered (status+year+in force)": "/documents/?status=in_force&year=2022&in_force=2026-06-01",
        "sorted by number": "/documents/?sort=number",
        "search 宅基地": "/documents/?q=宅基地",
        "search 宅基地 + filter": "/documents/?q=宅基地&status=in_force",
        "search 2 chars 河道": "/documents/?q=河道",
        "search number 沙府规字〔2023〕15号": "/documents/?q=沙府规字〔2023〕15号",
        "dashboard /": "/",
    }
    results = {"baseline": _median_ms(_get(bare, "/"), repeat * 5)}
    for name, url in pages.items():
        results[name] = _median_ms(_get(client, url), repeat)
        log(f"  {name:<34} {results[name]:8.1f} ms")
    export_url = "/documents/export.xlsx"
    times, size = [], 0
    for _ in range(export_repeat):
        gc.collect()
        t0 = time.perf_counter()
        size = _export(client, export_url)
        times.append(time.perf_counter() - t0)
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    _export(client, export_url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results["export"] = {
        "seconds": statistics.median(times),
        "bytes": size,
        "peak_python_mb": peak / 2**20,
        "rss_growth_mb": (rss_after - rss_before) / 1024,
        "rss_peak_mb": rss_after / 1024,
    }
    return results


def totals(app, urls: dict[str, str]) -> dict[str, str]:
    """The register's '共 N 件' for each URL, to check the pages did real work."""
    import re

    client = app.test_client()
    client.post("/login", data={"username": "bench_clerk", "password": PASSWORD})
    out = {}
    for name, url in urls.items():
        m = re.search(r"共 (\d+) 件", client.get(url).get_data(as_text=True))
        out[name] = m.group(1) if m else "?"
    return out


# --- one database ----------------------------------------------------------------------------------------------


def run_on(url: str, *, docs: int, repeat: int, export_repeat: int, fresh: bool = True, log=print) -> dict:
    import flask_migrate

    from config import TestConfig
    from tracker import create_app
    from tracker.extensions import db

    uploads = tempfile.mkdtemp(prefix="bench-uploads-")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=uploads, WTF_CSRF_ENABLED=False)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        if fresh:
            t0 = time.perf_counter()
            flask_migrate.upgrade()
            log(f"  schema (migrations) in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            counts = generate(docs, log=log)
            log(f"  generated {counts} in {time.perf_counter() - t0:.0f} s")
        if fresh and db.engine.dialect.name == "postgresql":
            # autovacuum would analyse the new tables within a minute; do it now rather than wait.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
                version = conn.exec_driver_sql("SHOW server_version").scalar()
                cjk = conn.exec_driver_sql("SELECT array_length(show_trgm('宅基地'), 1)").scalar()
            log(f"  PostgreSQL {version}; pg_trgm sees Chinese as word characters: {bool(cjk)}")
        elif db.engine.dialect.name == "sqlite":
            with db.engine.connect() as conn:
                log(f"  SQLite {conn.exec_driver_sql('select sqlite_version()').scalar()}")
        db.session.remove()
    results = measure(app, repeat=repeat, export_repeat=export_repeat, log=log)
    results["totals"] = totals(
        app,
        {
            "all": "/documents/",
            "filtered": "/documents/?status=in_force&year=2022&in_force=2026-06-01",
            "宅基地": "/documents/?q=宅基地",
            "河道": "/documents/?q=河道",
        },
    )
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def report(name: str, results: dict) -> None:
    base = results["baseline"]
    print(f"\n== {name} ==")
    print(f"  {'bare Flask route':<34} {base:8.2f} ms   1")
    for key, value in results.items():
        if key in ("baseline", "export", "totals"):
            continue
        print(f"  {key:<34} {value:8.1f} ms   {value / base:,.0f}×")
    e = results["export"]
    print(
        f"  export of every row: {e['seconds']:.1f} s, {e['bytes'] / 2**20:.1f} MB file; peak Python memory "
        f"{e['peak_python_mb']:.1f} MB (tracemalloc), process peak RSS {e['rss_peak_mb']:.0f} MB "
        f"(+{e['rss_growth_mb']:.0f} MB during the export)"
    )
    print("  rows matched: " + ", ".join(f"{k} {v}" for k, v in results["totals"].items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page (median)")
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", ""), help="server URL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file / PostgreSQL database")
    parser.add_argument("--reuse-sqlite", metavar="PATH", help="measure a kept SQLite file again (no generation)")
    parser.add_argument("--reuse-postgres", metavar="DATABASE", help="measure a kept database again")
    args = parser.parse_args(argv)

    all_results = {}
    if args.reuse_sqlite:
        all_results["SQLite"] = run_on(
            f"sqlite:///{Path(args.reuse_sqlite).resolve()}",
            docs=args.docs,
            repeat=args.repeat,
            export_repeat=args.export_repeat,
            fresh=False,
        )
    elif not args.no_sqlite:
        folder = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
        path = folder / "bench.sqlite3"
        print(f"SQLite: {path}")
        try:
            all_results["SQLite"] = run_on(
                f"sqlite:///{path}", docs=args.docs, repeat=args.repeat, export_repeat=args.export_repeat
            )
            print(f"  file size {path.stat().st_size / 2**20:.0f} MB")
        finally:
            if not args.keep:
                for p in folder.glob("*"):
                    p.unlink()
                folder.rmdir()
    if args.postgres.startswith("postgresql"):
        server = sa.make_url(args.postgres)
        name = args.reuse_postgres or f"tracker_bench_{os.getpid()}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        if not args.reuse_postgres:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        print(f"PostgreSQL: database {name}")
        try:
            all_results["PostgreSQL"] = run_on(
                server.set(database=name).render_as_string(hide_password=False),
                docs=args.docs,
                repeat=args.repeat,
                export_repeat=args.export_repeat,
                fresh=not args.reuse_postgres,
            )
        finally:
            if not args.keep and not args.reuse_postgres:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    for name, results in all_results.items():
        report(f"{name}, {args.docs:,} documents (median of {args.repeat})", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
