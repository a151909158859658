"""A town's export: one .tar.gz holding a manifest, the town's rows as JSON lines, and its files.

    tables/<table>.jsonl     one row a line, every column
    files/<storage name>     the bytes of each stored file
    manifest.json            (last) format, schema revision, the town, per table its rows and content digest, the rows
                             of the old install the town's records name (people and units of the city, laws,
                             conclusions), its settings and number counters, the audit chain as verified, and
                             every member's size and SHA-256

The archive appears under its name only once whole. Reading checks every member against the manifest before
anything is used; a member that is not a plain file with a plain name, a duplicate, a missing or an extra member
refuses the whole archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tracker.common.tarball import add_bytes, add_file, plain_member

FORMAT = 1
KIND = "tracker-town"
MANIFEST = "manifest.json"
TABLES, FILES = "tables/", "files/"
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
MAX_TABLE = 512 * 1024 * 1024


class TransferError(Exception):
    """An export or import that cannot go ahead; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Manifest:
    created_at: str
    revision: str | None
    town: dict
    city: str | None
    tables: dict[str, dict]
    outside: dict[str, list[dict]]
    settings: dict[str, str]
    rules: dict[str, dict]
    install: dict[str, list]
    counters: list[dict]
    audit: dict
    members: dict[str, dict] = field(default_factory=dict)
    format: int = FORMAT
    kind: str = KIND

    def to_json(self) -> bytes:
        return json.dumps(vars(self), ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data.decode("utf-8"))
        if not isinstance(raw, dict) or raw.get("kind") != KIND or raw.get("format") != FORMAT:
            raise ValueError("not a town export")
        return cls(**{name: raw[name] for name in cls.__dataclass_fields__})


class Writer:
    """Writes the archive member by member, the manifest last; the file appears under its name only when whole."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.members: dict[str, dict] = {}
        self._tar = tarfile.open(self.partial, "w:gz")

    def add_bytes(self, name: str, data: bytes) -> None:
        self.members[name] = add_bytes(self._tar, name, data)

    def add_file(self, name: str, source: Path) -> dict:
        self.members[name] = add_file(self._tar, source, name)
        return self.members[name]

    def close(self, manifest: Manifest) -> None:
        manifest.members = dict(self.members)
        add_bytes(self._tar, MANIFEST, manifest.to_json())
        self._tar.close()
        with open(self.partial, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(self.partial, self.path)

    def abandon(self) -> None:
        self._tar.close()
        self.partial.unlink(missing_ok=True)


@dataclass
class Contents:
    manifest: Manifest
    tables: dict[str, list[dict]]
    files: dict[str, Path]  # storage name -> where its bytes were put


def _safe_name(member: tarfile.TarInfo) -> str:
    name = member.name
    if not plain_member(member):
        raise TransferError(f"导出文件含有不允许的条目“{name[:100]}”，未导入。")
    return name


def read(path: Path, staging: Path) -> Contents:
    """Read the whole archive (file bytes into `staging`), then check every member against the manifest; nothing
    is used before that. Raises TransferError."""
    manifest_data: bytes | None = None
    data: dict[str, bytes] = {}
    files: dict[str, Path] = {}
    seen: dict[str, dict] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = _safe_name(member)
                if name in seen or (name == MANIFEST and manifest_data is not None):
                    raise TransferError(f"导出文件中“{name[:100]}”出现了两次，未导入。")
                fh = tar.extractfile(member)
                if name == MANIFEST:
                    manifest_data = fh.read(MAX_MANIFEST + 1)
                elif name.startswith(TABLES) and name.endswith(".jsonl") and "/" not in name[len(TABLES) :]:
                    data[name] = fh.read(MAX_TABLE + 1)
                    if len(data[name]) > MAX_TABLE:
                        raise TransferError(f"导出文件中的“{name[:100]}”超过 {MAX_TABLE // 1024 // 1024} MB，未导入。")
                    seen[name] = {"size": len(data[name]), "sha256": hashlib.sha256(data[name]).hexdigest()}
                elif name.startswith(FILES) and "/" not in name[len(FILES) :] and len(name) > len(FILES):
                    storage_name = name[len(FILES) :]
                    target = staging / storage_name
                    digest, size = hashlib.sha256(), 0
                    with open(target, "wb") as out:
                        while chunk := fh.read(CHUNK):
                            digest.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    seen[name] = {"size": size, "sha256": digest.hexdigest()}
                    files[storage_name] = target
                else:
                    raise TransferError(f"导出文件含有不认识的条目“{name[:100]}”，未导入。")
            while tar.fileobj.read(CHUNK):  # a damaged compressed stream shows at its end
                pass
    except TransferError:
        raise
    except FileNotFoundError:
        raise TransferError(f"找不到导出文件 {path}。") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise TransferError(f"导出文件已损坏，无法读取（{type(exc).__name__}），未导入。") from None
    if manifest_data is None:
        raise TransferError("导出文件中没有清单（manifest.json），不是本系统的镇街导出文件，未导入。")
    manifest = _manifest(manifest_data)
    missing = sorted(set(manifest.members) - set(seen))
    extra = sorted(set(seen) - set(manifest.members))
    if missing:
        raise TransferError(f"导出文件缺少清单所列的 {len(missing)} 项（如“{missing[0]}”），未导入。")
    if extra:
        raise TransferError(f"导出文件含有清单以外的 {len(extra)} 项（如“{extra[0]}”），未导入。")
    for name, expected in manifest.members.items():
        if seen[name] != expected:
            raise TransferError(f"“{name[:100]}”的校验和与清单不符（文件已损坏或被改动），未导入。")
    try:
        tables = {
            name[len(TABLES) : -len(".jsonl")]: [json.loads(line) for line in raw.decode("utf-8").splitlines() if line]
            for name, raw in data.items()
        }
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise TransferError("导出文件中的数据无法读取，未导入。") from None
    return Contents(manifest, tables, files)


def _manifest(data: bytes) -> Manifest:
    if len(data) > MAX_MANIFEST:
        raise TransferError("导出文件的清单过大，未导入。")
    try:
        return Manifest.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise TransferError("导出文件的清单无法识别（损坏，或不是本系统的镇街导出文件），未导入。") from None
