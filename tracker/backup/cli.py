"""`flask backup create|verify|restore`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.audit.chain import verify as verify_chain
from tracker.backup.archive import BackupError, Manifest, restore_backup, verify_backup
from tracker.backup.services import take_backup
from tracker.common.timeutil import now_utc
from tracker.extensions import db


def _describe(manifest: Manifest) -> str:
    rows = sum(manifest.tables.values())
    head = manifest.audit_head
    chain = f"，审计链头第 {head['seq']} 条 {head['hash']}" if head else ""
    return (
        f"{manifest.created_at} 的 {manifest.dialect} 备份：{len(manifest.tables)} 张表 {rows} 行，"
        f"上传文件 {manifest.upload_count} 个，迁移版本 {manifest.revision or '（无）'}{chain}"
    )


def register_backup_cli(app: Flask) -> None:
    group = AppGroup("backup", help="Backups of the database and the upload folder.")

    @group.command("create")
    @click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="folder for the archive (default: BACKUP_DIR)",
    )
    def create_command(out_dir):
        """Write one archive (.tar.gz): database snapshot, upload folder, manifest of SHA-256 checksums."""
        try:
            path = take_backup(now=now_utc(), out_dir=out_dir)
            manifest = verify_backup(path, pg_bin_dir=current_app.config.get("PG_BIN_DIR", ""))
        except BackupError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"备份已写入 {path}")
        click.echo(_describe(manifest))

    @group.command("verify")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    def verify_command(archive):
        """Check an archive: every member present and unchanged, the database snapshot readable."""
        try:
            manifest = verify_backup(archive, pg_bin_dir=current_app.config.get("PG_BIN_DIR", ""))
        except BackupError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        click.echo(f"备份完好：{_describe(manifest)}")

    @group.command("restore")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    def restore_command(archive):
        """Restore an archive into this instance, whose database and upload folder must be empty."""
        config = current_app.config
        try:
            manifest = restore_backup(
                archive,
                engine=db.engine,
                upload_dir=Path(config["UPLOAD_DIR"]),
                pg_bin_dir=config.get("PG_BIN_DIR", ""),
            )
        except BackupError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        click.echo(f"已恢复：{_describe(manifest)}")
        with db.engine.connect() as conn:
            click.echo(verify_chain(conn).line())

    app.cli.add_command(group)
