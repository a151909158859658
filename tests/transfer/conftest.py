"""Fixtures of the town-transfer tests: the demo city as the install a town leaves, and a second install (a fresh
database of the suite's kind, its own upload folder) whose city the town joins."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.backends import SUITE_BACKEND, fresh_database
from tracker import create_app
from tracker.auth.models import Role, Unit, UnitKind
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.auth.towns import ensure_town
from tracker.common.timeutil import now_utc
from tracker.demo import CITY, DEMO_PASSWORD, load_demo
from tracker.extensions import db as _db
from tracker.setup import ensure_reference_data


@pytest.fixture
def demo(app, db, uploads):
    """The demo city (沙溪镇 and its neighbours, the city's justice bureau) in the suite's database, its files in
    this test's own upload folder."""
    load_demo(now=now_utc())
    db.session.commit()
    return app


@pytest.fixture
def exported(demo, tmp_path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    result = demo.test_cli_runner().invoke(args=["towns", "export", "--town", "沙溪镇", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [path] = out.glob("town-*.tar.gz")
    return path


def build_city(*, bureau_user: bool = True) -> None:
    """A city install before the town joins: the city, a town of its own, the justice bureau (and its reviewer)."""
    now = now_utc()
    ensure_reference_data(now)
    city = ensure_town(city=CITY, town="港口镇", now=now).parent
    _db.session.add(
        Unit(
            name="中山市司法局", short_name="市司法局", kind=UnitKind.FILING_AUTHORITY, town_id=city.id, created_at=now
        )
    )
    _db.session.flush()
    if bureau_user:
        add_bureau_reviewer()
    _db.session.commit()


def add_bureau_reviewer() -> None:
    unit = _db.session.scalar(sa.select(Unit).where(Unit.name == "中山市司法局"))
    create_user(
        actor=SYSTEM,
        now=now_utc(),
        username="bureau",
        display_name="孙备案",
        role=Role.BUREAU,
        unit_id=unit.id,
        password=DEMO_PASSWORD,
    )
    _db.session.commit()


@pytest.fixture
def target(tmp_path):
    """A second install, its database created and empty; `build_city()` inside its context fills it."""
    with fresh_database(SUITE_BACKEND, tmp_path, "city") as url:
        other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "city-uploads"))
        with other.app_context():
            _db.create_all()
        yield other
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()
