"""Backup archives: one .tar.gz with a consistent snapshot of the database, the upload folder and a manifest.

The database is copied first (SQLite: the online backup API, one step under one read transaction; PostgreSQL:
pg_dump inside an exported snapshot, so the manifest's figures come from the very state dumped), the upload folder
after it: a file is written before the row that names it is committed, so every file the snapshot names is
already on disk. The manifest lists every member with its size and SHA-256, the schema revision, the row count
of every table and the audit chain's head; `verify` checks all of it, `restore` only after `verify` and only into
an empty database and an empty upload folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from tracker.common.tarball import ArchiveError, Words, add_bytes, add_file, compare_members, read_members

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
UPLOADS = "uploads"
PREFIX, SUFFIX = "tracker-backup-", ".tar.gz"
PARTIAL = ".partial"
IN_PROGRESS = ".part"  # an upload being written (tracker/documents/storage.py); its row is not committed yet
MAX_MANIFEST = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class BackupError(ArchiveError):
    """A backup that cannot be made, checked or restored; the message says why, in Chinese."""


WORDS = Words("备份文件", "未使用")


@dataclass
class Manifest:
    created_at: str
    dialect: str
    revision: str | None
    tables: dict[str, int]
    audit_head: dict | None
    files: dict[str, dict] = field(default_factory=dict)
    format: int = FORMAT

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.dialect]

    @property
    def upload_count(self) -> int:
        return sum(1 for name in self.files if name.startswith(UPLOADS + "/"))

    def to_json(self) -> bytes:
        return json.dumps(vars(self), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("dialect") not in DATABASE_MEMBERS:
            raise ValueError("unknown manifest")
        return cls(
            created_at=str(raw["created_at"]),
            dialect=raw["dialect"],
            revision=raw.get("revision"),
            tables={str(k): int(v) for k, v in raw["tables"].items()},
            audit_head=raw.get("audit_head"),
            files={str(k): {"size": int(v["size"]), "sha256": str(v["sha256"])} for k, v in raw["files"].items()},
        )


# --- the database's own tools -------------------------------------------------------------------------------


def _pg_tool(name: str, bin_dir: str) -> str:
    path = shutil.which(name, path=bin_dir) if bin_dir else shutil.which(name)
    if not path:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端程序（postgresql-client），或设置 PG_BIN_DIR。")
    return path


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A URI for pg_dump/pg_restore and their environment: the password goes in PGPASSWORD, never on the line."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BackupError(f"{what}失败：" + " / ".join(detail))


def _sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复，请使用数据库文件。")
    return Path(url.database)


# --- what the manifest says about a database ------------------------------------------------------------------


def _describe(conn: sa.Connection) -> tuple[str | None, dict[str, int], dict | None]:
    """Schema revision, rows per table and the audit chain's head, read from one consistent state."""
    inspector = sa.inspect(conn)
    names = sorted(inspector.get_table_names())
    tables = {name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one() for name in names}
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    head = None
    if "audit_chain_heads" in tables:
        row = conn.execute(sa.text("SELECT seq, hash FROM audit_chain_heads WHERE id = 1")).first()
        head = {"seq": row.seq, "hash": row.hash} if row else None
    return revision, tables, head


def _snapshot_sqlite(url: sa.URL, target: Path) -> tuple[str | None, dict[str, int], dict | None]:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # every page in one step: one read transaction, writers carry on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        source.close()
        copy.close()
    engine = sa.create_engine(f"sqlite:///{target}", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                raise BackupError("数据库快照的完整性检查未通过，未生成备份。")
            return _describe(conn)
    finally:
        engine.dispose()


def _snapshot_postgresql(engine: sa.Engine, target: Path, bin_dir: str) -> tuple[str | None, dict[str, int], dict]:
    pg_dump = _pg_tool("pg_dump", bin_dir)
    uri, env = _libpq(engine.url)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # pg_dump works in the snapshot this transaction exports: the dump and the figures are the same state.
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            described = _describe(conn)
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}", uri],
                env,
                "pg_dump 导出数据库",
            )
    return described


# --- writing --------------------------------------------------------------------------------------------------


def _add_file(tar: tarfile.TarFile, source: Path, name: str, files: dict[str, dict]) -> None:
    files[name] = add_file(tar, source, name)


def _upload_files(upload_dir: Path) -> list[tuple[Path, str]]:
    found = []
    if not upload_dir.is_dir():
        return found
    for root, dirs, names in os.walk(upload_dir):
        dirs.sort()
        for name in sorted(names):
            path = Path(root) / name
            if name.endswith(IN_PROGRESS) or path.is_symlink() or not path.is_file():
                continue
            found.append((path, f"{UPLOADS}/{path.relative_to(upload_dir).as_posix()}"))
    return found


def archive_name(now: datetime) -> str:
    return f"{PREFIX}{now.astimezone(UTC).strftime('%Y%m%dT%H%M%S.%fZ')}{SUFFIX}"


def create_backup(*, engine: sa.Engine, upload_dir: Path, out_dir: Path, now: datetime, pg_bin_dir: str = "") -> Path:
    """Write one archive into out_dir and return its path (written under a temporary name, then renamed)."""
    dialect = engine.dialect.name
    if dialect not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {dialect} 数据库。")
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = out_dir / archive_name(now)
    partial = final.with_name(final.name + PARTIAL)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as work:
        snapshot = Path(work) / DATABASE_MEMBERS[dialect]
        if dialect == "sqlite":
            revision, tables, head = _snapshot_sqlite(engine.url, snapshot)
        else:
            revision, tables, head = _snapshot_postgresql(engine, snapshot, pg_bin_dir)
        manifest = Manifest(
            created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
            dialect=dialect,
            revision=revision,
            tables=tables,
            audit_head=head,
        )
        try:
            # The archive holds everything (password hashes included): readable by the service's user only.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with (
                open(fd, "wb") as raw,
                tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar,
            ):
                _add_file(tar, snapshot, manifest.database_member, manifest.files)
                for path, name in _upload_files(upload_dir):
                    _add_file(tar, path, name, manifest.files)
                add_bytes(tar, MANIFEST, manifest.to_json(), mtime=now.timestamp())
            with open(partial, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
    return final


def prune(out_dir: Path, *, keep: int, now: datetime | None = None) -> list[Path]:
    """Remove all but the newest `keep` archives of this application in out_dir, and what a backup killed half-way
    left behind more than a day ago; nothing else is touched."""
    archives = sorted(p for p in out_dir.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    removed = archives[: max(len(archives) - max(keep, 1), 0)]
    for path in removed:
        path.unlink()
    stale_before = (now or datetime.now(UTC)).timestamp() - 24 * 3600
    for path in [*out_dir.glob(f"{PREFIX}*{SUFFIX}{PARTIAL}"), *out_dir.glob(".backup-*")]:
        if path.stat().st_mtime < stale_before:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
    return removed


# --- checking -------------------------------------------------------------------------------------------------


def _read_archive(path: Path, extract_to: Path | None) -> Manifest:
    """Hash every member (extracting it when asked); compare with the manifest. Raises BackupError."""
    manifest_data, seen = read_members(
        path, manifest=MANIFEST, max_manifest=MAX_MANIFEST, extract_to=extract_to, words=WORDS, error=BackupError
    )
    if manifest_data is None or len(manifest_data) > MAX_MANIFEST:
        raise BackupError("备份文件中没有清单（manifest.json），不是完整的备份，未使用。")
    try:
        manifest = Manifest.from_json(manifest_data)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError("备份清单无法识别（损坏，或不是本系统的备份），未使用。") from None
    if manifest.database_member not in manifest.files:
        raise BackupError("备份清单中没有数据库快照，未使用。")
    compare_members(manifest.files, seen, words=WORDS, error=BackupError)
    return manifest


def _check_database_file(manifest: Manifest, directory: Path, pg_bin_dir: str) -> None:
    snapshot = directory / manifest.database_member
    if manifest.dialect == "sqlite":
        try:
            conn = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True)
            try:
                ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            ok = False
        if not ok:
            raise BackupError("备份中的数据库快照未通过完整性检查，未使用。")
    else:
        pg_restore = _pg_tool("pg_restore", pg_bin_dir)
        _run([pg_restore, "--list", str(snapshot)], dict(os.environ), "读取 PostgreSQL 备份")


def verify_backup(path: Path, *, pg_bin_dir: str = "") -> Manifest:
    """Every member present, none added, every checksum right, the database snapshot readable."""
    with tempfile.TemporaryDirectory(prefix="tracker-verify-") as work:
        manifest = _read_archive(path, None)
        _extract_database(path, manifest, Path(work))
        _check_database_file(manifest, Path(work), pg_bin_dir)
    return manifest


def _extract_database(path: Path, manifest: Manifest, directory: Path) -> None:
    with tarfile.open(path, "r:gz") as tar:
        member = tar.getmember(manifest.database_member)
        with tar.extractfile(member) as fh, open(directory / manifest.database_member, "wb") as out:
            shutil.copyfileobj(fh, out, CHUNK)


# --- restoring ------------------------------------------------------------------------------------------------


def _database_tables(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sa.inspect(conn).get_table_names()


def _upload_entries(upload_dir: Path) -> list[Path]:
    if not upload_dir.exists():
        return []
    return [p for p in upload_dir.rglob("*") if not p.is_dir()]


def check_empty_instance(engine: sa.Engine, upload_dir: Path) -> None:
    tables = _database_tables(engine)
    if tables:
        raise BackupError(
            f"目标数据库不是空的（已有 {len(tables)} 张表，如“{sorted(tables)[0]}”）：只能恢复到空数据库，未恢复。"
        )
    files = _upload_entries(upload_dir)
    if files:
        raise BackupError(f"目标上传目录 {upload_dir} 不是空的（已有 {len(files)} 个文件）：只能恢复到空目录，未恢复。")


def restore_backup(path: Path, *, engine: sa.Engine, upload_dir: Path, pg_bin_dir: str = "") -> Manifest:
    """Check the archive whole, then load it into this empty instance: the database, then the files."""
    dialect = engine.dialect.name
    upload_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=upload_dir.parent, prefix=f".{upload_dir.name}.restore-"))
    try:
        manifest = _read_archive(path, staging)  # refuses a damaged archive before anything is touched
        if manifest.dialect != dialect:
            raise BackupError(
                f"备份来自 {manifest.dialect} 数据库，当前数据库是 {dialect}：请恢复到同一种数据库，未恢复。"
            )
        _check_database_file(manifest, staging, pg_bin_dir)
        check_empty_instance(engine, upload_dir)
        engine.dispose()
        snapshot = staging / manifest.database_member
        if dialect == "sqlite":
            source, target = sqlite3.connect(snapshot), sqlite3.connect(_sqlite_path(engine.url))
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            pg_restore = _pg_tool("pg_restore", pg_bin_dir)
            uri, env = _libpq(engine.url)
            _run(
                [
                    pg_restore,
                    "--no-owner",
                    "--no-privileges",
                    "--no-comments",
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-password",
                    f"--dbname={uri}",
                    str(snapshot),
                ],
                env,
                "pg_restore 恢复数据库",
            )
        with engine.connect() as conn:
            _, tables, _ = _describe(conn)
        if tables != manifest.tables:
            differ = sorted(n for n in set(tables) | set(manifest.tables) if tables.get(n) != manifest.tables.get(n))
            raise BackupError(f"恢复后的数据与清单不符（如表“{differ[0]}”的行数），请检查目标数据库。")
        upload_dir.mkdir(parents=True, exist_ok=True)
        uploaded = staging / UPLOADS
        if uploaded.is_dir():
            for source in sorted(p for p in uploaded.rglob("*") if p.is_file()):
                target = upload_dir / source.relative_to(uploaded)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, target)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)
