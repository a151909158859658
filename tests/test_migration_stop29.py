"""The city's administrator (0022): the role fits after the upgrade, and going back is refused while one exists;
the register's year on the document (0023), filled from the records."""

from __future__ import annotations

from datetime import UTC, date, datetime

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


def test_the_register_year_is_filled_from_the_records(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_register_year.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        sqlite = db.engine.dialect.name == "sqlite"

        def instant(text: str):  # as the app stores an instant: naive UTC on SQLite, timestamptz on PostgreSQL
            value = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return value.replace(tzinfo=None) if sqlite else value

        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at, town_id) VALUES"
                    " (1, '沙溪镇人民政府', 'government', true, true, true, CURRENT_TIMESTAMP, 2)"
                )
            )
            documents = (
                # id, status, created (UTC): a draft registered on the office's New Year's night (2026 there) …
                (1, "drafting", "2025-12-31 17:00:00"),
                # … one published in 2024 (registered in 2023), one in a published state with no date recorded.
                (2, "in_force", "2023-06-01 02:00:00"),
                (3, "published", "2022-06-01 02:00:00"),
            )
            for doc_id, status, created in documents:
                conn.execute(
                    sa.text(
                        "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary,"
                        " necessity, is_major, affects_market, status, filing_status, status_changed_at,"
                        " updated_at, version_id, created_at, town_id) VALUES (:id, :title, 'government', 1, 1,"
                        " 'none', '', '', false, false, :status, 'not_submitted', :at, :at, 1, :at, 2)"
                    ),
                    {"id": doc_id, "title": f"文件{doc_id}", "status": status, "at": instant(created)},
                )
            for pub_id, doc_id, current, published_on in ((1, 2, False, "2023-08-01"), (2, 2, True, "2024-03-01")):
                conn.execute(
                    sa.text(
                        "INSERT INTO publications (id, document_id, is_current, signed_on, signer, issue_scope,"
                        " issue_year, issue_seq, issue_number, numbers_entered_by_hand, published_on, created_at,"
                        " issue_number_typed) VALUES (:id, :doc, :current, :on, '', 'issue:沙府', 2024, :id,"
                        " :number, false, :on, CURRENT_TIMESTAMP, false)"
                    ),
                    {
                        "id": pub_id,
                        "doc": doc_id,
                        "current": current,
                        "on": date.fromisoformat(published_on),
                        "number": f"沙府〔2024〕{pub_id}号",
                    },
                )
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            years = dict(conn.execute(sa.text("SELECT id, register_year FROM documents")).all())
            indexes = {i["name"]: i["column_names"] for i in sa.inspect(conn).get_indexes("documents")}
        assert years == {1: 2026, 2: 2024, 3: None}
        assert indexes["ix_documents_town_id_register_year_status"] == ["town_id", "register_year", "status"]
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert "register_year" not in {c["name"] for c in sa.inspect(conn).get_columns("documents")}
