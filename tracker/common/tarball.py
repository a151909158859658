"""The product's .tar.gz archives (backups, a town's export): members written with their size and SHA-256 taken
as they pass, and read back only when they are plain files with plain relative names."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
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
