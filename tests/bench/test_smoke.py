"""The benchmark's smoke run (issue #17): bench/http_pages.py at 2,000 documents, in a few seconds.

The full benchmark (10,000 and 100,000 documents, SQLite and PostgreSQL) is run by hand and never by `make test`;
this keeps it working and holds every page to its SQL-statement budget: a page's statements may not grow with the
rows it shows (no N+1), whatever the database holds.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import http_pages

ROOT = Path(__file__).resolve().parents[2]
BUDGET = 12  # statements per request on any page (issue #17), asked again or read first after a write
DOCS = 2000


@pytest.fixture(scope="module")
def bench_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
    url = f"sqlite:///{path}"
    return url, http_pages.build(url, DOCS, fresh=True)


def test_no_page_exceeds_its_sql_statement_budget(bench_db):
    counts = http_pages.sql_per_request(*bench_db)
    assert set(counts) == {name for name, _, _ in http_pages.PAGES}
    over = {name: n for name, n in counts.items() if n > BUDGET}
    assert not over, f"pages over their SQL-statement budget: {over}"


def test_no_page_read_first_after_a_write_exceeds_its_budget(bench_db):
    # The first request after a write renders what was remembered again, within the same budget.
    cold = http_pages.sql_per_request(*bench_db, cold=True)
    warm = http_pages.sql_per_request(*bench_db)
    over = {name: n for name, n in cold.items() if not warm[name] <= n <= BUDGET}
    assert not over, f"pages over their SQL-statement budget when read first after a write: {over}"


def test_the_api_list_reads_a_page_of_documents_in_a_constant_number_of_statements(bench_db):
    url, ids = bench_db
    small = http_pages.sql_per_request(url, ids)["API document list"]
    # The same list, four times as many rows: the same statements (the publications are read in one query).
    large = http_pages.sql_per_request(url, ids, (("API 200", "token", "/api/v1/documents?per_page=200"),))["API 200"]
    assert large == small <= BUDGET


def test_the_http_benchmark_runs(tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (Debian package wrk); CI installs it")
    done = subprocess.run(
        [sys.executable, "bench/http_pages.py", "--docs", str(DOCS), "--seconds", "1", "--rounds", "1"]
        + ["--work", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout
    for name, _, _ in http_pages.PAGES:
        assert name in table
    assert "deadline scan: first" in table and "export: HTTP 200" in table
