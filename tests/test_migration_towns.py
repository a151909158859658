"""The towns migration makes an existing single-town install a city of one town, and numbering goes on."""

from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging


def _insert(conn, sql: str, **values) -> None:
    conn.execute(sa.text(sql), values)


def test_an_existing_install_becomes_one_town_of_its_city(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_towns.py")
    app = test_migrations._app(empty_database, tmp_path)
    app.config.update(TOWN_NAME="沙溪镇", CITY_NAME="中山市")
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            for unit_id, name, kind in ((1, "沙溪镇党政办公室", "department"), (2, "中山市司法局", "filing_authority")):
                _insert(
                    conn,
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at)"
                    " VALUES (:id, :name, :kind, false, true, true, CURRENT_TIMESTAMP)",
                    id=unit_id,
                    name=name,
                    kind=kind,
                )
            _insert(
                conn,
                "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active, session_version,"
                " display_mode, version_id, created_at) VALUES (1, 'clerk', '文秘', 'x', 'clerk', 1, true, 1,"
                " 'standard', 1, CURRENT_TIMESTAMP)",
            )
            _insert(
                conn,
                "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary, necessity,"
                " is_major, affects_market, status, filing_status, status_changed_at, updated_at, version_id,"
                " created_at) VALUES (1, '沙溪镇某某办法', 'government', 1, 1, 'none', '', '', false, false,"
                " 'drafting', 'not_submitted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP)",
            )
            _insert(conn, "INSERT INTO number_counters (scope, year, last_value) VALUES ('opinion', 2026, 7)")
            # An event of the trail (PostgreSQL refuses every UPDATE of the table but the migration's own).
            _insert(
                conn,
                "INSERT INTO audit_events (occurred_at, action, object_type, object_id, document_id, summary)"
                " VALUES (CURRENT_TIMESTAMP, 'document.register', 'document', 1, 1, '登记')",
            )
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            towns = conn.execute(sa.text("SELECT id, name, kind, parent_id FROM towns ORDER BY id")).all()
            units = dict(conn.execute(sa.text("SELECT name, town_id FROM units")).tuples().all())
            user_town = conn.execute(sa.text("SELECT town_id FROM users")).scalar()
            doc_town = conn.execute(sa.text("SELECT town_id FROM documents")).scalar()
            counters = conn.execute(sa.text("SELECT scope, last_value FROM number_counters")).all()
            event_town = conn.execute(sa.text("SELECT town_id FROM audit_events")).scalar()
        city, town = towns
        assert (city.name, city.kind, city.parent_id) == ("中山市", "city", None)
        assert (town.name, town.kind, town.parent_id) == ("沙溪镇", "town", city.id)
        assert units == {"沙溪镇党政办公室": town.id, "中山市司法局": city.id}  # the bureau is the city's
        assert user_town == doc_town == event_town == town.id
        assert counters == [(f"opinion:{town.id}", 7)]  # the town's next opinion is number 8
        # Two towns may each have a unit of the same name now.
        with db.engine.begin() as conn:
            _insert(
                conn,
                "INSERT INTO towns (id, name, kind, parent_id, active, created_at)"
                " VALUES (3, '大涌镇', 'town', 1, true, CURRENT_TIMESTAMP)",
            )
            _insert(
                conn,
                "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at, town_id)"
                " VALUES (3, '沙溪镇党政办公室', 'department', false, true, true, CURRENT_TIMESTAMP, 3)",
            )
        # Back down while one town holds documents: the extra town's unit goes first.
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM units WHERE town_id = 3"))
            conn.execute(sa.text("DELETE FROM towns WHERE id = 3"))
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT scope FROM number_counters")).scalar() == "opinion"
            assert "town_id" not in {c["name"] for c in sa.inspect(conn).get_columns("documents")}
        db.session.remove()
