"""The base form: WTForms' own messages in Chinese (e.g. for a forged or stale choice)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from tracker.common.views import posted


class Form(FlaskForm):
    class Meta:
        locales = ("zh",)

    def is_submitted(self) -> bool:
        # A page shown again after another action's refusal keeps the input but is not itself submitted.
        return posted()


def expected_version(field) -> int | None:
    """The record version a form was loaded with (a hidden field), or None when it is missing or not a number."""
    value = str(field.data if field.data is not None else "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None
