"""Composition: deadline alerts from every domain's due items, escalation, reminder digests and calendar feeds."""
