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

import json
import os
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from tracker.common.tarball import ArchiveError, Words, add_bytes, add_file, compare_members, read_members

FORMAT = 1
KIND = "tracker-town"
MANIFEST = "manifest.json"
TABLES, FILES = "tables/", "files/"
CHUNK = 1024 * 1024
MAX_MANIFEST = 64 * 1024 * 1024
MAX_TABLE = 512 * 1024 * 1024


class TransferError(ArchiveError):
    """An export or import that cannot go ahead; the message says why, in Chinese."""


WORDS = Words("导出文件", "未导入")


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


def read(path: Path, staging: Path) -> Contents:
    """Read the whole archive (its members into `staging`), then check every member against the manifest; nothing
    is used before that. Raises TransferError."""
    manifest_data, seen = read_members(
        path, manifest=MANIFEST, max_manifest=MAX_MANIFEST, extract_to=staging, words=WORDS, error=TransferError
    )
    if manifest_data is None:
        raise TransferError("导出文件中没有清单（manifest.json），不是本系统的镇街导出文件，未导入。")
    manifest = _manifest(manifest_data)
    compare_members(manifest.members, seen, words=WORDS, error=TransferError)
    tables: dict[str, list[dict]] = {}
    files: dict[str, Path] = {}
    for name, member in seen.items():
        if name.startswith(TABLES) and name.endswith(".jsonl") and "/" not in name[len(TABLES) :]:
            if member["size"] > MAX_TABLE:
                raise TransferError(f"导出文件中的“{name[:100]}”超过 {MAX_TABLE // 1024 // 1024} MB，未导入。")
            try:
                lines = (staging / name).read_text(encoding="utf-8").splitlines()
                tables[name[len(TABLES) : -len(".jsonl")]] = [json.loads(line) for line in lines if line]
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise TransferError("导出文件中的数据无法读取，未导入。") from None
        elif name.startswith(FILES) and "/" not in name[len(FILES) :] and len(name) > len(FILES):
            files[name[len(FILES) :]] = staging / name
        else:
            raise TransferError(f"导出文件含有不认识的条目“{name[:100]}”，未导入。")
    return Contents(manifest, tables, files)


def _manifest(data: bytes) -> Manifest:
    if len(data) > MAX_MANIFEST:
        raise TransferError("导出文件的清单过大，未导入。")
    try:
        return Manifest.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise TransferError("导出文件的清单无法识别（损坏，或不是本系统的镇街导出文件），未导入。") from None
