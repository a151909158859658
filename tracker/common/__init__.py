"""Helpers with no domain rules: time, formatting, pagination."""
