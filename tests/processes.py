"""Real processes for the probes: gunicorn workers and schedulers started on a database of their own (a SQLite
file, or a new PostgreSQL database in the suite's PostgreSQL run), each stopped by its own pid only."""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def wait_for(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def environment(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The process environment of a development instance on this database, nothing inherited from the tests."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAIL_", "TEST_DATABASE", "TRACKER_", "DATABASE_URL", "UPLOAD_DIR", "PYTEST", "FLASK_"))
        and not k.startswith(("BACKUP_", "CI"))
    }
    env.update(
        DATABASE_URL=database_url,
        TRACKER_INSTANCE_DIR=str(instance),
        TRACKER_ENV="development",
        UPLOAD_DIR=str(instance / "uploads"),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


class Processes:
    """Started processes, each stopped in `stop_all` (terminate, then kill), by their own pid only."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.procs = env, logs, []

    def flask(self, *args: str, timeout: int = 240) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def python(self, code: str, timeout: int = 120) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"python:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # closed in stop_all
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        return proc

    def gunicorn(self, port: int, workers: int = 2) -> subprocess.Popen:
        argv = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        return self.start("gunicorn", [*argv, "--chdir", str(ROOT), "wsgi:app"])

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for proc, log in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            log.close()


def worker_pids(master: subprocess.Popen) -> list[int]:
    """The gunicorn workers: the children of the master process this test started."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def database(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


def count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar_one()


SEED_WORLD = """
from datetime import UTC, datetime
from tests.factories import build_world
from tracker import create_app
from tracker.cli import ensure_reference_data
from tracker.extensions import db
app = create_app()
with app.app_context():
    now = datetime.now(UTC)
    ensure_reference_data(now)
    build_world(now)
    db.session.commit()
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """A person's session against the running server: cookies, the CSRF token of each form, no redirects."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None, timeout: float = 30) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")

    def token(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, (path, status)
        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        assert m, f"no CSRF token on {path}"
        return html.unescape(m.group(1))

    def login(self, username: str, password: str) -> None:
        status, _ = self.request(
            "/login", {"username": username, "password": password, "csrf_token": self.token("/login")}
        )
        assert status == 302, f"login as {username}: {status}"
