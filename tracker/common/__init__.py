"""Helpers with no domain rules: time, formatting, navigation, the form-view pattern."""
