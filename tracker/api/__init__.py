"""A read-only JSON API for other office systems: per-user tokens, the same permissions as the pages."""
