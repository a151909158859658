"""The restore drill: a backup taken while a writer commits, restored into a new database and upload folder, holds
exactly the transactions committed before its snapshot: every row of every table and every file compared."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.backends import SUITE_BACKEND
from tests.backup.drill import Writer, files, populate, sqlite_index_is_sound, table_rows
from tests.backup.test_backup import in_instance
from tracker.extensions import db as _db

pytestmark = pytest.mark.slow


def _wait(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the writer made no progress"
        time.sleep(0.01)


def test_a_backup_taken_while_writing_restores_exactly_what_was_committed_before_it(
    app, db, world, now, uploads, empty_instance, tmp_path
):
    # Enough files that writing the archive takes a while: the writer commits meanwhile.
    populate(world, now, documents=30, files=30, file_size=256 * 1024)
    db.session.commit()
    writer = Writer(app=app, drafter_id=world["drafter"].id, issuer_id=world.units["gov"].id, now=now)
    db.session.close()
    thread = writer.start()
    try:
        _wait(lambda: len(writer.committed_at) >= 3 or writer.error)
        started = time.monotonic()
        created = app.test_cli_runner().invoke(args=["backup", "create", "--out", str(tmp_path / "out")])
        finished = time.monotonic()
        done_at_end = len(writer.committed_at)
        _wait(lambda: len(writer.committed_at) >= done_at_end + 3 or writer.error)
    finally:
        writer.stop.set()
        thread.join(60)
    assert not thread.is_alive() and writer.error is None, writer.error
    assert created.exit_code == 0, created.output
    during = [t for t in writer.committed_at if started < t < finished]
    assert during, "no write committed while the backup ran: the drill proved nothing"

    [archive] = (tmp_path / "out").glob("*.tar.gz")
    restored = in_instance(empty_instance, ["backup", "restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "审计链完整" in restored.output

    with app.app_context():
        source = table_rows(_db.engine)
    with empty_instance.app_context():
        copy = table_rows(_db.engine)
        titles = set(_db.session.scalars(sa.text("SELECT title FROM documents")))
        if SUITE_BACKEND == "sqlite":
            assert sqlite_index_is_sound(_db.engine)
        _db.session.remove()

    # The snapshot holds a prefix of the writer's transactions, each whole: the first k, none after.
    present = [title in titles for title in writer.titles]
    k = sum(present)
    assert present == [True] * k + [False] * (len(present) - k)
    assert 3 <= k < len(writer.titles)
    late: dict[str, set[tuple]] = {}
    for inserted in writer.inserted[k:]:
        for table, keys in inserted.items():
            late.setdefault(table, set()).update(keys)

    assert set(copy) == set(source)
    for table, rows in source.items():
        if table in ("audit_chain_heads", "record_stamps"):
            # Moved on by every later transaction (the records' stamp, and the chain's head: the head is checked
            # against the copy's own chain below).
            continue
        expected = {key: row for key, row in rows.items() if key not in late.get(table, set())}
        assert copy[table] == expected, f"table {table} differs"
    assert len(copy["documents"]) == 30 + k and len(copy["stored_files"]) == 30 + k
    # The copy's chain head is its own newest event (verify said the chain holds).
    [head] = copy["audit_chain_heads"].values()
    newest = max(copy["audit_events"].values(), key=lambda row: json.loads(row["chain_seq"]))
    assert (head["seq"], head["hash"]) == (newest["chain_seq"], newest["chain_hash"])

    # Files: every restored file is the source's, byte for byte; every file the copy names is there with its
    # checksum; a file the copy lacks belongs to one of the writer's later transactions.
    restored_files = files(Path(empty_instance.config["UPLOAD_DIR"]))
    source_files = files(uploads)
    assert all(source_files.get(name) == data for name, data in restored_files.items())
    for row in copy["stored_files"].values():
        name = json.loads(row["storage_name"])
        data = restored_files[f"{name[:2]}/{name}"]
        assert hashlib.sha256(data).hexdigest() == json.loads(row["sha256"])
    late_names = {json.loads(source["stored_files"][key]["storage_name"]) for key in late["stored_files"]}
    missing = {name.rsplit("/", 1)[-1] for name in set(source_files) - set(restored_files)}
    assert missing <= late_names
