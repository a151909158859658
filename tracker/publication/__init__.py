"""Signing, unified numbering, publication, entry into force and validity."""

from tracker.publication import guards  # noqa: E402, F401  (registers the transition guards about publication records)
