"""The Content-Disposition of a download whose name is Chinese (RFC 6266 / RFC 5987)."""

from __future__ import annotations

from urllib.parse import quote


def attachment(name: str, fallback: str) -> str:
    """`name` for every browser that reads filename* (all current ones), `fallback` (ASCII) for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
