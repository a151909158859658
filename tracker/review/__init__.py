"""Legality review: procedures before submission, rounds, findings, conclusions, opinions, deliberation."""

from tracker.review import guards  # noqa: E402, F401  (registers the transition guards about review records)
