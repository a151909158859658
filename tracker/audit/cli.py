"""`flask audit verify`: walk the hash chain of the audit events and name the first broken one."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from tracker.audit.chain import verify
from tracker.extensions import db


def _anchor(ctx, param, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise click.BadParameter("格式为 链序号:哈希，例如 120:9f86d0…（64 位十六进制）。")
    return int(seq), digest.lower()


def register_audit_cli(app: Flask) -> None:
    group = AppGroup("audit", help="The audit trail.")

    @group.command("verify")
    @click.option("--anchor", callback=_anchor, help="a chain head printed earlier (SEQ:HASH) that must still hold")
    def verify_command(anchor):
        """Check every audit event against the hash chain; exit 1 and name the first broken event if any."""
        with db.engine.connect() as conn:
            report = verify(conn, anchor=anchor)
        click.echo(report.line())
        if not report.ok:
            sys.exit(1)

    app.cli.add_command(group)
