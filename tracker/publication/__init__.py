"""Signing, unified numbering, publication, entry into force and validity."""
