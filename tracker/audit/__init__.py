"""Append-only audit events and the history views built from them."""
