"""Import a town's archive into this install's city (`flask towns import`): everything checked before the first
write, then one transaction, then checked again against the archive before it commits.

Before writing: the archive's members against its manifest; the schema revision (both installs on the same
migration); the town's name free; every person and unit of the old city that the town's records name found here
by username / name (the city's justice bureau and its reviewer); no number, username, file or token of the town
already used here (文号, 规范性文件编号, opinion numbers, report numbers …).

Writing: the town under this install's city; every row with a new key and every reference through the keys given
(an audit event's or generated document's (object_type, object_id), an alert's subject key too); laws missing
from the catalogue added; the town's number counters (its series continue where they stopped) and its settings
(the old install's values that differ from this one's become the town's own); the files under their stored names;
the town's audit events, in their old chain's order, sealed into this install's chain.

After writing and before committing: the town read back by the export's own selection must have the same rows
and content digests per table as the archive, and every file on disk its checksum. Anything else rolls it all
back and removes the files placed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.audit.chain import seal
from tracker.auth.models import Town, TownKind
from tracker.auth.towns import by_name, create_town
from tracker.common.tarball import sha256_of
from tracker.extensions import db
from tracker.rules.due import DueKind
from tracker.rules.ruleset import DEFAULT_SETTINGS
from tracker.transfer import plan
from tracker.transfer.archive import Contents, TransferError, read
from tracker.transfer.exporter import schema_revision
from tracker.word.models import OutputKind

_OWN_SERIES = re.compile(r"^(?P<kind>[a-z_]+):(?P<org>\d+)$")  # opinion:3: a series of one organisation
COLUMN_LABELS = {
    "username": "用户名",
    "ical_token_hash": "日历订阅令牌",
    "token_hash": "接口令牌",
    "issue_number": "发文字号",
    "normative_number": "规范性文件编号",
    "issue_scope": "发文字号序列",
    "normative_scope": "规范性文件编号序列",
    "number": "审核意见书编号",
    "report_number": "备案报告文号",
    "opinion_number": "备案审查意见书编号",
    "reply_number": "复函文号",
    "storage_name": "文件存储名",
    "kind": "事项",
}


@dataclass
class Report:
    town: str
    town_id: int | None
    tables: dict[str, int]
    files: int
    events: int
    laws_added: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    counters: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False


def import_town(*, archive: Path, upload_dir: Path, now: datetime, name: str | None = None, dry_run: bool = False):
    """Import the archive (a dry run checks and writes everything, then rolls it back). Raises TransferError."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".town-import-", dir=upload_dir))  # same disk: files move by rename
    placed: list[Path] = []
    try:
        contents = read(archive, staging)
        try:
            report = _import(contents, upload_dir, placed, now=now, name=name)
        except (sa.exc.SQLAlchemyError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # Checksums say the archive is what was written, not that it was written by this product: rows the
            # database or the schema refuse are reported, never a traceback.
            raise TransferError(
                f"导出文件的数据无法写入本系统（{type(exc).__name__}），已全部撤销，未写入任何内容。"
            ) from exc
        report.dry_run = dry_run
        if dry_run:
            db.session.rollback()
            _remove(placed)
            report.town_id = None
        else:
            db.session.commit()
        return report
    except BaseException:
        db.session.rollback()
        _remove(placed)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove(paths: list[Path]) -> None:
    """The files placed, and the folders made for them (a folder is only ever made for a file placed first)."""
    for path in reversed(paths):
        if path.is_dir():
            with contextlib.suppress(OSError):
                path.rmdir()  # not empty: another file of this install is in it
        else:
            path.unlink(missing_ok=True)


class _Import:
    def __init__(self, contents: Contents, connection: sa.Connection):
        self.contents = contents
        self.manifest = contents.manifest
        self.connection = connection
        self.keys: dict[str, dict[int, int]] = {}
        self.errors: list[str] = []
        self.notes: list[str] = []
        self.unnamed = 0  # audit events whose object stayed behind (an old install's setting)

    # --- before writing ------------------------------------------------------------------------------------------

    def check_members(self) -> None:
        for name in plan.moving():
            rows = self.contents.tables.get(name)
            expected = self.manifest.tables.get(name, {}).get("rows")
            if rows is None or expected is None or len(rows) != expected:
                raise TransferError(f"导出文件中“{plan.LABELS.get(name, name)}”的数据与清单不符，未导入。")

    def map_outside(self, city: Town) -> None:
        """The old city's people and units that the town's records name, found here; the conclusions list."""
        outside = self.manifest.outside
        users, units = plan.table("users"), plan.table("units")
        self.keys["users"], self.keys["units"] = {}, {}
        for row in outside.get("units", []):
            found = self.connection.execute(
                sa.select(units.c.id).where(units.c.name == row["name"], units.c.town_id == city.id)
            ).scalar()
            if found is None:
                self.errors.append(f"本系统的{city.name}没有单位“{row['name']}”（该镇街的记录提到它），请先添加。")
            else:
                self.keys["units"][row["id"]] = found
        for row in outside.get("users", []):
            found = self.connection.execute(
                sa.select(users.c.id, users.c.town_id).where(users.c.username == row["username"])
            ).first()
            if found is None or found.town_id != city.id:
                where = "没有" if found is None else "的另一镇街已有"
                self.errors.append(
                    f"本系统{where}用户名“{row['username']}”（原{row['town'] or ''}的{row['display_name']}，该镇街的"
                    f"记录提到此人），请先在{city.name}建立此人的账号。"
                )
            else:
                self.keys["users"][row["id"]] = found.id
        conclusions = plan.table("conclusions")
        here = dict(self.connection.execute(sa.select(conclusions.c.label, conclusions.c.id)).all())
        self.keys["conclusions"] = {}
        for row in outside.get("conclusions", []):
            if row["label"] not in here:
                self.errors.append(f"本系统的审核结论中没有“{row['label']}”，无法导入。")
            else:
                self.keys["conclusions"][row["id"]] = here[row["label"]]

    def check_clashes(self) -> None:
        """No number, name, token or file of the town already used here."""
        for name in plan.moving():
            t = plan.table(name)
            content = {c.name for c in plan.content_columns(t)}
            rows = self.contents.tables[name]
            for columns in _unique_sets(t):
                if not set(columns) <= content or not rows:
                    continue
                values = {tuple(r[c] for c in columns) for r in rows}
                values = sorted(v for v in values if None not in v)
                if len(values) < sum(1 for r in rows if None not in (r[c] for c in columns)):
                    self.errors.append(
                        f"导出文件中的{plan.LABELS.get(name, name)}有重复的{_label(columns)}，无法导入。"
                    )
                cols = [t.c[c] for c in columns]
                for start in range(0, len(values), 400):
                    chunk = [
                        tuple(plan.decode(col, v) for col, v in zip(cols, value, strict=True))
                        for value in values[start : start + 400]
                    ]
                    condition = cols[0].in_([v[0] for v in chunk]) if len(cols) == 1 else sa.tuple_(*cols).in_(chunk)
                    for found in self.connection.execute(sa.select(*cols).where(condition).limit(5)):
                        shown = "、".join(str(v) for v in found)
                        self.errors.append(
                            f"本系统已有{plan.LABELS.get(name, name)}的{_label(columns)}“{shown}”，与该镇街的重复。"
                        )

    # --- writing -------------------------------------------------------------------------------------------------

    def add_laws(self) -> list[str]:
        """Laws the town's documents cite: the catalogue's own row when the title is here, else the law added."""
        sources = plan.table("legal_sources")
        here = dict(self.connection.execute(sa.select(sources.c.title, sources.c.id)).all())
        self.keys["legal_sources"], added = {}, []
        for row in self.manifest.outside.get("legal_sources", []):
            if row["title"] in here:
                self.keys["legal_sources"][row["id"]] = here[row["title"]]
                continue
            values = {c.name: plan.decode(c, row[c.name]) for c in sources.c if c.name != "id" and c.name in row}
            self.keys["legal_sources"][row["id"]] = self.connection.execute(
                sources.insert().values(**values).returning(sources.c.id)
            ).scalar_one()
            added.append(row["title"])
        return added

    def key(self, table: str, old, *, of: str) -> int | None:
        if table == "city_campaigns":
            return None  # the old city's clean-up: the town's own campaign moves without the link
        try:
            return self.keys[table][old]
        except KeyError:
            raise TransferError(
                f"导出文件中的{plan.LABELS.get(of, of)}提到{plan.LABELS.get(table, table)} #{old}，"
                "但文件中没有它，未导入。"
            ) from None

    def object_key(self, object_type: str | None, old: int | None) -> int | None:
        table = plan.OBJECT_TABLES.get(object_type or "")
        if old is None or table is None:
            return None
        return self.keys.get(table, {}).get(old)

    def alert_key(self, kind: str, subject: str) -> str:
        if kind == DueKind.DEADLINE_CHANGED.value:
            document, rest = subject.split(":", 1)
            return f"{self.key('documents', int(document), of='alerts')}:{rest}"
        prefix, ident, *rest = subject.split(":")
        if prefix not in plan.ALERT_KEYS:
            raise TransferError(f"期限提醒“{subject}”的种类不认识，未导入。")
        return ":".join([prefix, str(self.key(plan.ALERT_KEYS[prefix], int(ident), of="alerts")), *rest])

    def insert(self, name: str) -> int:
        t = plan.table(name)
        references = {fk.parent.name: fk.column.table.name for fk in t.foreign_keys}
        has_id = "id" in t.c
        old_ids, prepared = [], []
        for raw in self.contents.tables[name]:
            values = {c.name: plan.decode(c, raw.get(c.name)) for c in t.c}
            for column, referred in references.items():
                if values[column] is not None:
                    values[column] = self.key(referred, values[column], of=name)
            if name == "audit_events":
                mapped = self.object_key(values["object_type"], values["object_id"])
                if values["object_id"] is not None and mapped is None:
                    self.unnamed += 1
                values.update(object_id=mapped, chain_seq=None, chain_prev=None, chain_hash=None)
            elif name == "generated_documents":
                mapped = self.object_key(values["object_type"], values["object_id"])
                if mapped is None:
                    raise TransferError(
                        f"生成的文书“{values['object_type']} #{values['object_id']}”所属记录不在导出文件中，未导入。"
                    )
                values["object_id"] = mapped
            elif name == "alerts":
                values["subject_key"] = self.alert_key(values["kind"], values["subject_key"])
            if has_id:
                old_ids.append(values.pop("id"))
            prepared.append(values)
        known = self.keys.setdefault(name, {})  # the people and units of the city, found here, come first
        if not prepared:
            return 0
        if has_id:
            statement = t.insert().returning(t.c.id, sort_by_parameter_order=True)
            new_ids = self.connection.execute(statement, prepared).scalars().all()
            known.update(zip(old_ids, new_ids, strict=True))
        else:
            self.connection.execute(t.insert(), prepared)
        return len(prepared)

    def counters(self, town_id: int) -> int:
        """The town's own series (its 司法所's opinions) under its new key; the issuers' number series carried on
        from the higher of the two installs' counters (a series is read off its numbers: the same 文号 head in
        both installs shares one counter, and the clash check above found no number used twice)."""
        t = plan.table("number_counters")
        old_town, carried = self.manifest.town["id"], 0
        for row in self.manifest.counters:
            scope = row["scope"]
            own = _OWN_SERIES.match(scope)
            if own:
                if int(own["org"]) != old_town:
                    continue  # another organisation's series of the old install (its city's bureau)
                scope = f"{own['kind']}:{town_id}"
            here = self.connection.execute(
                sa.select(t.c.last_value).where(t.c.scope == scope, t.c.year == row["year"])
            ).scalar()
            if here is None:
                self.connection.execute(t.insert().values(scope=scope, year=row["year"], last_value=row["last_value"]))
            elif here < row["last_value"]:
                self.connection.execute(
                    t.update().where(t.c.scope == scope, t.c.year == row["year"]).values(last_value=row["last_value"])
                )
            carried += 1
        return carried

    def settings(self, town_id: int, now: datetime) -> list[str]:
        """The town's own settings; the old install's values that differ from this one's as the town's own."""
        t = plan.table("settings")
        here = dict(self.connection.execute(sa.select(t.c.key, t.c.value).where(~t.c.key.contains("@"))).all())
        source, old_town, written = self.manifest.settings, self.manifest.town["id"], {}
        for key, value in source.items():
            base, _, owner = key.partition("@")
            if base not in DEFAULT_SETTINGS:
                continue
            if owner:
                written[base] = value
            elif f"{key}@{old_town}" not in source:
                current = here.get(key, json.dumps(DEFAULT_SETTINGS[key][0], ensure_ascii=False))
                if json.loads(current) != json.loads(value):
                    written[base] = value
        for base, value in sorted(written.items()):
            self.connection.execute(
                t.insert().values(
                    key=f"{base}@{town_id}", value=value, description=DEFAULT_SETTINGS[base][1], updated_at=now
                )
            )
        return [DEFAULT_SETTINGS[base][1] for base in sorted(written)]

    def rule_notes(self) -> None:
        rules = plan.table("rules")
        here = {r.code: r for r in self.connection.execute(sa.select(rules.c.code, rules.c.value, rules.c.unit))}
        for code, rule in sorted(self.manifest.rules.items()):
            mine = here.get(code)
            if mine is not None and (mine.value, plan.encode(mine.unit)) != (rule["value"], rule["unit"]):
                self.notes.append(
                    f"时限规则“{rule['name']}”原为 {rule['value']}，本系统为 {mine.value}：导入后按本系统的规则计算。"
                )

    def install_notes(self) -> None:
        """What the old install had of its own that does not come along (the city's apply)."""
        install = self.manifest.install
        rules, templates = plan.table("precheck_rules"), plan.table("template_versions")
        years = plan.table("calendar_years")
        codes = set(self.connection.execute(sa.select(rules.c.code).where(rules.c.active.is_(True))).scalars())
        missing = [r["label"] or r["code"] for r in install.get("precheck_rules", []) if r["code"] not in codes]
        if missing:
            self.notes.append(
                f"原系统的预审规则未带来（本系统的预审规则适用，需要时请管理员添加）：{'、'.join(missing)}。"
            )
        if install.get("templates"):
            kinds = "、".join(OutputKind(t["kind"]).label for t in install["templates"])
            active = self.connection.execute(sa.select(templates.c.kind).where(templates.c.active.is_(True)))
            if {plan.encode(k) for k in active.scalars()} != {t["kind"] for t in install["templates"]}:
                self.notes.append(f"原系统用自己上传的 Word 模板（{kinds}）；导入后按本系统的模板生成文书。")
        confirmed = set(self.connection.execute(sa.select(years.c.year)).scalars())
        lacking = [y for y in install.get("calendar_years", []) if y not in confirmed]
        if lacking:
            self.notes.append(
                f"原系统已确认 {'、'.join(map(str, lacking))} 年的工作日历，本系统没有："
                "这些年份的期限为暂定，请导入当年的放假安排。"
            )

    def place_files(self, upload_dir: Path, placed: list[Path]) -> int:
        for row in self.contents.tables[plan.FILES]:
            storage_name = row["storage_name"]
            target = upload_dir / storage_name[:2] / storage_name
            if target.exists():
                raise TransferError(f"上传目录中已有文件 {storage_name}，未导入。")
            if not target.parent.exists():
                target.parent.mkdir(parents=True)
                placed.append(target.parent)
            os.replace(self.contents.files[storage_name], target)
            placed.append(target)
        return len(self.contents.tables[plan.FILES])

    # --- after writing -------------------------------------------------------------------------------------------

    def verify(self, town_id: int, upload_dir: Path) -> None:
        arrived = plan.census(self.connection, town_id)
        for name, expected in self.manifest.tables.items():
            got = arrived.get(name)
            if got != expected:
                rows = got["rows"] if got else 0
                raise TransferError(
                    f"导入后核对不符：{plan.LABELS.get(name, name)}应为 {expected['rows']} 条，读回 {rows} 条"
                    f"{'（内容不同）' if rows == expected['rows'] else ''}，已全部撤销。"
                )
        for row in plan.rows(self.connection, plan.FILES, plan.conditions(town_id)[plan.FILES]):
            path = upload_dir / row.storage_name[:2] / row.storage_name
            if sha256_of(path) != row.sha256:
                raise TransferError(f"导入后核对不符：文件“{row.original_name}”的校验和不对，已全部撤销。")


def _import(contents: Contents, upload_dir: Path, placed: list[Path], *, now: datetime, name: str | None) -> Report:
    manifest = contents.manifest
    connection = db.session.connection()
    revision = schema_revision(connection)
    if manifest.revision != revision:
        raise TransferError(
            f"导出文件的数据库版本（{manifest.revision or '无'}）与本系统（{revision or '无'}）不同："
            "请先把两边升级到同一版本（flask db upgrade），再导出、导入。"
        )
    city = db.session.scalar(sa.select(Town).where(Town.kind == TownKind.CITY))
    if city is None:
        raise TransferError("本系统还没有市，无法接收镇街。")
    town_name = (name or manifest.town["name"]).strip()
    if by_name(town_name) is not None:
        raise TransferError(f"本系统已有“{town_name}”：若是另一镇街，请用 --name 另取名称；若已导入过，无需再导入。")
    work = _Import(contents, connection)
    work.check_members()
    work.map_outside(city)
    work.check_clashes()
    if work.errors:
        raise TransferError("无法导入，未写入任何内容：\n" + "\n".join(f"- {e}" for e in dict.fromkeys(work.errors)))

    town = create_town(name=town_name, kind=TownKind(manifest.town["kind"]), parent=city, now=now)
    town.short_name = manifest.town.get("short_name")
    db.session.flush()
    work.keys["towns"] = {manifest.town["id"]: town.id}
    laws = work.add_laws()
    tables = {table: work.insert(table) for table in plan.moving()}
    files = work.place_files(upload_dir, placed)
    counters = work.counters(town.id)
    settings = work.settings(town.id, now)
    work.rule_notes()
    work.install_notes()
    events = list(work.keys["audit_events"].values())
    seal(connection, events, now=now)
    work.verify(town.id, upload_dir)
    if work.unnamed:
        work.notes.append(f"{work.unnamed} 条审计事件所指的对象不属于该镇街（如原系统的设置），其对象编号未保留。")
    audit.record(
        "town.import",
        actor=None,
        now=now,
        object_type="town",
        object_id=town.id,
        town_id=town.id,
        summary=(
            f"从另一系统导入{town.kind.label}“{town.name}”：{tables['documents']} 件文件、{len(events)} 条审计事件、"
            f"{files} 个文件；原系统审计链头第 {manifest.audit['head_seq']} 条 {manifest.audit['head_hash'][:16]}…"
        ),
        after={"archive_created_at": manifest.created_at, "audit": manifest.audit, "tables": tables},
    )
    db.session.flush()
    return Report(
        town=town.name,
        town_id=town.id,
        tables=tables,
        files=files,
        events=len(events),
        laws_added=laws,
        settings=settings,
        counters=counters,
        notes=work.notes,
    )


def _unique_sets(t: sa.Table) -> list[tuple[str, ...]]:
    sets = [tuple(c.name for c in u.columns) for u in t.constraints if isinstance(u, sa.UniqueConstraint)]
    sets += [tuple(c.name for c in i.columns) for i in t.indexes if i.unique]
    sets += [(c.name,) for c in t.c if c.unique]
    return list(dict.fromkeys(sets))


def _label(columns: tuple[str, ...]) -> str:
    return "、".join(COLUMN_LABELS.get(c, c) for c in columns)
