"""Taking a backup with the instance's settings, and the nightly job's work (a backup, then old ones removed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app

from tracker.backup.archive import create_backup, prune
from tracker.extensions import db


def take_backup(*, now: datetime, out_dir: Path | None = None) -> Path:
    config = current_app.config
    return create_backup(
        engine=db.engine,
        upload_dir=Path(config["UPLOAD_DIR"]),
        out_dir=out_dir or Path(config["BACKUP_DIR"]),
        now=now,
        pg_bin_dir=config.get("PG_BIN_DIR", ""),
    )


def nightly_backup(now: datetime) -> str:
    """The scheduled job: a backup into BACKUP_DIR, then all but the newest BACKUP_KEEP archives removed."""
    out_dir = Path(current_app.config["BACKUP_DIR"])
    path = take_backup(now=now, out_dir=out_dir)
    removed = prune(out_dir, keep=current_app.config["BACKUP_KEEP"])
    return f"archive={path.name} removed={len(removed)}"
