"""Append-only audit events and the history views built from them."""

# Every session seals the audit events it wrote when it commits (the hash chain): the hooks are in place as soon as
# anything of the audit package is imported.
from tracker.audit import chain  # noqa: F401
