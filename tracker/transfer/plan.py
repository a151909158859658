"""What moves with a town from one install to another, table by table, and how its rows are found.

Every table of the schema has one place here (tests/transfer/test_plan.py holds a new table to that):

- TOWN_TABLES: the rows whose `town_id` is the town's;
- CHILDREN: the rows that belong to a moving row through one column (a document's publications, a round's
  findings, a user's saved searches);
- generated_documents: of a moving document, or of a moving record named by (object_type, object_id);
- stored_files: the files a moving row names;
- MATCHED: rows every town of an install shares, found in the other install by their natural key;
- SPECIAL: number counters and settings, carried by their own rules (tracker/transfer/importer.py);
- LEFT: what stays behind, each with its reason.

The same selection reads the town in the install it leaves and again in the install it joins, so the import
checks that what arrived is what left (counts and content digests per table).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime

import sqlalchemy as sa

from tracker.db import Base

TOWN_TABLES = (
    "units",
    "users",
    "town_rules",
    "documents",
    "solicitations",
    "cleanup_campaigns",
    "alerts",
    "audit_events",
)

# table -> (column, table of the row it belongs to)
CHILDREN = {
    "api_tokens": ("user_id", "users"),
    "reminder_sends": ("user_id", "users"),
    "saved_filters": ("user_id", "users"),
    "number_patterns": ("unit_id", "units"),
    "attachments": ("document_id", "documents"),
    "consultations": ("document_id", "documents"),
    "document_bases": ("document_id", "documents"),
    "document_relations": ("source_id", "documents"),
    "document_search": ("document_id", "documents"),
    "document_versions": ("document_id", "documents"),
    "publications": ("document_id", "documents"),
    "evaluations": ("document_id", "documents"),
    "filings": ("document_id", "documents"),
    "procedure_checks": ("document_id", "documents"),
    "review_rounds": ("document_id", "documents"),
    "deliberations": ("document_id", "documents"),
    "cleanup_items": ("campaign_id", "cleanup_campaigns"),
    "consultation_comments": ("consultation_id", "consultations"),
    "filing_attempts": ("filing_id", "filings"),
    "findings": ("round_id", "review_rounds"),
    "opinions": ("round_id", "review_rounds"),
    "review_point_results": ("round_id", "review_rounds"),
    "precheck_flags": ("round_id", "review_rounds"),
}

GENERATED, FILES = "generated_documents", "stored_files"

# Shared by the towns of an install: found in the other one by this column (a missing law is added there).
MATCHED = {"conclusions": "label", "legal_sources": "title"}

SPECIAL = ("number_counters", "settings")

LEFT = {
    "towns": "the town itself is made anew under the city it joins",
    "city_campaigns": "a clean-up the old city deployed: the town's own campaign moves, without the link",
    "rules": "time limits are the install's: the city's apply",
    "precheck_rules": "pre-check rules are the install's",
    "calendar_days": "the working-day calendar is the install's",
    "calendar_years": "the working-day calendar is the install's",
    "template_versions": "Word templates are the install's",
    "audit_chain_heads": "the joining install's chain seals the town's events",
    "record_stamps": "the joining install stamps its own figures",
    "job_runs": "the old install's scheduler runs",
    "login_failures": "a lock-out counts in the install where it happened",
}

# What an (object_type, object_id) pair names: audit events and generated documents.
OBJECT_TABLES = {
    "api_token": "api_tokens",
    "attachment": "attachments",
    "cleanup_campaign": "cleanup_campaigns",
    "cleanup_item": "cleanup_items",
    "consultation": "consultations",
    "consultation_comment": "consultation_comments",
    "deliberation": "deliberations",
    "document": "documents",
    "document_basis": "document_bases",
    "document_relation": "document_relations",
    "document_version": "document_versions",
    "evaluation": "evaluations",
    "filing": "filings",
    "filing_attempt": "filing_attempts",
    "finding": "findings",
    "generated_document": "generated_documents",
    "legal_source": "legal_sources",
    "opinion": "opinions",
    "precheck_flag": "precheck_flags",
    "procedure_check": "procedure_checks",
    "publication": "publications",
    "review_round": "review_rounds",
    "solicitation": "solicitations",
    "town_rule": "town_rules",
    "unit": "units",
    "user": "users",
}

# An alert's subject key names its record (tracker/*/queries.py due_items): "round:12", "evaluation:7:2027-03-01".
ALERT_KEYS = {
    "round": "review_rounds",
    "deliberation": "review_rounds",
    "effect": "publications",
    "evaluation": "publications",
    "revision": "cleanup_items",
    "evaluation-revision": "evaluations",
    "filing": "filings",
    "correction": "filing_attempts",
    "city_review": "filings",
    "solicitation": "solicitations",
    "cleanup": "cleanup_campaigns",
}
# A "deadline changed" notice's key starts with its document: "41:报备期限:2027-01-08".
NOTICE_KIND = "deadline_changed"

# Columns whose values are keys of the install they were written in; the importer rewrites them.
REMAPPED = {
    "audit_events": ("object_id", "chain_seq", "chain_prev", "chain_hash"),
    "generated_documents": ("object_id",),
    "alerts": ("subject_key",),
}

# Tables whose rows are written after every other (their keys name any other table's rows).
LAST = ("generated_documents", "alerts", "audit_events")

LABELS = {
    "units": "单位",
    "users": "用户",
    "town_rules": "本镇街自定时限",
    "documents": "规范性文件",
    "solicitations": "上级征求意见",
    "cleanup_campaigns": "清理活动",
    "alerts": "期限提醒",
    "audit_events": "审计事件",
    "api_tokens": "接口令牌",
    "reminder_sends": "提醒发送记录",
    "saved_filters": "保存的查询",
    "number_patterns": "编号规则",
    "attachments": "附件",
    "consultations": "征求意见",
    "document_bases": "制定依据",
    "document_relations": "文件关系",
    "document_search": "检索索引",
    "document_versions": "文本版本",
    "publications": "登记发布",
    "evaluations": "评估",
    "filings": "备案",
    "procedure_checks": "程序材料",
    "review_rounds": "合法性审核",
    "deliberations": "集体审议",
    "cleanup_items": "清理事项",
    "consultation_comments": "征求意见反馈",
    "filing_attempts": "报备记录",
    "findings": "审核意见条目",
    "opinions": "审核意见书",
    "review_point_results": "审核要点结论",
    "precheck_flags": "预审提示",
    "generated_documents": "生成的文书",
    "stored_files": "文件",
    "legal_sources": "法律依据目录",
    "conclusions": "审核结论",
}


def table(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def moving() -> list[str]:
    """The tables whose rows move, in an order where every row comes after the rows it names."""
    names = set(TOWN_TABLES) | set(CHILDREN) | {GENERATED, FILES}
    ordered = [t.name for t in Base.metadata.sorted_tables if t.name in names and t.name not in LAST]
    return ordered + [name for name in LAST if name in names]


def key_column(t: sa.Table) -> sa.Column:
    """The column a row is known by: its id (document_search: its document)."""
    return t.c.id if "id" in t.c else t.c.document_id


def conditions(town_id: int) -> dict[str, sa.ColumnElement[bool]]:
    """For each moving table, the condition its rows of the town meet (subqueries on the rows they belong to)."""
    where: dict[str, sa.ColumnElement[bool]] = {}

    def ids(name: str) -> sa.Select:
        t = table(name)
        return sa.select(key_column(t)).where(where[name])

    for name in TOWN_TABLES:
        where[name] = table(name).c.town_id == town_id
    for name in [n for n in moving() if n in CHILDREN]:
        column, parent = CHILDREN[name]
        where[name] = table(name).c[column].in_(ids(parent))
    generated = table(GENERATED)
    where[GENERATED] = sa.or_(
        generated.c.document_id.in_(ids("documents")),
        *(
            sa.and_(generated.c.object_type == kind, generated.c.object_id.in_(ids(name)))
            for kind, name in OBJECT_TABLES.items()
            if name in where
        ),
    )
    files = table(FILES)
    naming = [
        sa.select(fk.parent).where(where[t.name], fk.parent.is_not(None))
        for t in Base.metadata.sorted_tables
        if t.name in where
        for fk in t.foreign_keys
        if fk.column.table is files
    ]
    where[FILES] = files.c.id.in_(sa.union(*naming))
    return where


def _ordering(t: sa.Table) -> list:
    if t.name == "audit_events":
        return [t.c.chain_seq.is_(None), t.c.chain_seq, t.c.id]  # the chain's order, then any unsealed
    return [key_column(t)]


def rows(connection: sa.Connection, name: str, where: sa.ColumnElement[bool]) -> Iterator[sa.Row]:
    t = table(name)
    # The statement's option, not the connection's: on a connection it would stay for every later statement.
    stmt = sa.select(t).where(where).order_by(*_ordering(t)).execution_options(yield_per=1000)
    yield from connection.execute(stmt)


# --- values as JSON ---------------------------------------------------------------------------------------------


def encode(value):
    """A column's value as JSON: instants and dates in ISO form (instants in UTC), enums by their stored value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # a LabelledEnum is a str: its stored value
    return value


def decode(column: sa.Column, value):
    if value is None:
        return None
    kind = column.type
    python_type = getattr(getattr(kind, "impl", kind), "python_type", None) if not isinstance(kind, sa.JSON) else None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    return value


def content_columns(t: sa.Table) -> list[sa.Column]:
    """The columns whose values mean the same in any install: not keys, not what the importer rewrites."""
    keys = {fk.parent.name for fk in t.foreign_keys} | {c.name for c in t.primary_key.columns}
    skipped = keys | set(REMAPPED.get(t.name, ()))
    return [c for c in t.c if c.name not in skipped]


class Digest:
    """A digest of a table's rows over their content columns, independent of row order and of keys."""

    def __init__(self, t: sa.Table):
        self.columns = [c.name for c in content_columns(t)]
        self.lines: list[str] = []

    def add(self, row: dict) -> None:
        values = [row[name] for name in self.columns]
        self.lines.append(json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")))

    def hexdigest(self) -> str:
        digest = hashlib.sha256()
        for line in sorted(self.lines):
            digest.update(line.encode("utf-8") + b"\n")
        return digest.hexdigest()


def encoded_rows(connection: sa.Connection, name: str, where: sa.ColumnElement[bool]) -> Iterator[dict]:
    """The table's rows of the town as the archive holds them (every column, JSON values)."""
    for row in rows(connection, name, where):
        yield {k: encode(v) for k, v in row._mapping.items()}


def census(connection: sa.Connection, town_id: int) -> dict[str, dict]:
    """Rows and content digest of every moving table for the town: what an export writes and an import checks."""
    where = conditions(town_id)
    out = {}
    for name in moving():
        digest = Digest(table(name))
        for values in encoded_rows(connection, name, where[name]):
            digest.add(values)
        out[name] = {"rows": len(digest.lines), "digest": digest.hexdigest()}
    return out
