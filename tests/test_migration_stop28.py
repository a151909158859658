"""The city's Word statistics kind (0018), the towns' own time limits (0019) and the audit chain covering the town
(0020): up and down, each downgrade refused while it would lose or misjudge what the new schema holds."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging

TEMPLATE = (
    "INSERT INTO stored_files (id, storage_name, original_name, content_type, size, sha256, created_at) VALUES"
    " (1, 'ab.docx', 't.docx', 'x', 1, 'x', CURRENT_TIMESTAMP)"
)


def test_the_city_statistics_kind(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_city_statistics_word.py")
    app = test_migrations._app(empty_database, tmp_path)
    insert = (
        "INSERT INTO template_versions (id, kind, version_no, file_id, active, note, created_at) VALUES"
        " (1, 'city_statistics', 1, 1, false, '', CURRENT_TIMESTAMP)"
    )
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text(TEMPLATE))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert))
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            conn.execute(sa.text(insert))
        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM template_versions"))
        flask_migrate.downgrade(revision=before)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert))


def test_the_towns_own_time_limits(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_town_rules.py")
    app = test_migrations._app(empty_database, tmp_path)
    insert = (
        "INSERT INTO town_rules (town_id, code, value, note, updated_at, version_id) VALUES"
        " (1, 'review_max', :v, '', CURRENT_TIMESTAMP, 1)"
    )
    with app.app_context():
        flask_migrate.upgrade(revision=revision)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"v": 0})  # a limit of no days
        with db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"v": 10})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert), {"v": 9})  # one value per town and rule
        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM town_rules"))
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert not sa.inspect(conn).has_table("town_rules")


def test_the_chain_head_says_where_the_town_is_covered_from(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_audit_chain_town.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_chain_heads"))  # the head as an install's chain left it
            conn.execute(
                sa.text(
                    "INSERT INTO audit_chain_heads (id, seq, hash, sealed_at) VALUES (1, 7, :h, CURRENT_TIMESTAMP)"
                ),
                {"h": "a" * 64},
            )
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT town_from FROM audit_chain_heads")).scalar() == 8
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_chain_heads SET seq = 8"))  # an event sealed with its town
        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE audit_chain_heads SET seq = 7"))
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert "town_from" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_chain_heads")}


def test_a_city_clean_up_can_fall_due(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_cleanup_due.py")
    app = test_migrations._app(empty_database, tmp_path)
    insert = (
        "INSERT INTO alerts (id, town_id, kind, subject_key, due_on, provisional, level, message, created_at) VALUES"
        " (1, 1, 'cleanup_due', 'cleanup:1', '2027-03-01', false, 'open', '完成清理', CURRENT_TIMESTAMP)"
    )
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(insert))
        flask_migrate.upgrade(revision=revision)
        with db.engine.begin() as conn:
            conn.execute(sa.text(insert))
        flask_migrate.downgrade(revision=before)  # the alert goes: the older scan does not know its kind
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM alerts")).scalar() == 0
