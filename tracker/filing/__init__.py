"""Filing (备案) with the city justice bureau: packet, submission, result, correction."""

from tracker.filing import guards  # noqa: E402, F401  (registers the guards of the filing transitions)
