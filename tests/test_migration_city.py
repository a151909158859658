"""The city's migrations: the town-first indexes (0015), the city leader (0016) and the city's clean-ups (0017); each
downgrade that would lose the city's records is refused."""

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


def test_the_city_clean_up_table_and_its_link_and_going_back_refused_while_one_exists(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_city_campaigns.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("cleanup_campaigns")}
        assert "city_campaign_id" in columns
        insert = (
            "INSERT INTO city_campaigns (id, town_id, name, kind, notice_ref, cutoff_on, due_on, created_at) VALUES"
            " (1, 1, '全面清理', 'comprehensive', '中司〔2026〕1号', '2026-12-01', :due, CURRENT_TIMESTAMP)"
        )
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"due": "2026-11-30"})  # due before the cut-off
        with db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"due": "2027-03-01"})
        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM city_campaigns")).scalar() == 1
            conn.execute(sa.text("DELETE FROM city_campaigns"))
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert "city_campaigns" not in sa.inspect(conn).get_table_names()
            assert "city_campaign_id" not in {c["name"] for c in sa.inspect(conn).get_columns("cleanup_campaigns")}
