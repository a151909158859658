"""The city leader migration (0016): the new role fits after the upgrade, the town indexes of 0015 are there, and a
downgrade that would lose a city leader is refused."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging


def _city_leader(conn) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active, session_version,"
            " display_mode, version_id, created_at, town_id) VALUES (7, 'city_lead', '市领导', 'x', 'city_leader', 1,"
            " true, 1, 'standard', 1, CURRENT_TIMESTAMP, 1)"
        )
    )


def test_a_city_leader_fits_after_the_upgrade_and_going_back_is_refused_while_one_exists(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_city_leader.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at, town_id) VALUES"
                    " (1, '中山市司法局', 'filing_authority', false, false, true, CURRENT_TIMESTAMP, 1)"
                )
            )
        with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
            _city_leader(conn)  # before: the CHECK (and on PostgreSQL the column's width) refuses the role
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            _city_leader(conn)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE users SET role = 'mayor' WHERE id = 7"))
        with db.engine.connect() as conn:
            alerts = {i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("alerts")}
        assert alerts["ix_alerts_town_id_level_due_on"] == ["town_id", "level", "due_on"]
        assert "ix_alerts_level_kind_unit_id" not in alerts

        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT role FROM users WHERE id = 7")).scalar() == "city_leader"
            conn.execute(sa.text("DELETE FROM users WHERE id = 7"))
        flask_migrate.downgrade(revision="0014")
        with db.engine.connect() as conn:
            alerts = {i["name"] for i in sa.inspect(conn).get_indexes("alerts")}
        assert "ix_alerts_level_kind_unit_id" in alerts and "ix_alerts_town_id_level_due_on" not in alerts
        with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
            _city_leader(conn)
