"""The base form: WTForms' own messages in Chinese (e.g. for a forged or stale choice), bounds every date and
integer field keeps whatever its own validators say, and the one way to read the version a form was shown with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.fields.choices import SelectChoice

from tracker.common.inputs import MAX_DATE, MAX_ID, MIN_DATE
from tracker.common.views import posted
from tracker.errors import ValidationFailed


class Form(FlaskForm):
    class Meta:
        locales = ("zh",)

    def is_submitted(self) -> bool:
        # A page shown again after another action's refusal keeps the input but is not itself submitted.
        return posted()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            value = field.data
            if isinstance(field, DateField) and isinstance(value, date) and not MIN_DATE <= value <= MAX_DATE:
                field.errors = [*field.errors, f"日期须在 {MIN_DATE} 至 {MAX_DATE} 之间。"]
                valid = False
            elif isinstance(field, IntegerField) and isinstance(value, int) and abs(value) > MAX_ID:
                field.errors = [*field.errors, "数值超出范围。"]
                valid = False
        return valid


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """A field's (value, label) choices as WTForms wants them declared (tuples are deprecated from WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def expected_version(field) -> int:
    """The version of the record the form was shown with (its hidden version_id field), as posted.

    Missing, empty or not a number, it is refused: taking it as "no check" would silently skip the check that
    stops a second person's save from overwriting the first. Read from what was posted (raw_data), never from the
    record a form may be built on: WTForms fills a field missing from the post with the record's current value.
    """
    text = (field.raw_data[0] if field.raw_data else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise ValidationFailed("页面缺少版本信息（可能已过期），修改未保存。请刷新页面后重新提交。")
    return int(text)
