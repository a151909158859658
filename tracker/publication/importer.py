"""Importing documents issued before the system from the office's old .xlsx register.

The whole file is checked first; a preview shows every row with its errors; nothing is written while any
row is bad. Each imported document goes through the lifecycle (补录 → 施行 → 终止) so its timeline is honest.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.auth.models import Unit
from tracker.auth.permissions import SYSTEM, may
from tracker.common.timeutil import office_today
from tracker.documents.models import DocKind, Document, TrialKind
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.ooxml import MB, Limits, check_workbook
from tracker.filing import services as filing_services
from tracker.filing.models import FilingResult
from tracker.publication import series
from tracker.publication import services as pub_services
from tracker.publication.models import Publication
from tracker.workflow.service import apply

MAX_ROWS = 5000
# Rows read, blank ones included, before the import stops: a sheet that declares A1:XFD1048576, or has one cell
# in its last row, is refused after MAX_SHEET_ROWS rows instead of walking a million of them.
MAX_SHEET_ROWS = 2 * MAX_ROWS
MAX_COLUMNS = 100
WORKBOOK_LIMITS = Limits(total_bytes=64 * MB, xml_part_bytes=16 * MB)
COLUMNS = {
    "文件名称": "title",
    "发文机关": "issuer",
    "起草单位": "drafting_unit",
    "发文字号": "issue_number",
    "规范性文件编号": "normative_number",
    "签发日期": "signed_on",
    "发布日期": "published_on",
    "施行日期": "effective_on",
    "有效期至": "validity_end_on",
    "状态": "state",
    "终止日期": "ended_on",
    "备案日期": "filed_on",
    "备案结果": "filing_result",
}
# A document of the old register may have no 规范性文件编号 (docs/rules.md §4): it is imported without one, marked so.
REQUIRED = ("title", "issuer", "drafting_unit", "issue_number", "published_on", "effective_on")
DATE_FIELDS = ("signed_on", "published_on", "effective_on", "validity_end_on", "ended_on", "filed_on")
STATES = {
    "施行中": "in_force",
    "已废止": "repeal",
    "已宣布失效": "declare_invalid",
    "宣布失效": "declare_invalid",
    "已失效": "expire",
    "有效期届满": "expire",
    "已发布待施行": "published",
}
RESULTS = {r.label: r for r in FilingResult}


@dataclass
class RowResult:
    row_no: int
    values: dict
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[RowResult]
    file_errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


def _cell_date(value, label: str, errors: list[str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        return date.fromisoformat("-".join(p.zfill(2) for p in text.split("-")))
    except ValueError:
        errors.append(f"{label}“{value}”不是有效日期")
        return None


def parse_register(data: bytes, *, today: date) -> Preview:
    from openpyxl import load_workbook

    unreadable = Preview([], ["无法读取该 Excel 文件（须为 .xlsx）。"])
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return unreadable
    try:
        check_workbook(zf, data, "Excel 表格", limits=WORKBOOK_LIMITS, cells_per_row=MAX_COLUMNS)
    except ValidationFailed as exc:
        return Preview([], [exc.message])
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        return unreadable
    # The size the sheet declares is not trusted: only the rows present are read, at most MAX_COLUMNS wide.
    ws.reset_dimensions()
    rows = ws.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    header = next(rows, None)
    if not header:
        return Preview([], ["表格是空的。"])
    names = [str(h).strip() if h is not None else "" for h in header]
    index = {COLUMNS[n]: i for i, n in enumerate(names) if n in COLUMNS}
    missing = [n for n, key in COLUMNS.items() if key in REQUIRED and key not in index]
    if missing:
        return Preview([], ["缺少必需的列：" + "、".join(missing) + "（首行为列名）。"])
    units = {u.name: u for u in db.session.scalars(sa.select(Unit))}
    existing_issue = set(db.session.scalars(sa.select(Publication.issue_number)))
    existing_norm = set(db.session.scalars(sa.select(Publication.normative_number)))
    seen_issue: dict[str, int] = {}
    seen_norm: dict[str, int] = {}
    out: list[RowResult] = []
    for row_no, raw in enumerate(rows, start=2):
        if row_no > MAX_SHEET_ROWS:
            return Preview(
                [],
                [f"表格超过 {MAX_SHEET_ROWS} 行（空行也计入；一次最多导入 {MAX_ROWS} 件），请删除多余的行后重新上传。"],
            )
        if raw is None or all(v in (None, "") for v in raw):
            continue
        if len(out) >= MAX_ROWS:
            return Preview(out, [f"一次最多导入 {MAX_ROWS} 行。"])
        v = {key: (raw[i] if i < len(raw) else None) for key, i in index.items()}
        r = RowResult(row_no, v)
        for key in REQUIRED:
            if v.get(key) in (None, ""):
                r.errors.append(f"缺少{next(n for n, k in COLUMNS.items() if k == key)}")
        for key in DATE_FIELDS:
            v[key] = _cell_date(v.get(key), next(n for n, k in COLUMNS.items() if k == key), r.errors)
        title = str(v.get("title") or "").strip()
        v["title"] = title
        if len(title) > 300:
            r.errors.append("文件名称超过 300 字")
        issuer = units.get(str(v.get("issuer") or "").strip())
        if v.get("issuer") and (issuer is None or not issuer.can_issue):
            r.errors.append(f"发文机关“{v.get('issuer')}”不在单位名单中或不能发文")
        drafter = units.get(str(v.get("drafting_unit") or "").strip())
        if v.get("drafting_unit") and (drafter is None or not drafter.can_draft):
            r.errors.append(f"起草单位“{v.get('drafting_unit')}”不在单位名单中")
        v["issuer_unit"], v["drafting_unit_obj"] = issuer, drafter
        # Real old numbers in any series (沙府〔2019〕3号, 沙府规字〔2019〕1号, an older 代字): read off the number.
        for key, which, existing, seen in (
            ("issue_number", series.ISSUE, existing_issue, seen_issue),
            ("normative_number", series.NORMATIVE, existing_norm, seen_norm),
        ):
            label = series.LABELS[which]
            number = str(v.get(key) or "").strip()
            v[f"{key}_series"] = None
            if not number:
                v[key] = None
                continue
            try:
                read = series.read_typed(number, which)
            except ValidationFailed as exc:
                r.errors.append(exc.message.rstrip("。"))
                continue
            v[key], v[f"{key}_series"] = read.number, read
            if read.number in existing:
                r.errors.append(f"{label}“{read.number}”已在系统中")
            elif read.number in seen:
                r.errors.append(f"{label}“{read.number}”与第 {seen[read.number]} 行重复")
            seen.setdefault(read.number, row_no)
        issue_read, norm_read = v["issue_number_series"], v["normative_number_series"]
        signed = v["signed_on"]
        if issue_read is not None and signed and issue_read.year != signed.year:
            r.errors.append(f"发文字号“{issue_read.number}”的年份与签发日期（{signed.isoformat()}）不在同一年")
        years = {d.year for d in (signed, v["published_on"]) if d}
        if norm_read is not None and years and norm_read.year not in years:
            r.errors.append(f"规范性文件编号“{norm_read.number}”的年份与签发、发布日期都不在同一年")
        pub_on, eff_on, end_on = v["published_on"], v["effective_on"], v["validity_end_on"]
        if pub_on and pub_on > today:
            r.errors.append("发布日期晚于今天")
        if pub_on and eff_on and eff_on < pub_on:
            r.errors.append("施行日期早于发布日期")
        if v["signed_on"] and pub_on and v["signed_on"] > pub_on:
            r.errors.append("签发日期晚于发布日期")
        if end_on and eff_on and end_on <= eff_on:
            r.errors.append("有效期截止日期不晚于施行日期")
        state_text = str(v.get("state") or "").strip()
        if state_text and state_text not in STATES:
            r.errors.append(f"状态“{state_text}”无法识别（可填：{'、'.join(STATES)}）")
        v["action"] = STATES.get(state_text) or ("in_force" if eff_on and eff_on <= today else "published")
        if v["action"] in ("repeal", "declare_invalid") and not v["ended_on"]:
            r.errors.append("已废止或宣布失效的文件须填写终止日期")
        if v["action"] == "expire" and not end_on:
            r.errors.append("已失效的文件须填写有效期至")
        if v["action"] in ("in_force", "repeal", "declare_invalid", "expire") and eff_on and eff_on > today:
            r.errors.append("施行日期尚未到，状态不能为施行中或已终止")
        result_text = str(v.get("filing_result") or "").strip()
        if result_text and result_text not in RESULTS:
            r.errors.append(f"备案结果“{result_text}”无法识别")
        if result_text and not v["filed_on"]:
            r.errors.append("有备案结果的须填写备案日期")
        if v["filed_on"] and pub_on and v["filed_on"] < pub_on:
            r.errors.append("备案日期早于发布日期")
        if v["filed_on"] and v["filed_on"] > today:
            r.errors.append("备案日期晚于今天")
        if v["ended_on"] and pub_on and v["ended_on"] < pub_on:
            r.errors.append("终止日期早于发布日期")
        if v["ended_on"] and v["ended_on"] > today:
            r.errors.append("终止日期晚于今天")
        if v["action"] == "expire" and end_on and end_on >= today:
            r.errors.append("有效期尚未届满，状态不能为已失效")
        v["filing_result_enum"] = RESULTS.get(result_text)
        out.append(r)
    if not out:
        return Preview([], ["表格中没有数据行。"])
    return Preview(out)


def import_register(preview: Preview, *, actor, now: datetime) -> list[Document]:
    """Write every row, or nothing: the caller commits only when this returns."""
    if not may(actor, "office"):
        raise PermissionDenied("只有党政办文秘可以补录已发布文件。")
    if not preview.ok:
        raise ValidationFailed(f"有 {len(preview.bad_rows)} 行存在错误，未导入任何数据。请修改后重新上传。")
    docs = []
    for row in preview.rows:
        docs.append(_import_row(row.values, actor=actor, now=now))
    return docs


def _import_row(v: dict, *, actor, now: datetime) -> Document:
    issuer, drafter = v["issuer_unit"], v["drafting_unit_obj"]
    doc = Document(
        town_id=actor.town_id,
        title=v["title"],
        kind=DocKind.GOVERNMENT,
        issuer_id=issuer.id,
        drafting_unit_id=drafter.id,
        trial_kind=TrialKind.INTERIM
        if "暂行" in v["title"]
        else (TrialKind.TRIAL if "试行" in v["title"] else TrialKind.NONE),
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        "document.import",
        actor=actor,
        now=now,
        object_type="document",
        object_id=doc.id,
        document_id=doc.id,
        summary=f"从原登记簿补录《{doc.title}》",
    )
    issue, norm = v["issue_number_series"], v["normative_number_series"]
    series.reserve(issue.scope(series.ISSUE), issue.year, issue.seq)
    if norm is not None:
        series.reserve(norm.scope(series.NORMATIVE), norm.year, norm.seq)
    pub = Publication(
        document_id=doc.id,
        signed_on=v["signed_on"] or v["published_on"],
        signer="",
        issue_scope=issue.scope(series.ISSUE),
        issue_year=issue.year,
        issue_seq=issue.seq,
        issue_number=issue.number,
        normative_scope=norm.scope(series.NORMATIVE) if norm else None,
        normative_year=norm.year if norm else None,
        normative_seq=norm.seq if norm else None,
        normative_number=norm.number if norm else None,
        numbers_entered_by_hand=True,
        published_on=v["published_on"],
        channel="原登记簿补录",
        effective_on=v["effective_on"],
        validity_end_on=v["validity_end_on"],
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(pub)
    db.session.flush()
    apply(
        doc,
        "register_existing",
        actor=actor,
        now=now,
        note=f"{pub.issue_number}，{pub.normative_number or '无规范性文件编号'}，{pub.published_on.isoformat()} 发布",
    )
    pub_services.open_filing(doc, pub)
    if v["filed_on"]:
        filing_services.submit(
            doc,
            actor=actor,
            now=now,
            submitted_on=v["filed_on"],
            method="原登记簿补录",
            system_ref="",
            check_packet=False,
        )
        if v["filing_result_enum"] is not None:
            filing_services.record_result(
                doc,
                actor=actor,
                now=now,
                result=v["filing_result_enum"],
                result_on=v["filed_on"],
                note="原登记簿补录" if v["filing_result_enum"] in filing_services.NEEDS_CORRECTION else "",
            )
    if v["action"] != "published" and v["effective_on"] <= office_today(now):
        pub_services.take_effect(doc, actor=SYSTEM, now=now)
    if v["action"] in ("repeal", "declare_invalid"):
        pub_services.end_document(doc, v["action"], actor=actor, now=now, on=v["ended_on"], reason="原登记簿补录")
    elif v["action"] == "expire":
        pub_services.expire(doc, actor=SYSTEM, now=now)
    return doc
