"""The base form: WTForms' own messages in Chinese (e.g. for a forged or stale choice)."""

from __future__ import annotations

from flask_wtf import FlaskForm


class Form(FlaskForm):
    class Meta:
        locales = ("zh",)
