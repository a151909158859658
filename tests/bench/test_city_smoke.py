"""The city benchmark's smoke run (issue #16, scale): bench/city.py on a city of three small towns, in seconds.

The full run (a million documents in 25 towns on PostgreSQL) is by hand; this keeps it working, holds the city's
pages to the SQL-statement budget and checks the bench's city is what it claims to be.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench import city, http_pages
from tests.bench.test_smoke import BUDGET

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_city(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('city') / 'city.sqlite3'}"
    return url, city.build(url, 900, 3, fresh=True, log=lambda *a: None)


def test_the_bench_city_has_its_towns_documents_and_the_bureaus_filings(small_city):
    url, ids = small_city
    assert ids["documents"] == 900 and ids["towns"] == 3 and ids["attempt"] is not None
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        per_town = dict(conn.execute(sa.text("SELECT town_id, count(*) FROM documents GROUP BY town_id")).all())
        in_product = conn.execute(sa.text("SELECT count(*) FROM filing_attempts WHERE in_product")).scalar()
    engine.dispose()
    assert sorted(per_town.values()) == [300, 300, 300] and in_product > 0


def test_no_city_page_exceeds_its_sql_statement_budget(small_city):
    counts = http_pages.sql_per_request(*small_city, city.PAGES)
    assert set(counts) == {name for name, _, _ in city.PAGES}
    over = {name: n for name, n in counts.items() if n > BUDGET}
    assert not over, f"pages over their SQL-statement budget: {over}"


def test_the_city_benchmark_runs(tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk); CI installs it")
    args = ["--sqlite", "--docs", "600", "--towns", "3", "--seconds", "1", "--rounds", "1", "--repeat", "2"]
    done = subprocess.run(
        [sys.executable, "bench/city.py", *args, "--work", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name, _, _ in city.PAGES:
        assert name in done.stdout
    assert city.COLD_ONE in done.stdout and city.COLD_ALL in done.stdout
