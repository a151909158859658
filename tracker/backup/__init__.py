"""Backups: one archive with a consistent snapshot of the database and the upload folder; verify; restore."""
