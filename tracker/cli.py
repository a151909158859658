"""Command-line interface: setup, demo data, calendar, scheduler."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, time
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.alerts.scan import scan
from tracker.audit.chain import verify as verify_chain
from tracker.audit.cli import register_audit_cli
from tracker.auth import towns
from tracker.auth.models import Role, TownKind, Unit, UnitKind, User
from tracker.auth.passwords import password_problem
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.backup.cli import register_backup_cli
from tracker.cleanup.services import open_due_evaluations
from tracker.common.planner import refresh_statistics
from tracker.common.timeutil import now_utc, office_today, office_tz
from tracker.demo import load_demo, print_logins
from tracker.documents.structure import parse
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.files.uploads import check_upload, docx_paragraphs
from tracker.outputs.cli import register_word_cli
from tracker.review.precheck import precheck
from tracker.rules.calendar import ScheduleError, parse_schedule_csv
from tracker.rules.services import import_schedule, load_calendar
from tracker.scheduler import run
from tracker.scheduler.jobs import run_once
from tracker.setup import ensure_reference_data
from tracker.transfer import plan as transfer_plan
from tracker.transfer.archive import TransferError
from tracker.transfer.exporter import export_town
from tracker.transfer.importer import import_town


def register(app: Flask) -> None:
    @app.cli.command("setup")
    def setup_command():
        """Insert the default rule set, settings and conclusions that are missing (safe to repeat)."""
        added = ensure_reference_data(now_utc())
        refresh_statistics()
        db.session.commit()
        click.echo(f"reference data: added={added}")

    demo = AppGroup("demo", help="Demo data.")

    @demo.command("load")
    def demo_load():
        """Load the demo town into an empty database (refuses a non-empty one)."""

        if db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            click.echo("数据库中已有数据，未加载演示数据。", err=True)
            sys.exit(1)
        load_demo(now=now_utc())
        db.session.commit()
        click.echo("演示数据已加载。")
        print_logins()

    @demo.command("load-if-empty")
    def demo_load_if_empty():
        """Used by `make run`: load the demo town only when the database has no users.

        The logins are not printed here: scripts/run-dev.sh prints them once, when the server is up.
        """

        if not db.session.scalar(sa.select(sa.func.count()).select_from(User)):
            load_demo(now=now_utc())
            db.session.commit()
            click.echo("演示数据已加载。")

    @demo.command("logins")
    def demo_logins():
        """Print the demo logins."""

        print_logins()

    app.cli.add_command(demo)

    users = AppGroup("users", help="User accounts.")

    @users.command("create-admin")
    @click.argument("username")
    @click.option("--name", "display_name", required=True, help="姓名")
    @click.option("--unit", "unit_name", required=True, help="所在单位名称（不存在则新建）")
    @click.option("--town", "town_name", help="所在镇街（系统只有一个镇街时可省略）")
    @click.password_option(prompt="密码")
    def create_admin(username, display_name, unit_name, town_name, password):
        """Create an administrator of a town (the first account of a new installation or a new town), or of the city
        (--town naming the city): the city's administrator keeps the city's accounts and the install's
        configuration that every town shares."""

        problem = password_problem(password, username=username)
        if problem:
            raise click.ClickException(problem)
        now = now_utc()
        town = towns.by_name(town_name) if town_name else towns.the_only_town()
        if town is None:
            raise click.ClickException("请用 --town 指明管理员所在的镇街（flask towns list 列出全部）。")
        unit = db.session.scalar(sa.select(Unit).where(Unit.town_id == town.id, Unit.name == unit_name))
        if unit is None:
            unit = Unit(name=unit_name, kind=UnitKind.DEPARTMENT, can_draft=True, created_at=now, town_id=town.id)
            db.session.add(unit)
            db.session.flush()
        try:
            create_user(
                actor=SYSTEM,
                now=now,
                username=username,
                display_name=display_name,
                role=Role.CITY_ADMIN if town.kind is TownKind.CITY else Role.ADMIN,
                unit_id=unit.id,
                password=password,
            )
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"{'市级系统管理员' if town.kind is TownKind.CITY else '管理员'} {username} 已创建（{town.name}）。")

    app.cli.add_command(users)

    town_group = AppGroup("towns", help="The city and its towns and streets.")

    @town_group.command("list")
    def towns_list():
        """Print one organisation a line: id, kind, name, and the city it belongs to."""
        names = {t.id: t.name for t in towns.all_towns()}
        for town in towns.all_towns():
            above = f"\t{names[town.parent_id]}" if town.parent_id else ""
            click.echo(f"{town.id}\t{town.kind.label}\t{town.name}{above}")

    @town_group.command("add")
    @click.argument("name")
    @click.option("--kind", type=click.Choice(["town", "street"]), default="town", show_default=True)
    def towns_add(name, kind):
        """Add a town or street to the city (its units and administrator come next: users create-admin --town)."""

        city = next((t for t in towns.all_towns() if t.kind is TownKind.CITY), None)
        try:
            town = towns.create_town(name=name, kind=TownKind(kind), parent=city, now=now_utc())
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"已添加{town.kind.label}：{town.name}（编号 {town.id}）")

    @town_group.command("rename")
    @click.argument("old")
    @click.argument("new")
    def towns_rename(old, new):
        """Rename the city or a town (the first migration names them from CITY_NAME and TOWN_NAME)."""

        town = towns.by_name(old)
        if town is None:
            raise click.ClickException(f"没有名为“{old}”的市或镇街。")
        try:
            towns.rename(town, new)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        db.session.commit()
        click.echo(f"已更名：{old} → {town.name}")

    @town_group.command("export")
    @click.option("--town", "town_name", default=None, help="镇街名称（本系统只有一个镇街时可省略）")
    @click.option(
        "--out",
        type=click.Path(path_type=Path),
        default=Path("."),
        show_default=True,
        help="导出文件，或放导出文件的文件夹",
    )
    def towns_export(town_name, out):
        """Export one town (its people, documents, numbers, files, audit trail) for another install to import."""
        options = {"isolation_level": "REPEATABLE READ"} if db.engine.dialect.name == "postgresql" else {}
        try:
            with db.engine.connect().execution_options(**options) as connection, connection.begin():
                path, manifest = export_town(
                    connection,
                    town=town_name,
                    out=out,
                    upload_dir=Path(current_app.config["UPLOAD_DIR"]),
                    now=now_utc(),
                )
        except TransferError as exc:
            raise click.ClickException(exc.message) from None
        tables = manifest.tables
        click.echo(f"已导出{manifest.town['name']}：{path}")
        click.echo(
            f"文件 {tables['documents']['rows']} 件，用户 {tables['users']['rows']} 人，"
            f"单位 {tables['units']['rows']} 个，"
            f"附件等文件 {tables['stored_files']['rows']} 个，审计事件 {manifest.audit['events']} 条"
            f"（审计链完整，链头第 {manifest.audit['head_seq']} 条）。"
        )

    @town_group.command("import")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--name", default=None, help="导入后的镇街名称（默认沿用原名）")
    @click.option("--dry-run", is_flag=True, help="只检查并试导入，最后全部撤销")
    def towns_import(archive, name, dry_run):
        """Import a town exported by another install into this install's city, checked by counts and checksums."""
        try:
            report = import_town(
                archive=archive,
                upload_dir=Path(current_app.config["UPLOAD_DIR"]),
                now=now_utc(),
                name=name,
                dry_run=dry_run,
            )
        except TransferError as exc:
            raise click.ClickException(exc.message) from None
        head = "试导入通过（已全部撤销，未写入）" if report.dry_run else f"已导入{report.town}（编号 {report.town_id}）"
        click.echo(f"{head}：逐表行数与内容摘要、{report.files} 个文件的校验和均与导出文件一致。")
        for table, count in report.tables.items():
            if count:
                click.echo(f"  {transfer_plan.LABELS.get(table, table)}\t{count}")
        click.echo(f"  审计事件 {report.events} 条已接入本系统的审计链；编号计数 {report.counters} 项。")
        if report.laws_added:
            click.echo(f"  法律依据目录新增 {len(report.laws_added)} 部：{'、'.join(report.laws_added)}")
        if report.settings:
            click.echo(f"  沿用原系统的设置（作为该镇街自己的设置）：{'、'.join(report.settings)}")
        for note in report.notes:
            click.echo(f"  注意：{note}")
        if not report.dry_run:
            with db.engine.connect() as connection:
                click.echo(verify_chain(connection).line())

    app.cli.add_command(town_group)

    cal = AppGroup("calendar", help="Working-day calendar.")

    @cal.command("due")
    @click.option("--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
    @click.option("--days", required=True, type=int)
    @click.option("--unit", type=click.Choice(["wd", "cd"]), default="wd", show_default=True)
    def calendar_due(start, days, unit):
        """Print the due date (ISO), followed by ' provisional' when it depends on an unconfirmed year."""

        try:
            due = load_calendar().due(start.date(), days, unit)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(due.day.isoformat() + (" provisional" if due.provisional else ""))

    @cal.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--complete", is_flag=True, help="文件为所涉年度的全年完整安排（确认这些年度）")
    def calendar_import(path: Path, complete: bool):
        """Load an official schedule CSV (date,kind,source); a malformed file is refused whole.

        A year is confirmed when the file covers all its statutory holidays, or with --complete."""

        try:
            entries = parse_schedule_csv(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise click.ClickException("文件不是 UTF-8 编码的 CSV，未导入。") from None
        except ScheduleError as exc:
            raise click.ClickException(f"{exc}（整个文件未导入）") from None
        years = {e.day.year for e in entries} if complete else set()
        report = import_schedule(entries, actor=SYSTEM, now=now_utc(), complete_years=years)
        db.session.commit()
        for line in report.lines():
            click.echo(line)

    app.cli.add_command(cal)

    dl = AppGroup("deadlines", help="Deadlines and alerts.")

    @dl.command("scan")
    @click.option(
        "--date",
        "day",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="the day to scan (default: today in the office's time zone)",
    )
    def deadlines_scan(day):
        """Scan deadlines for a day and print created=N resolved=M open=K (idempotent)."""

        now = _at_office_time(day.date(), 6, 30) if day else now_utc()
        # The same work as the daily job: evaluations that came due are opened, then the scan.
        open_due_evaluations(today=office_today(now), now=now)
        result = scan(today=office_today(now), now=now)
        db.session.commit()
        click.echo(result.line())

    app.cli.add_command(dl)

    jobs = AppGroup("jobs", help="Run a scheduled job by hand (the same function the scheduler calls).")

    @jobs.command("run")
    @click.argument(
        "job_id", type=click.Choice(["daily_effects", "deadline_scan", "reminders", "periodic_cleanup", "backup"])
    )
    @click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
    @click.option("--force", is_flag=True, help="run even if it already ran that day")
    def jobs_run(job_id, day, force):

        summary = run_once(job_id, now=_at_office_time(day.date(), 9, 0) if day else None, force=force)
        click.echo(summary if summary is not None else f"{job_id}: already ran (or failed; see the log)")

    app.cli.add_command(jobs)

    sched = AppGroup("scheduler", help="The background scheduler (its own process).")

    @sched.command("run")
    def scheduler_run():
        """Run the scheduler in the foreground (Ctrl-C stops it)."""

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        run(app)

    app.cli.add_command(sched)

    review = AppGroup("review", help="Legality review helpers.")

    @review.command("precheck")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def review_precheck(path: Path):
        """Pre-check a draft (.docx): one flag a line, REFERENCE<TAB>POINT<TAB>RULE<TAB>MATCHED WORDS."""

        try:
            checked = check_upload(path.read_bytes(), path.name, docx_only=True)
            structure = parse(docx_paragraphs(checked.data))
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        for flag in precheck(structure):
            click.echo(flag.line())

    app.cli.add_command(review)

    register_word_cli(app)

    register_audit_cli(app)
    register_backup_cli(app)


def _at_office_time(day, hour: int, minute: int):

    return datetime.combine(day, time(hour, minute), office_tz()).astimezone(now_utc().tzinfo)
