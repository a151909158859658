"""The backup drill's parts: records with files to back up, a writer that commits while the backup runs, and the
comparison of a restored instance with its source, every row of every table and every file."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from tests.factories import make_document
from tracker.auth.models import User
from tracker.documents.models import AttachmentKind, DocKind
from tracker.documents.services import DocumentData, add_attachment, register_draft
from tracker.extensions import db as _db
from tracker.files.uploads import CheckedFile

# The SQLite full-text index keeps its own internal tables (segments merge as rows arrive): it is checked with its
# integrity-check command and a search instead of row by row.
FTS_PREFIX = "document_search_fts"


def pdf(size: int, seed: str) -> CheckedFile:
    """A PDF material of about `size` bytes that does not compress (the archive takes a while to write)."""
    body = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest() for i in range(size // 32 + 1))[:size]
    data = b"%PDF-1.4\n" + body + b"\n%%EOF\n"
    return CheckedFile(data=data, filename=f"材料-{seed}.pdf", content_type="application/pdf", kind="pdf")


def populate(world, now: datetime, *, documents: int, files: int, file_size: int = 4096) -> list[int]:
    """Documents registered by the drafter; the first `files` of them each with a PDF material."""
    ids = []
    for i in range(documents):
        doc = make_document(world, now + timedelta(seconds=i), title=f"演练文件 {i + 1}")
        if i < files:
            add_attachment(
                doc,
                pdf(file_size, f"seed-{i}"),
                kind=AttachmentKind.OTHER,
                title="材料",
                actor=world["drafter"],
                now=now,
            )
        ids.append(doc.id)
    return ids


@dataclass
class Writer:
    """A thread registering documents with a material, one transaction each, until stopped.

    It notes what each transaction inserted (table, primary key) and when it committed, so the comparison can tell
    which rows the snapshot must hold: exactly those of the transactions committed before it."""

    app: object
    drafter_id: int
    issuer_id: int
    now: datetime
    inserted: list[dict[str, set[tuple]]] = field(default_factory=list)
    committed_at: list[float] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    error: BaseException | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        try:
            with self.app.app_context():
                session = _db.session()
                current: dict[str, set[tuple]] = {}

                @event.listens_for(session, "after_flush")
                def note(sess, flush_context):
                    for obj in sess.new:
                        mapper = sa.inspect(obj).mapper
                        key = mapper.primary_key_from_instance(obj)
                        current.setdefault(mapper.local_table.name, set()).add(tuple(key))

                drafter = session.get(User, self.drafter_id)
                n = 0
                while not self.stop.is_set():
                    n += 1
                    title = f"并发写入文件 {n}"
                    current.clear()
                    doc = register_draft(
                        DocumentData(
                            title=title,
                            kind=DocKind.GOVERNMENT,
                            issuer_id=self.issuer_id,
                            drafting_unit_id=drafter.unit_id,
                        ),
                        actor=drafter,
                        now=self.now,
                    )
                    add_attachment(
                        doc,
                        pdf(8192, f"writer-{n}"),
                        kind=AttachmentKind.OTHER,
                        title="材料",
                        actor=drafter,
                        now=self.now,
                    )
                    session.commit()
                    self.committed_at.append(time.monotonic())
                    self.inserted.append({table: set(keys) for table, keys in current.items()})
                    self.titles.append(title)
                    time.sleep(0.005)
                _db.session.remove()
        except BaseException as exc:  # reported by the test
            self.error = exc


def _value(v) -> str:
    return json.dumps(v, sort_keys=True, ensure_ascii=False, default=str)


def table_rows(engine: sa.Engine) -> dict[str, dict[tuple, dict[str, str]]]:
    """Every row of every table (the full-text index's internals aside): {table: {primary key: {column: value}}},
    each value as JSON text so that rows compare exactly."""
    out = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for name in sorted(inspector.get_table_names()):
            if name.startswith(FTS_PREFIX):
                continue
            pk = inspector.get_pk_constraint(name)["constrained_columns"]
            assert pk, f"table {name} has no primary key"
            rows = conn.execute(sa.text(f'SELECT * FROM "{name}"')).mappings().all()
            out[name] = {tuple(row[c] for c in pk): {c: _value(v) for c, v in row.items()} for row in rows}
    return out


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def sqlite_index_is_sound(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        conn.exec_driver_sql(f"INSERT INTO {FTS_PREFIX}({FTS_PREFIX}, rank) VALUES ('integrity-check', 1)")
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
