"""Legality review: procedures before submission, rounds, findings, conclusions, opinions, deliberation."""
