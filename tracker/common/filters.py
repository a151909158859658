"""Jinja filters for dates and times as people in the office read them."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask

from tracker.common.timeutil import local_time


def date_cn(value: date | None) -> str:
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def datetime_local(value: datetime | None) -> str:
    local = local_time(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""


def register(app: Flask) -> None:
    app.jinja_env.filters["date_cn"] = date_cn
    app.jinja_env.filters["localtime"] = datetime_local
