"""The product's .tar.gz archives (backups, a town's export): members written with their size and SHA-256 taken
as they pass, and read back only when they are plain files with plain relative names."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


class _Hashing:
    """A file read once: into the archive and through SHA-256 at the same time."""

    def __init__(self, fh):
        self.fh, self.sha256, self.size = fh, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def add_file(tar: tarfile.TarFile, source: Path, name: str) -> dict:
    """The file as member `name` (its own modification time); returns {"size", "sha256"} of what was written."""
    with open(source, "rb") as fh:
        stat = os.fstat(fh.fileno())
        reader = _Hashing(fh)
        tar.addfile(_info(name, stat.st_size, stat.st_mtime), reader)
    return {"size": reader.size, "sha256": reader.sha256.hexdigest()}


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, *, mtime: float = 0) -> dict:
    tar.addfile(_info(name, len(data), mtime), io.BytesIO(data))
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def plain_member(member: tarfile.TarInfo) -> bool:
    """A regular file under a relative name without `..` or backslashes (no link, device or path escape)."""
    name = member.name
    path = PurePosixPath(name)
    return (
        member.isfile()
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in name
        and name == path.as_posix()
    )


class ArchiveError(Exception):
    """An archive that cannot be written, checked or read; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Words:
    """How refusals name the archive and what happens to it: (备份文件, 未使用), (导出文件, 未导入)."""

    archive: str
    outcome: str


CHUNK = 1024 * 1024


def read_members(
    path: Path, *, manifest: str, max_manifest: int, extract_to: Path | None, words: Words, error: type[ArchiveError]
) -> tuple[bytes | None, dict[str, dict]]:
    """Every member of the .tar.gz hashed ({name: {"size", "sha256"}}) and, with `extract_to`, written under it;
    the manifest member's bytes kept instead. Only plain files with plain names, none twice; the compressed stream
    read to its end, so damage there shows. Raises `error` with the reason."""
    manifest_data: bytes | None = None
    seen: dict[str, dict] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                name = member.name
                if not plain_member(member):
                    raise error(f"{words.archive}含有不允许的条目“{name[:100]}”，{words.outcome}。")
                if name in seen or (name == manifest and manifest_data is not None):
                    raise error(f"{words.archive}中“{name[:100]}”出现了两次，{words.outcome}。")
                fh = tar.extractfile(member)
                if name == manifest:
                    manifest_data = fh.read(max_manifest + 1)
                    continue
                digest, size = hashlib.sha256(), 0
                out = None
                if extract_to is not None:
                    target = extract_to / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    out = open(target, "wb")
                try:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if out is not None:
                            out.write(chunk)
                finally:
                    if out is not None:
                        out.close()
                seen[name] = {"size": size, "sha256": digest.hexdigest()}
            # Read on to the end of the compressed stream: a damaged block or checksum shows there even where the
            # tar reader took the damage for the end of the archive.
            while tar.fileobj.read(CHUNK):
                pass
    except ArchiveError:
        raise
    except FileNotFoundError:
        raise error(f"找不到{words.archive} {path}。") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise error(f"{words.archive}已损坏，无法读取（{type(exc).__name__}），{words.outcome}。") from None
    return manifest_data, seen


def compare_members(expected: dict[str, dict], seen: dict[str, dict], *, words: Words, error: type[ArchiveError]):
    """The members read are exactly those the manifest lists, each with its size and SHA-256."""
    missing = sorted(set(expected) - set(seen))
    extra = sorted(set(seen) - set(expected))
    if missing:
        raise error(f"{words.archive}缺少清单所列的 {len(missing)} 个文件（如“{missing[0]}”），{words.outcome}。")
    if extra:
        raise error(f"{words.archive}含有清单以外的 {len(extra)} 个文件（如“{extra[0]}”），{words.outcome}。")
    for name, wanted in expected.items():
        if seen[name] != wanted:
            raise error(f"“{name}”的校验和与清单不符（文件已损坏或被改动），{words.outcome}。")


def sha256_of(path: Path) -> str | None:
    """The file's SHA-256, None when it cannot be read."""
    try:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
