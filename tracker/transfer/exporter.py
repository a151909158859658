"""Export one town of this install into an archive another install imports (`flask towns export`)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from tracker.audit.chain import verify as verify_chain
from tracker.common.timeutil import local_time
from tracker.transfer import plan
from tracker.transfer.archive import FILES, TABLES, Manifest, TransferError, Writer

_TOWNS = plan.table("towns")
# What an imported record may name of the install it left: by these columns it is found in the other one.
OUTSIDE_COLUMNS = {
    "users": ("id", "username", "display_name", "town_id"),
    "units": ("id", "name", "town_id"),
    "conclusions": ("id", "label"),
}
_SAFE = re.compile(r"[^\w\u4e00-\u9fff-]+")


def schema_revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def pick_town(connection: sa.Connection, name: str | None) -> sa.Row:
    """The town named, or the install's only town; refused with the names to choose from."""
    rows = connection.execute(sa.select(_TOWNS).order_by(_TOWNS.c.id)).all()
    towns = [r for r in rows if r.kind != "city"]
    if name:
        found = [r for r in towns if r.name == name]
        if not found:
            raise TransferError(f"本系统没有名为“{name}”的镇街；可选：{'、'.join(r.name for r in towns) or '（无）'}。")
        return found[0]
    if len(towns) != 1:
        raise TransferError(
            f"本系统有 {len(towns)} 个镇街，请用 --town 指明导出哪一个：{'、'.join(r.name for r in towns)}。"
        )
    return towns[0]


def archive_name(town: str, now: datetime) -> str:
    return f"town-{_SAFE.sub('_', town)}-{local_time(now).strftime('%Y%m%d-%H%M%S')}.tar.gz"


def _outside(connection: sa.Connection, where: dict) -> dict[str, list[dict]]:
    """The rows of other tables that the town's moving rows name but that do not move with it: the city's people
    and units (the justice bureau), the conclusions list and the laws of the catalogue."""
    moving = set(plan.moving())
    named: dict[str, list[sa.Select]] = {}
    for name in plan.moving():
        t = plan.table(name)
        for fk in t.foreign_keys:
            referred = fk.column.table.name
            if referred in ("towns", "city_campaigns"):
                continue
            if referred in moving:
                mine = sa.select(plan.key_column(fk.column.table)).where(where[referred])
                named.setdefault(referred, []).append(
                    sa.select(fk.parent).where(where[name], fk.parent.is_not(None), fk.parent.not_in(mine))
                )
            else:
                named.setdefault(referred, []).append(sa.select(fk.parent).where(where[name], fk.parent.is_not(None)))
    out: dict[str, list[dict]] = {}
    for referred, selects in named.items():
        t = plan.table(referred)
        columns = [t.c[c] for c in OUTSIDE_COLUMNS[referred]] if referred in OUTSIDE_COLUMNS else list(t.c)
        found = connection.execute(sa.select(*columns).where(t.c.id.in_(sa.union(*selects))).order_by(t.c.id))
        out[referred] = [{k: plan.encode(v) for k, v in row._mapping.items()} for row in found]
    names = {r.id: r.name for r in connection.execute(sa.select(_TOWNS.c.id, _TOWNS.c.name))}
    for row in out.get("users", []) + out.get("units", []):
        row["town"] = names.get(row.pop("town_id"))
    return out


def _settings(connection: sa.Connection, town_id: int) -> dict[str, str]:
    t = plan.table("settings")
    rows = connection.execute(sa.select(t.c.key, t.c.value)).all()
    return {r.key: r.value for r in rows if "@" not in r.key or r.key.endswith(f"@{town_id}")}


def _rules(connection: sa.Connection) -> dict[str, dict]:
    t = plan.table("rules")
    return {
        r.code: {"name": r.name, "value": r.value, "unit": plan.encode(r.unit)}
        for r in connection.execute(sa.select(t.c.code, t.c.name, t.c.value, t.c.unit))
    }


def _install(connection: sa.Connection) -> dict[str, list]:
    """What the old install had of its own that stays behind: active pre-check rules, templates in use, the years
    of its working-day calendar that were confirmed (the import says which of them the city lacks)."""
    rules, templates, years = (
        plan.table("precheck_rules"),
        plan.table("template_versions"),
        plan.table("calendar_years"),
    )
    active = rules.c.active.is_(True)
    return {
        "precheck_rules": [
            {"code": r.code, "label": r.label}
            for r in connection.execute(sa.select(rules.c.code, rules.c.label).where(active).order_by(rules.c.code))
        ],
        "templates": [
            {"kind": plan.encode(r.kind), "version_no": r.version_no}
            for r in connection.execute(
                sa.select(templates.c.kind, templates.c.version_no)
                .where(templates.c.active.is_(True))
                .order_by(templates.c.kind)
            )
        ],
        "calendar_years": list(connection.execute(sa.select(years.c.year).order_by(years.c.year)).scalars()),
    }


def _counters(connection: sa.Connection, town_id: int, where: dict) -> list[dict]:
    """The town's number counters: its own series (opinion:<town>), the series its publications were numbered in,
    and every series headed by one of its units' 文号 prefixes (its reports and replies: issue:沙府)."""
    t, publications, units = plan.table("number_counters"), plan.table("publications"), plan.table("units")
    used = set()
    for column in (publications.c.issue_scope, publications.c.normative_scope):
        used.update(connection.execute(sa.select(column).where(where["publications"]).distinct()).scalars())
    prefixes = [p for p in connection.execute(sa.select(units.c.number_prefix).where(where["units"])).scalars() if p]

    def the_towns(scope: str) -> bool:
        rest = scope.partition(":")[2]
        return rest == str(town_id) or scope in used or any(rest.startswith(p) for p in prefixes)

    rows = connection.execute(sa.select(t).order_by(t.c.scope, t.c.year))
    return [{"scope": r.scope, "year": r.year, "last_value": r.last_value} for r in rows if the_towns(r.scope)]


def export_town(
    connection: sa.Connection, *, town: str | None, out: Path, upload_dir: Path, now: datetime
) -> tuple[Path, Manifest]:
    """Write the town's archive to `out` (a folder: a name is made; else the file). Refused while the audit chain
    does not verify: a broken trail is looked into here, not carried into another install."""
    row = pick_town(connection, town)
    chain = verify_chain(connection)
    if not chain.ok:
        raise TransferError(f"{chain.line()}请先查明原因，未导出。")
    path = out / archive_name(row.name, now) if out.is_dir() else out
    if path.exists():
        raise TransferError(f"{path} 已存在，未导出。")
    city = connection.execute(sa.select(_TOWNS.c.name).where(_TOWNS.c.id == row.parent_id)).scalar()
    where = plan.conditions(row.id)
    writer = Writer(path)
    try:
        tables: dict[str, dict] = {}
        for name in plan.moving():
            digest, lines = plan.Digest(plan.table(name)), []
            for values in plan.encoded_rows(connection, name, where[name]):
                digest.add(values)
                lines.append(json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
                if name == plan.FILES:
                    _add_stored_file(writer, upload_dir, values)
            writer.add_bytes(f"{TABLES}{name}.jsonl", "".join(line + "\n" for line in lines).encode("utf-8"))
            tables[name] = {"rows": len(lines), "digest": digest.hexdigest()}
        manifest = Manifest(
            created_at=now.isoformat(),
            revision=schema_revision(connection),
            town={"id": row.id, "name": row.name, "kind": plan.encode(row.kind), "short_name": row.short_name},
            city=city,
            tables=tables,
            outside=_outside(connection, where),
            settings=_settings(connection, row.id),
            rules=_rules(connection),
            counters=_counters(connection, row.id, where),
            install=_install(connection),
            audit={"events": tables["audit_events"]["rows"], "head_seq": chain.head_seq, "head_hash": chain.head_hash},
        )
        writer.close(manifest)
    except BaseException:
        writer.abandon()
        raise
    return path, manifest


def _add_stored_file(writer: Writer, upload_dir: Path, row: dict) -> None:
    storage_name = row["storage_name"]
    source = upload_dir / storage_name[:2] / storage_name
    if not source.is_file():
        raise TransferError(f"文件“{row['original_name']}”（{storage_name}）在上传目录中找不到，未导出。")
    member = writer.add_file(f"{FILES}{storage_name}", source)
    if member["sha256"] != row["sha256"] or member["size"] != row["size"]:
        raise TransferError(
            f"文件“{row['original_name']}”（{storage_name}）与登记的校验和不符（已损坏或被改动），未导出。"
        )
