"""The city's tests read the demo city (three towns, the bureau, the city leader), loaded afresh for each module."""

from __future__ import annotations

import pytest

from tests.conftest import _truncate_all
from tracker.common.timeutil import now_utc
from tracker.demo import load_demo
from tracker.extensions import db


@pytest.fixture(scope="module")
def city(app):
    with app.app_context():
        _truncate_all()
        load_demo(now=now_utc())
        db.session.commit()
        db.session.remove()
    return app
