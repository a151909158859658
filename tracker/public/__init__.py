"""The public library of published documents (统一发布): read-only, no login."""
