"""Clean-up campaigns (清理) and evaluation before expiry (评估)."""

from tracker.cleanup import guards  # noqa: E402, F401  (registers the transition guards about cleanup records)
