"""Fixtures of the backup tests: an upload folder of the test's own, and a second, empty instance to restore into."""

from __future__ import annotations

import pytest

from config import TestConfig
from tests.backends import SUITE_BACKEND, fresh_database
from tracker import create_app
from tracker.extensions import db as _db


@pytest.fixture
def empty_instance(tmp_path):
    """A second instance: an empty database of the suite's kind and an empty upload folder."""
    with fresh_database(SUITE_BACKEND, tmp_path, "restore") as url:
        other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "restored-uploads"))
        yield other
        with other.app_context():
            _db.engine.dispose()
