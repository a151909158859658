"""Files on disk under generated names; the original (Chinese) name is kept in the database for download."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app

from tracker.extensions import db
from tracker.files.models import StoredFile


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(stored: StoredFile) -> Path:
    return upload_dir() / stored.storage_name[:2] / stored.storage_name


def store_bytes(data: bytes, *, original_name: str, content_type: str, actor, now: datetime) -> StoredFile:
    """Write the bytes (atomically: temp file + rename) and record them; the name on disk is random."""
    suffix = Path(original_name).suffix.lower()[:10] if "." in original_name else ""
    storage_name = secrets.token_hex(16) + suffix
    target = upload_dir() / storage_name[:2] / storage_name
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    stored = StoredFile(
        storage_name=storage_name,
        original_name=original_name[:255],
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(stored)
    db.session.flush()
    return stored
