"""The catalogue of laws, regulations, rules and higher-level documents (法规目录) that drafts cite as 制定依据.

The office maintains it (docs/rules.md §4): entered one by one, or imported from .xlsx/.csv with per-row errors and
nothing written while any row is wrong. A title a drafter types that the catalogue does not hold is added as
not yet verified; the 司法所 checks it later. A national law cited by its short name (《行政处罚法》) is found by
its full name (中华人民共和国行政处罚法).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.documents.models import DocumentBasis, LegalSource, SourceKind, SourceState
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db

FULL_PREFIX = "中华人民共和国"
MAX_TITLE = 200

# --- names ---------------------------------------------------------------------------------------------------


def clean_title(text: str | None) -> str:
    """A title as typed or cited: no 《》, no spaces (全角 included)."""
    return re.sub(r"[\s\u3000《》〈〉]+", "", text or "")


def candidates(title: str) -> list[str]:
    """The names a title may be catalogued under: as written, and with or without 中华人民共和国."""
    title = clean_title(title)
    if title.startswith(FULL_PREFIX):
        return [title, title.removeprefix(FULL_PREFIX)]
    return [title, FULL_PREFIX + title]


def find(title: str) -> LegalSource | None:
    """The catalogue entry for a title (exact first, then by the full/short name of a national law)."""
    return find_each([title])[title]


def find_each(titles: Iterable[str]) -> dict[str, LegalSource | None]:
    """find() of every title, in one statement (a draft cites many)."""
    names = {title: [n for n in candidates(title) if n] for title in titles}
    wanted = {n for found in names.values() for n in found}
    stmt = sa.select(LegalSource).where(LegalSource.title.in_(sorted(wanted)))
    rows = {s.title: s for s in db.session.scalars(stmt)} if wanted else {}
    return {title: next((rows[n] for n in found if n in rows), None) for title, found in names.items()}


def titles(limit: int = 2000) -> list[str]:
    """The catalogue's titles, for the suggestions of the 制定依据 form."""
    return list(db.session.scalars(sa.select(LegalSource.title).order_by(LegalSource.title).limit(limit)))


def listing(q: str, show: str, *, limit: int) -> list:
    """The catalogue page's rows (source, how many drafts cite it): unverified first, by title."""
    stmt = (
        sa.select(LegalSource, sa.func.count(DocumentBasis.id))
        .outerjoin(DocumentBasis, DocumentBasis.source_id == LegalSource.id)
        .group_by(LegalSource.id)
        .order_by(LegalSource.verified, LegalSource.title)
    )
    if q:
        stmt = stmt.where(LegalSource.title.contains(clean_title(q), autoescape=True))
    if show == "unverified":
        stmt = stmt.where(LegalSource.verified.is_(False))
    elif show in {s.value for s in SourceState}:
        stmt = stmt.where(LegalSource.state == SourceState(show))
    return list(db.session.execute(stmt.limit(limit)).all())


def guess_kind(title: str) -> SourceKind:
    """A first guess at the level from the name; the person entering it may change it."""
    title = clean_title(title)
    local = re.search(r"省|市|自治区|县|区", title.removeprefix(FULL_PREFIX)) is not None
    if title.endswith("法") and not title.endswith("办法"):
        return SourceKind.LAW
    if title.endswith("条例"):
        return SourceKind.LOCAL_REGULATION if local else SourceKind.REGULATION
    if re.search(r"通知|意见|决定|方案|规划|批复", title):
        return SourceKind.HIGHER_DOCUMENT
    return SourceKind.RULE


# --- citations in a draft's text -----------------------------------------------------------------------------

_NUM = r"[零〇一二三四五六七八九十百千\d]+"
_ARTICLE = rf"第{_NUM}条(?:第{_NUM}款)?(?:第{_NUM}项)?"
# 《中华人民共和国行政处罚法》第十四条、第十五条: the name, then the articles written right after it.
CITATION = re.compile(rf"《([^《》]{{2,60}})》((?:{_ARTICLE})(?:[、和及]{_ARTICLE})*)?")


@dataclass(frozen=True)
class Citation:
    name: str
    articles: str


def cited(text: str, *, own_title: str = "") -> list[Citation]:
    """Every distinct 《…》 citation in the text with the articles written right after it, in order of first use."""
    own = clean_title(own_title)
    found: dict[str, list[str]] = {}
    for m in CITATION.finditer(text or ""):
        name = clean_title(m.group(1))
        if not name or name == own or name.startswith("本"):
            continue
        articles = found.setdefault(name, [])
        if m.group(2) and m.group(2) not in articles:
            articles.append(m.group(2))
    return [Citation(name, "、".join(arts)) for name, arts in found.items()]


# --- entries -------------------------------------------------------------------------------------------------


def _catalogue_editor(actor) -> None:
    if not may(actor, "catalogue"):
        raise PermissionDenied("法规目录由司法所维护，您无权修改。")


@dataclass
class SourceData:
    title: str
    kind: SourceKind
    issuing_body: str = ""
    number: str = ""
    promulgated_on: date | None = None
    effective_on: date | None = None
    amended_on: date | None = None
    repealed_on: date | None = None


def state_for(amended_on: date | None, repealed_on: date | None) -> SourceState:
    if repealed_on is not None:
        return SourceState.REPEALED
    return SourceState.AMENDED if amended_on is not None else SourceState.IN_FORCE


def check_data(data: SourceData, *, today: date) -> list[str]:
    """What is wrong with an entry (empty when it may be saved); shared by the form and the import."""
    errors = []
    title = clean_title(data.title)
    if not title:
        errors.append("缺少名称")
    elif len(title) > MAX_TITLE:
        errors.append(f"名称超过 {MAX_TITLE} 字")
    if len(data.issuing_body or "") > 100:
        errors.append("制定机关超过 100 字")
    if len(data.number or "") > 100:
        errors.append("文号超过 100 字")
    p, e, a, r = data.promulgated_on, data.effective_on, data.amended_on, data.repealed_on
    if p and p > today:
        errors.append("公布日期晚于今天")
    if p and e and e < p:
        errors.append("施行日期早于公布日期")
    if a and a > today:
        errors.append("修改日期晚于今天")
    if p and a and a < p:
        errors.append("修改日期早于公布日期")
    if r and r > today:
        errors.append("废止日期晚于今天")
    if p and r and r < p:
        errors.append("废止日期早于公布日期")
    return errors


def _apply(source: LegalSource, data: SourceData) -> dict:
    before = _snapshot(source)
    source.title = clean_title(data.title)
    source.kind = data.kind
    source.issuing_body = (data.issuing_body or "").strip() or None
    source.number = (data.number or "").strip() or None
    source.promulgated_on, source.effective_on = data.promulgated_on, data.effective_on
    source.amended_on, source.repealed_on = data.amended_on, data.repealed_on
    state = state_for(data.amended_on, data.repealed_on)
    if state is not source.state:
        source.state = state
        source.state_changed_on = data.repealed_on or data.amended_on
    source.verified = True
    after = _snapshot(source)
    return {k: (before.get(k), after.get(k)) for k in after if before.get(k) != after.get(k)}


def _snapshot(source: LegalSource) -> dict:
    keys = ("title", "kind", "issuing_body", "number", "promulgated_on", "effective_on", "amended_on", "repealed_on")
    out = {}
    for key in keys:
        value = getattr(source, key, None)
        out[key] = value.isoformat() if isinstance(value, date) else (value.value if hasattr(value, "value") else value)
    out["verified"] = getattr(source, "verified", None)
    return out


def save(source: LegalSource | None, data: SourceData, *, actor, now: datetime, today: date) -> LegalSource:
    """Add or correct an entry; saving it through the office marks it verified."""
    _catalogue_editor(actor)
    errors = check_data(data, today=today)
    if errors:
        raise ValidationFailed("；".join(errors) + "。")
    title = clean_title(data.title)
    clash = db.session.scalar(sa.select(LegalSource).where(LegalSource.title == title))
    if clash is not None and clash is not source:
        raise ValidationFailed(f"法规目录中已有《{title}》。")
    creating = source is None
    if creating:
        source = LegalSource(title=title, kind=data.kind, created_at=now)
        db.session.add(source)
    changed = _apply(source, data)
    db.session.flush()
    audit.record(
        "source.save",
        actor=actor,
        now=now,
        object_type="legal_source",
        object_id=source.id,
        summary=f"{'添加' if creating else '修改'}法规目录：《{source.title}》",
        before={k: b for k, (b, _) in changed.items()} if not creating else None,
        after={k: a for k, (_, a) in changed.items()},
    )
    return source


def verify(source: LegalSource, *, actor, now: datetime) -> None:
    """The 司法所 checked an entry a drafter typed: it is a real law or document, named correctly."""
    _catalogue_editor(actor)
    if source.verified:
        return
    source.verified = True
    db.session.flush()
    audit.record(
        "source.verify",
        actor=actor,
        now=now,
        object_type="legal_source",
        object_id=source.id,
        summary=f"核实法规目录条目：《{source.title}》",
    )


def add_unverified(title: str, *, kind: SourceKind | None, actor, now: datetime) -> LegalSource:
    """A title a drafter typed that the catalogue did not hold: the catalogue grows, marked not yet verified."""
    title = clean_title(title)
    if not title:
        raise ValidationFailed("请填写制定依据的名称。")
    if len(title) > MAX_TITLE:
        raise ValidationFailed(f"制定依据名称不超过 {MAX_TITLE} 字。")
    source = LegalSource(title=title, kind=kind or guess_kind(title), verified=False, created_at=now)
    db.session.add(source)
    db.session.flush()
    audit.record(
        "source.add",
        actor=actor,
        now=now,
        object_type="legal_source",
        object_id=source.id,
        summary=f"录入法规目录中没有的制定依据《{title}》（待司法所核实）",
    )
    return source


# --- import from .xlsx / .csv --------------------------------------------------------------------------------

MAX_ROWS = 3000
# A hard cap on the rows read, blank ones included: a sheet claiming a million rows is not walked.
MAX_READ = MAX_ROWS + 500
MAX_COLUMNS = 30
COLUMNS = {
    "名称": "title",
    "制定机关": "issuing_body",
    "效力级别": "kind",
    "文号": "number",
    "公布日期": "promulgated_on",
    "施行日期": "effective_on",
    "修改日期": "amended_on",
    "废止日期": "repealed_on",
    "状态": "state",
}
REQUIRED = ("title", "kind")
DATE_FIELDS = ("promulgated_on", "effective_on", "amended_on", "repealed_on")
KINDS = {
    **{k.label: k for k in SourceKind},
    "法规": None,  # ambiguous: 行政法规 or 地方性法规
    "部门规章": SourceKind.RULE,
    "地方政府规章": SourceKind.RULE,
    "上级文件": SourceKind.HIGHER_DOCUMENT,
    "规范性文件": SourceKind.HIGHER_DOCUMENT,
}
STATES = {s.label: s for s in SourceState} | {"有效": SourceState.IN_FORCE, "失效": SourceState.REPEALED}


@dataclass
class RowResult:
    row_no: int
    values: dict
    errors: list[str] = field(default_factory=list)
    existing: LegalSource | None = None

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


def _read_rows(data: bytes, filename: str) -> tuple[list[tuple], str | None]:
    """Up to MAX_READ rows of the first sheet (or the CSV), or why the file cannot be read."""
    if filename.lower().endswith(".csv"):
        if b"\x00" in data[:4096]:
            return [], "该文件不是文本格式的 CSV。"
        for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV in GB encodings
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            return [], "无法识别 CSV 文件的编码（请保存为 UTF-8 或 GBK）。"
        try:
            rows = [tuple(r[:MAX_COLUMNS]) for r in itertools.islice(csv.reader(io.StringIO(text)), MAX_READ + 2)]
        except csv.Error:
            return [], "CSV 文件格式有误，无法读取。"
        return rows, None
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        rows = list(itertools.islice(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS), MAX_READ + 2))
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        return [], "无法读取该 Excel 文件（须为 .xlsx，或另存为 .csv）。"
    return rows, None


def parse(data: bytes, filename: str, *, today: date) -> Preview:
    """Check every row against the catalogue and the file itself; nothing is written here."""
    rows, problem = _read_rows(data, filename)
    if problem:
        return Preview([], [problem])
    if not rows or not any(rows[0]):
        return Preview([], ["表格是空的。"])
    if len(rows) > MAX_READ + 1:
        return Preview([], [f"表格超过 {MAX_READ} 行，请分批导入（每次不超过 {MAX_ROWS} 条）。"])
    names = [str(h).strip() if h is not None else "" for h in rows[0]]
    index = {COLUMNS[n]: i for i, n in enumerate(names) if n in COLUMNS}
    missing = [n for n, key in COLUMNS.items() if key in REQUIRED and key not in index]
    if missing:
        return Preview([], ["缺少必需的列：" + "、".join(missing) + "（首行为列名）。"])
    label_of = {key: name for name, key in COLUMNS.items()}
    existing = {s.title: s for s in db.session.scalars(sa.select(LegalSource))}
    seen: dict[str, int] = {}
    out: list[RowResult] = []
    for row_no, raw in enumerate(rows[1:], start=2):
        if raw is None or all(v in (None, "") or str(v).strip() == "" for v in raw):
            continue
        if len(out) >= MAX_ROWS:
            return Preview(out, [f"一次最多导入 {MAX_ROWS} 条。"])
        v = {key: (raw[i] if i < len(raw) else None) for key, i in index.items()}
        r = RowResult(row_no, v)
        for key in REQUIRED:
            if v.get(key) in (None, "") or not str(v.get(key)).strip():
                r.errors.append(f"缺少{label_of[key]}")
        for key in DATE_FIELDS:
            v[key] = _cell_date(v.get(key), label_of[key], r.errors)
        title = clean_title(str(v.get("title") or ""))
        v["title"] = title
        kind_text = str(v.get("kind") or "").strip()
        kind = KINDS.get(kind_text)
        if kind_text and kind is None:
            r.errors.append(f"效力级别“{kind_text}”无法识别（可填：{'、'.join(k.label for k in SourceKind)}）")
        v["kind"] = kind
        state_text = str(v.get("state") or "").strip()
        state = STATES.get(state_text) if state_text else None
        if state_text and state is None:
            r.errors.append(f"状态“{state_text}”无法识别（可填：{'、'.join(s.label for s in SourceState)}）")
        if state is SourceState.REPEALED and v["repealed_on"] is None:
            r.errors.append("已废止的须填写废止日期")
        if state is SourceState.AMENDED and v["amended_on"] is None:
            r.errors.append("已修改的须填写修改日期")
        if state is SourceState.IN_FORCE and v["repealed_on"] is not None:
            r.errors.append("填写了废止日期，状态不能为现行有效")
        for key in ("issuing_body", "number"):
            v[key] = str(v.get(key) or "").strip()
        data_ = SourceData(
            title=title,
            kind=kind or SourceKind.RULE,
            issuing_body=v["issuing_body"],
            number=v["number"],
            promulgated_on=v["promulgated_on"],
            effective_on=v["effective_on"],
            amended_on=v["amended_on"],
            repealed_on=v["repealed_on"],
        )
        r.errors += [e for e in check_data(data_, today=today) if e != "缺少名称"]
        v["data"] = data_
        if title:
            if title in seen:
                r.errors.append(f"与第 {seen[title]} 行重复")
            seen.setdefault(title, row_no)
            r.existing = existing.get(title)
        out.append(r)
    if not out:
        return Preview([], ["表格中没有数据行。"])
    return Preview(out)


def import_rows(preview: Preview, *, actor, now: datetime) -> tuple[int, int]:
    """Write every row, or nothing: (added, updated). An existing title is updated and counts as verified."""
    _catalogue_editor(actor)
    if not preview.ok:
        raise ValidationFailed(f"有 {len(preview.bad_rows)} 行存在错误，未导入任何数据。请修改后重新上传。")
    added = updated = 0
    for row in preview.rows:
        data = row.values["data"]
        source = row.existing
        if source is None:
            source = LegalSource(title=data.title, kind=data.kind, created_at=now)
            db.session.add(source)
            added += 1
        else:
            updated += 1
        _apply(source, data)
    db.session.flush()
    audit.record(
        "source.import",
        actor=actor,
        now=now,
        object_type="legal_source",
        object_id=None,
        summary=f"导入法规目录：新增 {added} 条，更新 {updated} 条",
    )
    return added, updated
