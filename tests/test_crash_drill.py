"""The crash drill: gunicorn workers killed with SIGKILL again and again while people register drafts; nothing
acknowledged is lost, nothing is half-written, the audit chain holds and the server keeps answering.

Runs on a SQLite file of its own, and in the PostgreSQL run of the suite also on a new PostgreSQL database.
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from tests.backends import BACKENDS, fresh_database
from tests.factories import PASSWORD
from tests.processes import (
    SEED_WORLD,
    Browser,
    Processes,
    database,
    environment,
    free_port,
    health,
    wait_for,
    worker_pids,
)

pytestmark = pytest.mark.slow

KILLS = 12
CLIENTS = 4
PREFIX = "崩溃演练文件"


class Clerk(threading.Thread):
    """Registers drafts one after another; notes which ones the server acknowledged (302 to the new page)."""

    def __init__(self, port: int, name: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.name_, self.stop = port, name, stop
        self.acknowledged: list[str] = []
        self.interrupted = 0
        self.failures: list[str] = []

    def run(self) -> None:
        browser = None
        n = 0
        while not self.stop.is_set():
            try:
                if browser is None:
                    browser = Browser(self.port)
                    browser.login("drafter", PASSWORD)
                n += 1
                title = f"{PREFIX} {self.name_}-{n}"
                form = {
                    "title": title,
                    "kind": "government",
                    "issuer_id": "1",
                    "drafting_unit_id": "4",
                    "trial_kind": "none",
                    "csrf_token": browser.token("/documents/new"),
                }
                status, body = browser.request("/documents/new", form)
                if status == 302:
                    self.acknowledged.append(title)
                elif status >= 500:
                    self.failures.append(f"{status} for {title}")
                else:
                    self.failures.append(f"{status} for {title}: {body[:200]}")
            except (OSError, AssertionError, http.client.HTTPException):
                # The worker serving this request was killed (before answering, or halfway through the page it was
                # sending): the outcome is unknown, the session may be gone.
                self.interrupted += 1
                browser = None
                time.sleep(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
def test_workers_killed_during_writes_lose_nothing_acknowledged(tmp_path, backend):
    with fresh_database(backend, tmp_path, "crash") as url:
        _drill(tmp_path, url)


def _drill(tmp_path, url: str) -> None:
    procs = Processes(environment(url, tmp_path), tmp_path)
    procs.flask("db", "upgrade")
    procs.python(SEED_WORLD)  # the test world: units (issuer id 1, the drafter's unit id 4) and one user per role
    engine = database(url)
    port = free_port()
    stop = threading.Event()
    clerks = [Clerk(port, f"c{i}", stop) for i in range(CLIENTS)]
    killed: list[int] = []
    try:
        master = procs.gunicorn(port, workers=2)
        assert wait_for(lambda: health(port), 60) == {"status": "ok"}, procs.log("gunicorn")
        for clerk in clerks:
            clerk.start()
        assert wait_for(lambda: sum(len(c.acknowledged) for c in clerks) >= 8, 60), [c.failures for c in clerks]
        for _ in range(KILLS):
            pids = wait_for(lambda: [p for p in worker_pids(master) if p not in killed], 60)
            assert pids, procs.log("gunicorn")
            victim = pids[len(killed) % len(pids)]
            time.sleep(0.3)  # let it take a request or two
            os.kill(victim, signal.SIGKILL)  # a worker of the master this test started
            killed.append(victim)
            wait_for(lambda: len(worker_pids(master)) >= 2, 60)
        before_stop = sum(len(c.acknowledged) for c in clerks)
        assert wait_for(lambda: sum(len(c.acknowledged) for c in clerks) >= before_stop + 4, 60)
        stop.set()
        for clerk in clerks:
            clerk.join(60)
            assert not clerk.is_alive()
        assert master.poll() is None and health(port) == {"status": "ok"}
        verified = procs.flask("audit", "verify")
    finally:
        stop.set()
        procs.stop_all()

    acknowledged = [title for c in clerks for title in c.acknowledged]
    interrupted = sum(c.interrupted for c in clerks)
    failures = [f for c in clerks for f in c.failures]
    assert len(killed) == KILLS
    assert interrupted >= 1, "no request was cut off: the kills did not land during writes"
    assert failures == [], failures  # every answer was an acknowledgement or a cut connection, never a 500

    with engine.connect() as conn:
        titles = Counter(
            conn.execute(sa.text("SELECT title FROM documents WHERE title LIKE :p"), {"p": f"{PREFIX}%"}).scalars()
        )
        registered = Counter(
            conn.execute(
                sa.text(
                    "SELECT d.title FROM audit_events e JOIN documents d ON d.id = e.document_id"
                    " WHERE e.action = 'document.register' AND d.title LIKE :p"
                ),
                {"p": f"{PREFIX}%"},
            ).scalars()
        )
        indexed = conn.execute(
            sa.text(
                "SELECT count(*) FROM documents d JOIN document_search s ON s.document_id = d.id WHERE d.title LIKE :p"
            ),
            {"p": f"{PREFIX}%"},
        ).scalar_one()
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()

    # Nothing acknowledged is lost; nothing is written twice; each document came with its audit event and its
    # search row, or not at all (a killed request wrote nothing, or everything).
    assert set(acknowledged) <= set(titles)
    assert max(titles.values()) == 1
    assert registered == titles
    assert indexed == len(titles)
    assert len(titles) - len(acknowledged) <= interrupted  # written but unanswered: only a request that was cut off
    assert verified.startswith("审计链完整")
