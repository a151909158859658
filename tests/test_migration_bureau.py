"""The bureau migration: filings made so far were answered elsewhere, the new values are admitted, and a downgrade
that would lose the bureau's work is refused."""

from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from tests import test_migrations
from tracker.extensions import db

empty_database = test_migrations.empty_database
_keep_logging = test_migrations._keep_logging


def _run(conn, sql: str, **values) -> None:
    conn.execute(sa.text(sql), values)


def _install_with_a_filing(conn) -> None:
    """A town of 0013 with one published document filed once through the city's own system."""
    _run(
        conn,
        "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at, town_id) VALUES"
        " (1, '沙溪镇党政办公室', 'department', true, true, true, CURRENT_TIMESTAMP, 2),"
        " (2, '中山市司法局', 'filing_authority', false, false, true, CURRENT_TIMESTAMP, 1)",
    )
    _run(
        conn,
        "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active, session_version,"
        " display_mode, version_id, created_at, town_id) VALUES (1, 'clerk', '文秘', 'x', 'clerk', 1, true, 1,"
        " 'standard', 1, CURRENT_TIMESTAMP, 2)",
    )
    _run(
        conn,
        "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary, necessity,"
        " is_major, affects_market, status, filing_status, status_changed_at, updated_at, version_id, created_at,"
        " town_id) VALUES (1, '沙溪镇某某办法', 'government', 1, 1, 'none', '', '', false, false, 'in_force',"
        " 'submitted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, CURRENT_TIMESTAMP, 2)",
    )
    _run(
        conn,
        "INSERT INTO publications (id, document_id, is_current, signed_on, signer, issue_scope, issue_year,"
        " issue_seq, issue_number, numbers_entered_by_hand, published_on, created_at, issue_number_typed)"
        " VALUES (1, 1, true, '2026-10-20', '镇长', 'issue:沙府', 2026, 1, '沙府〔2026〕1号', false, '2026-10-22',"
        " CURRENT_TIMESTAMP, false)",
    )
    _run(
        conn,
        "INSERT INTO filings (id, document_id, publication_id, authority_id, due_on, due_rule_code, due_rule_days,"
        " due_provisional, first_submitted_on, created_at) VALUES (1, 1, 1, 2, '2026-11-06', 'filing_deadline', 15,"
        " false, '2026-10-26', CURRENT_TIMESTAMP)",
    )
    _run(
        conn,
        "INSERT INTO filing_attempts (id, filing_id, attempt_no, submitted_on, method, result_note,"
        " review_due_provisional) VALUES (1, 1, 1, '2026-10-26', '中山市规范性文件管理系统', '', false)",
    )


def _bureau_reviewer(conn) -> None:
    _run(
        conn,
        "INSERT INTO users (id, username, display_name, password_hash, role, unit_id, active, session_version,"
        " display_mode, version_id, created_at, town_id) VALUES (2, 'bureau', '备案审查员', 'x', 'bureau', 2, true,"
        " 1, 'standard', 1, CURRENT_TIMESTAMP, 1)",
    )


def test_filings_so_far_were_answered_elsewhere_and_the_bureau_fits_after_the_upgrade(empty_database, tmp_path):
    revision, before = test_migrations.revision_of("_bureau_review.py")
    app = test_migrations._app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision=before)
        with db.engine.begin() as conn:
            _install_with_a_filing(conn)
        # Before: the CHECK admits no bureau reviewer.
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _bureau_reviewer(conn)
        flask_migrate.upgrade(revision=revision)
        with db.engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT in_product, accepted_on, reviewer_id, opinion_number FROM filing_attempts")
            ).one()
        assert tuple(row) == (False, None, None, None)
        with db.engine.begin() as conn:
            _bureau_reviewer(conn)
            _run(conn, "UPDATE documents SET filing_status = 'packet_returned'")
            _run(
                conn,
                "UPDATE filing_attempts SET in_product = true, accepted_on = '2026-10-27', reviewer_id = 2,"
                " result = 'packet_returned', result_on = '2026-10-27'",
            )
        # Acceptance never precedes receipt.
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _run(conn, "UPDATE filing_attempts SET accepted_on = '2026-10-25'")

        # The bureau has worked here: going back would lose it, and is refused with nothing changed.
        with pytest.raises(SystemExit):
            flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM users WHERE role = 'bureau'")).scalar() == 1

        with db.engine.begin() as conn:
            _run(conn, "UPDATE filing_attempts SET result = NULL, result_on = NULL, reviewer_id = NULL")
            _run(conn, "UPDATE documents SET filing_status = 'submitted'")
            _run(conn, "DELETE FROM users WHERE id = 2")
        flask_migrate.downgrade(revision=before)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("filing_attempts")}
            assert "in_product" not in columns and "opinion_number" not in columns
            assert conn.execute(sa.text("SELECT count(*) FROM filing_attempts")).scalar() == 1
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            _bureau_reviewer(conn)
