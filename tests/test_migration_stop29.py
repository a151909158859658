"""The city's administrator (0022): the role fits after the upgrade, and going back is refused while one exists."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging

UNIT = (
    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at, town_id) VALUES"
    " (1, '中山市司法局', 'filing_authority', false, false, true, CURRENT_TIMESTAMP, 1)"
)
CITY_ADMIN = (
    "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active, session_version,"
    " display_mode, version_id, created_at, town_id) VALUES (8, 'city_admin', '市管理', 'x', 'city_admin', 1,"
    " true, 1, 'standard', 1, CURRENT_TIMESTAMP, 1)"
)


def test_a_city_administrator_fits_after_the_upgrade_and_going_back_is_refused_while_one_exists(
    empty_database, tmp_path
):
    revision, before = test_migrations.revision_of("_city_admin.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text(UNIT))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(CITY_ADMIN))  # before: the CHECK refuses the role
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            conn.execute(sa.text(CITY_ADMIN))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET role = 'mayor' WHERE id = 8"))

        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT role FROM users WHERE id = 8")).scalar() == "city_admin"
            conn.execute(sa.text("DELETE FROM users WHERE id = 8"))
        flask_migrate.downgrade(revision=before)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(CITY_ADMIN))
