"""Clean-up campaigns (清理) and evaluation before expiry (评估)."""
