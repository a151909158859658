"""Backups: `flask backup create|verify|restore`, refusal of damaged archives and of non-empty instances, the
nightly job with retention, and the drill: a backup taken while a writer commits, restored elsewhere, compared row
by row and file by file. Runs on the suite's database (SQLite, or PostgreSQL with pg_dump in CI's second run)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.backends import SUITE_BACKEND
from tests.backup.drill import populate
from tracker.backup.archive import MANIFEST, archive_name, prune
from tracker.common.timeutil import office_today
from tracker.extensions import db as _db
from tracker.scheduler.jobs import run_once
from tracker.scheduler.models import JobRun


@pytest.fixture
def archive(app, db, world, now, uploads, tmp_path) -> Path:
    populate(world, now, documents=3, files=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "out").glob("tracker-backup-*.tar.gz")
    return path


def in_instance(instance, args: list[str]):
    """A command run in that instance (the test's own app context would otherwise be the one commands use)."""
    with instance.app_context():
        return instance.test_cli_runner().invoke(args=args)


def _members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}


def _tables(app) -> list[str]:
    with app.app_context():
        with _db.engine.connect() as conn:
            return sa.inspect(conn).get_table_names()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- create and verify ----------------------------------------------------------------------------------------


def test_an_archive_holds_the_database_the_files_and_a_manifest_of_checksums(app, archive, uploads):
    members = _members(archive)
    manifest = json.loads(members.pop(MANIFEST))
    database = "database.sqlite3" if SUITE_BACKEND == "sqlite" else "database.pgdump"
    on_disk = {f"uploads/{p.relative_to(uploads).as_posix()}": p.read_bytes() for p in _files(uploads)}
    assert len(on_disk) == 2
    assert set(members) == {database} | set(on_disk)
    for name, data in members.items():
        assert manifest["files"][name] == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        if name in on_disk:
            assert data == on_disk[name]
    assert manifest["dialect"] == SUITE_BACKEND
    assert archive.stat().st_mode & 0o777 == 0o600  # everything is in it, password hashes too
    assert manifest["tables"]["documents"] == 3 and manifest["tables"]["stored_files"] == 2
    assert manifest["audit_head"]["seq"] == manifest["tables"]["audit_events"]
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("备份完好：") and "上传文件 2 个" in result.output


def test_a_file_being_written_is_left_out(app, db, world, now, uploads, tmp_path):
    (uploads / "ab").mkdir()
    (uploads / "ab" / "abcdef.pdf.part").write_bytes(b"half a file")
    result = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "out").glob("*.tar.gz")
    assert not any(name.endswith(".part") for name in _members(path))
    assert not list((tmp_path / "out").glob("*.partial"))


# --- damaged archives -----------------------------------------------------------------------------------------


def _rewrite(path: Path, *, change=None, drop=(), add=None, manifest=True) -> None:
    """Rebuild the archive with a member changed, dropped or added (the manifest kept as it was)."""
    members = _members(path)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in {**members, **(add or {})}.items():
            if name in drop or (name == MANIFEST and not manifest):
                continue
            if change and name.startswith(change[0]):
                data = change[1](data)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(out.getvalue())


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _symlink_member(path: Path) -> None:
    members = _members(path)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("uploads/zz/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    path.write_bytes(out.getvalue())


DAMAGE = {
    "flipped-byte": (_flip_byte, "损坏"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "损坏"),
    "not-an-archive": (lambda p: p.write_bytes(b"PK\x03\x04 not a tar.gz at all" * 10), "损坏"),
    "empty-file": (lambda p: p.write_bytes(b""), "损坏"),
    "file-changed": (lambda p: _rewrite(p, change=("uploads/", _flip)), "校验和与清单不符"),
    "database-changed": (lambda p: _rewrite(p, change=("database.", _flip)), "校验和与清单不符"),
    "file-missing": (lambda p: _rewrite(p, drop=[n for n in _members(p) if n.startswith("uploads/")][:1]), "缺少"),
    "file-added": (lambda p: _rewrite(p, add={"uploads/zz/extra.pdf": b"%PDF-1.4 extra"}), "清单以外"),
    "manifest-missing": (lambda p: _rewrite(p, manifest=False), "没有清单"),
    "manifest-garbled": (lambda p: _rewrite(p, change=(MANIFEST, lambda d: d[:20])), "清单无法识别"),
    "path-escapes": (lambda p: _rewrite(p, add={"../../evil.txt": b"x"}), "不允许的条目"),
    "absolute-path": (lambda p: _rewrite(p, add={"/tmp/evil.txt": b"x"}), "不允许的条目"),
    "symlink": (_symlink_member, "不允许的条目"),
}


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_damaged_archive_is_refused_by_verify_and_by_restore(app, archive, empty_instance, how):
    damage, words = DAMAGE[how]
    damage(archive)
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(archive)])
    assert result.exit_code == 1
    assert words in result.output and "未使用" in result.output
    result = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert result.exit_code == 1 and words in result.output
    assert _tables(empty_instance) == []  # nothing was touched
    assert _files(Path(empty_instance.config["UPLOAD_DIR"])) == []
    assert not list(Path(empty_instance.config["UPLOAD_DIR"]).parent.glob(".restored-uploads.restore-*"))


def test_a_missing_archive_is_named(app, db, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", "verify", str(tmp_path / "nowhere.tar.gz")])
    assert result.exit_code == 1 and "找不到备份文件" in result.output


# --- restore only into an empty instance ----------------------------------------------------------------------


def test_restore_refuses_a_database_that_is_not_empty(archive, empty_instance):
    with empty_instance.app_context():
        with _db.engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE notes (id INTEGER PRIMARY KEY)"))
    result = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "目标数据库不是空的" in result.output
    assert _tables(empty_instance) == ["notes"]
    assert _files(Path(empty_instance.config["UPLOAD_DIR"])) == []


def test_restore_refuses_an_upload_folder_that_is_not_empty(archive, empty_instance):
    folder = Path(empty_instance.config["UPLOAD_DIR"])
    (folder / "mine.txt").write_text("已有的文件")
    result = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "上传目录" in result.output and "不是空的" in result.output
    assert _tables(empty_instance) == []
    assert _files(folder) == [folder / "mine.txt"]


def test_restore_refuses_an_archive_of_the_other_kind_of_database(archive, empty_instance):
    other = "postgresql" if SUITE_BACKEND == "sqlite" else "sqlite"
    members = _members(archive)
    manifest = json.loads(members[MANIFEST])
    own = "database.sqlite3" if SUITE_BACKEND == "sqlite" else "database.pgdump"
    theirs = "database.pgdump" if own == "database.sqlite3" else "database.sqlite3"
    manifest["dialect"] = other
    manifest["files"][theirs] = manifest["files"].pop(own)
    _rewrite(
        archive,
        drop=[own],
        add={theirs: members[own]},
        change=(MANIFEST, lambda _: json.dumps(manifest).encode()),
    )
    result = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "请恢复到同一种数据库" in result.output
    assert _tables(empty_instance) == []


def test_a_restored_instance_works(app, archive, empty_instance, world, uploads):
    result = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "已恢复" in result.output and "审计链完整" in result.output
    restored = Path(empty_instance.config["UPLOAD_DIR"])
    assert [p.relative_to(restored) for p in _files(restored)] == [p.relative_to(uploads) for p in _files(uploads)]
    client = empty_instance.test_client()
    r = client.post("/login", data={"username": "drafter", "password": "Test-pass-2026"})
    assert r.status_code == 302
    page = client.get("/documents/")
    assert "演练文件 1" in page.get_data(as_text=True)
    # A second restore into the now filled instance is refused.
    again = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert again.exit_code == 1 and "不是空的" in again.output


# --- the nightly job ------------------------------------------------------------------------------------------


def test_the_nightly_job_backs_up_and_keeps_the_newest(app, db, world, now, uploads, tmp_path, monkeypatch):
    out = tmp_path / "nightly"
    out.mkdir()
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(out))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 3)
    older = [out / archive_name(now - timedelta(days=d)) for d in (4, 3, 2, 1)]
    for path in older:
        path.write_bytes(b"an older archive")
    (out / "notes.txt").write_text("not ours")
    summary = run_once("backup", now=now)
    assert summary and summary.startswith(f"archive={archive_name(now)} removed=2")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [older[2].name, older[3].name, archive_name(now), "notes.txt"]
    )
    verify = app.test_cli_runner().invoke(args=["backup", "verify", str(out / archive_name(now))])
    assert verify.exit_code == 0, verify.output
    run = db.session.get(JobRun, ("backup", office_today(now)))
    assert run is not None and run.finished_at is not None
    db.session.remove()  # the scheduler calls each run in an app context of its own
    assert run_once("backup", now=now + timedelta(hours=1)) is None  # once a day


def test_a_failed_nightly_backup_is_tried_again(app, db, world, now, uploads, tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(blocked / "backups"))
    assert run_once("backup", now=now) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0  # the claim was withdrawn
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    assert run_once("backup", now=now + timedelta(minutes=5)).startswith("archive=")


def test_the_job_is_a_command_too(app, db, world, uploads, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "cli"))
    result = app.test_cli_runner().invoke(args=["jobs", "run", "backup", "--date", "2026-11-03"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("archive=tracker-backup-20261103T")
    assert len(list((tmp_path / "cli").glob("*.tar.gz"))) == 1


def test_prune_touches_only_its_own_archives(tmp_path, now):
    names = [archive_name(now + timedelta(seconds=s)) for s in range(5)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "tracker-backup-notes.txt").write_text("x")
    removed = prune(tmp_path, keep=2)
    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[3:] + ["tracker-backup-notes.txt"])


def test_prune_clears_what_a_killed_backup_left_behind_a_day_ago(tmp_path, now):
    old_partial = tmp_path / (archive_name(now - timedelta(days=2)) + ".partial")
    old_work = tmp_path / ".backup-abc123"
    fresh_partial = tmp_path / (archive_name(now) + ".partial")  # perhaps a backup running right now
    old_partial.write_bytes(b"x")
    old_work.mkdir()
    (old_work / "database.sqlite3").write_bytes(b"x")
    fresh_partial.write_bytes(b"x")
    day_before = (now - timedelta(days=2)).timestamp()
    for path in (old_partial, old_work):
        os.utime(path, (day_before, day_before))
    prune(tmp_path, keep=2, now=now)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh_partial.name]


def test_archive_names_sort_by_time(now):
    later = [archive_name(now + timedelta(microseconds=us)) for us in (0, 1, 999_999, 1_000_000)]
    assert later == sorted(later) and len(set(later)) == 4
