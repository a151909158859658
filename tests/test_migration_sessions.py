"""The sessions-and-logins migration keeps existing calendar addresses working: it stores each token's hash."""

from __future__ import annotations

import hashlib

import flask_migrate
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

# The fixtures of the migrations test: an empty database on SQLite and, when configured, PostgreSQL.
empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging


def test_existing_feed_tokens_are_hashed_and_keep_working(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_sessions_and_logins.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at)"
                    " VALUES (1, '党政办', 'department', false, true, true, CURRENT_TIMESTAMP)"
                )
            )
            for user_id, token in ((1, "subscribed-token-of-clerk"), (2, None)):
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active,"
                        " ical_token, version_id, created_at) VALUES (:id, :name, :name, 'x', 'clerk', 1, true,"
                        " :token, 1, CURRENT_TIMESTAMP)"
                    ),
                    {"id": user_id, "name": f"user{user_id}", "token": token},
                )
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, ical_token_hash, session_version FROM users ORDER BY id")).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
        assert rows == [(1, hashlib.sha256(b"subscribed-token-of-clerk").hexdigest(), 1), (2, None, 1)]
        assert "ical_token" not in columns  # the secret itself is gone from the table
        flask_migrate.upgrade()  # the later migrations too: the app's models are those of the newest schema
        calendar = app.test_client()  # a calendar program fetching the address it subscribed to before
        r = calendar.get("/ical/subscribed-token-of-clerk.ics")
        assert r.status_code == 200 and r.mimetype == "text/calendar"
        assert calendar.get(f"/ical/{rows[0][1]}.ics").status_code == 404  # the stored hash is no address
        db.session.remove()

        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT ical_token FROM users ORDER BY id")).scalars().all() == [None, None]
        db.engine.dispose()
