"""The signing key of a development instance: random, made once per instance folder and kept there."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "secret_key"
KEY_BYTES = 48  # token_urlsafe(48) gives 64 characters, well over the production minimum


class DamagedKeyFile(RuntimeError):
    pass


def instance_secret_key(instance_dir: Path, *, min_length: int) -> str:
    """The key in `instance_dir/secret_key`, creating it on first use.

    Two gunicorn workers and the scheduler start at the same moment and must end up with one key: the new key is
    written to a private temporary file and hard-linked into place, which succeeds for exactly one process; the
    others read the winner's complete file.
    """
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / KEY_FILE
    if not path.exists():
        tmp = instance_dir / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(KEY_BYTES) + "\n")
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process made it first: use that one
        finally:
            tmp.unlink()
    key = path.read_text(encoding="ascii").strip()
    if len(key) < min_length:
        raise DamagedKeyFile(
            f"{path} 中的签名密钥少于 {min_length} 个字符或已损坏。"
            "删除该文件后重新启动即可生成新密钥（所有人需重新登录）。"
        )
    return key
