"""`flask word …`: render the Word outputs to files, check a template, rebuild the built-in ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from tracker.auth import towns
from tracker.cleanup import word as cleanup_word
from tracker.cleanup.models import CleanupCampaign
from tracker.common.timeutil import now_utc
from tracker.documents.models import Document
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.filing import word as filing_word
from tracker.outputs.build_templates import write_all
from tracker.outputs.kinds import spec_for
from tracker.reports import word as reports_word
from tracker.review import word as review_word
from tracker.solicitations import word as solicitations_word
from tracker.solicitations.models import Solicitation
from tracker.word.models import OutputKind
from tracker.word.render import check_template
from tracker.word.templates import DOCX_DIR

KIND_CHOICES = {
    "opinion": "opinion",
    "filing-report": "filing_report",
    "cleanup-catalogue": "cleanup_catalogue",
    "annual-statistics": "annual_statistics",
    "comment-reply": "comment_reply",
}


def _document(doc_id: int):

    doc = db.session.get(Document, doc_id)
    if doc is None:
        raise click.ClickException(f"没有编号（ID）为 {doc_id} 的文件。")
    return doc


def _write(out: Path, rendered) -> None:
    try:
        out.write_bytes(rendered.data)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {out}：{exc.strerror}") from None
    digest = hashlib.sha256(rendered.data).hexdigest()
    click.echo(f"{out}\t{len(rendered.data)} 字节\tsha256 {digest}\t模板 {rendered.template.label}")


def register_word_cli(app: Flask) -> None:
    word = AppGroup("word", help="Word documents (opinions, filing reports, catalogues, statistics, replies).")
    render = AppGroup("render", help="Render a Word output to a .docx file (not stored).")

    @render.command("opinion")
    @click.option("--document", "doc_id", required=True, type=int, help="文件 ID")
    @click.option("--round", "round_no", type=int, default=None, help="审查轮次（默认：最近一次出具意见书的轮次）")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx 路径")
    def render_opinion(doc_id: int, round_no: int | None, out: Path):
        """《规范性文件合法性审查意见书》 of a document."""
        doc = _document(doc_id)
        opinions = review_word.opinions_of(doc)
        if round_no is not None:
            opinions = [o for o in opinions if o.round.round_no == round_no]
        if not opinions:
            where = f"第 {round_no} 轮审查" if round_no is not None else "该文件"
            raise click.ClickException(f"《{doc.title}》：{where}尚未出具审查意见书，无法生成。")
        try:
            rendered = review_word.render_opinion(opinions[-1])
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        _write(out, rendered)

    @render.command("filing-report")
    @click.option("--document", "doc_id", required=True, type=int, help="文件 ID")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx 路径")
    def render_filing_report(doc_id: int, out: Path):
        """关于《…》的备案报告 of a published document."""
        doc = _document(doc_id)
        try:
            rendered = filing_word.render_filing_report(doc, now=now_utc())
        except DomainError as exc:
            raise click.ClickException(f"《{doc.title}》：{exc.message}") from None
        _write(out, rendered)

    @render.command("cleanup-catalogue")
    @click.option("--campaign", "campaign_id", required=True, type=int, help="清理 ID")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx 路径")
    def render_cleanup_catalogue(campaign_id: int, out: Path):
        """关于公布…结果的通知 with the result catalogue of a published clean-up campaign."""
        campaign = db.session.get(CleanupCampaign, campaign_id)
        if campaign is None:
            raise click.ClickException(f"没有编号（ID）为 {campaign_id} 的清理。")
        try:
            rendered = cleanup_word.render_cleanup_catalogue(campaign)
        except DomainError as exc:
            raise click.ClickException(f"“{campaign.name}”：{exc.message}") from None
        _write(out, rendered)

    @render.command("annual-statistics")
    @click.option("--year", required=True, type=click.IntRange(2000, 2100), help="年度")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx 路径")
    @click.option("--town", "town_name", help="镇街（系统只有一个镇街时可省略）")
    def render_annual_statistics(year: int, out: Path, town_name: str | None):
        """A town's figures of the year as a section of its annual report."""
        town = towns.by_name(town_name) if town_name else towns.the_only_town()
        if town is None:
            raise click.ClickException("请用 --town 指明镇街（flask towns list 列出全部）。")
        # Counted as the town's own request would count them: its records only (tracker/tenancy.py).
        with current_app.test_request_context():
            towns.enter_town(town)
            try:
                rendered = reports_word.render_annual_statistics(year, town=town.name, now=now_utc())
            except DomainError as exc:
                raise click.ClickException(exc.message) from None
        _write(out, rendered)

    @render.command("comment-reply")
    @click.option("--solicitation", "sol_id", required=True, type=int, help="征求意见 ID")
    @click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 .docx 路径")
    def render_comment_reply(sol_id: int, out: Path):
        """关于《…》的意见: the reply to a higher level's draft for comment."""
        sol = db.session.get(Solicitation, sol_id)
        if sol is None:
            raise click.ClickException(f"没有编号（ID）为 {sol_id} 的征求意见。")
        try:
            rendered = solicitations_word.render_comment_reply(sol, now=now_utc())
        except DomainError as exc:
            raise click.ClickException(f"《{sol.title}》：{exc.message}") from None
        _write(out, rendered)

    word.add_command(render)

    @word.command("check-template")
    @click.option("--kind", required=True, type=click.Choice(sorted(KIND_CHOICES)), help="模板类型")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def check_template_command(kind: str, path: Path):
        """Check an edited template as the upload page would (exit 1 with the reasons when it is refused)."""
        result = check_template(spec_for(OutputKind(KIND_CHOICES[kind])), path.read_bytes())
        if not result.ok:
            raise click.ClickException("模板未通过检查：" + "".join(result.problems))
        click.echo(f"模板通过检查，使用字段：{'、'.join(sorted(result.used))}")

    @word.command("build-templates")
    @click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path), help="默认为 tracker/word/docx")
    def build_templates_command(out_dir: Path | None):
        """Rebuild the built-in templates (version 0) from tracker/outputs/build_templates.py."""
        for path in write_all(out_dir or DOCX_DIR):
            click.echo(str(path))

    app.cli.add_command(word)
