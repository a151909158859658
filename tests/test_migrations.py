"""migrations/ equals the models: `upgrade head` on an empty database, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import ast
import logging
import os
import re
import uuid
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.schema import CreateTable

from config import TestConfig
from tracker import create_app
from tracker.documents.models import SQLITE_FTS_TABLE, TRGM_INDEX
from tracker.documents.search import include_object
from tracker.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


# PostgreSQL is exercised whenever the suite runs against it (CI's second run); SQLite always.
BACKENDS = ["sqlite"] + (["postgresql"] if _postgres_url() else [])


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """The URL of a database that exists and holds nothing."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    server = sa.make_url(_postgres_url())
    name = f"tracker_mig_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(autouse=True)
def _keep_logging():
    """migrations/env.py configures logging from alembic.ini; give the rest of the suite its logging back."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def revision_of(suffix: str) -> tuple[str, str]:
    """(the migration whose file ends with `suffix`, the one before it): found by file name, so that re-chaining
    the ids does not break a test of one migration."""
    for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions():
        if script.path.endswith(suffix):
            return script.revision, script.down_revision
    pytest.fail(f"no *{suffix} migration")


def _app(url: str, tmp_path: Path):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "uploads"))


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _modelled_tables(engine) -> set[str]:
    """The tables, less those the project declares outside the models (the SQLite full-text index)."""
    include = include_object(engine.dialect.name)
    return {name for name in _tables(engine) if include(None, name, "table", True, None)}


def _schema_diff(engine) -> list:
    with engine.connect() as conn:
        opts = {
            "compare_type": True,
            "compare_server_default": True,
            "render_as_batch": True,
            "include_object": include_object(engine.dialect.name),
        }
        return compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)


def _search_index_exists(engine) -> bool:
    """The dialect's own search index, which the comparison leaves out, was made by the migrations too."""
    inspector = sa.inspect(engine)
    if engine.dialect.name == "sqlite":
        return SQLITE_FTS_TABLE in inspector.get_table_names()
    return TRGM_INDEX in {ix["name"] for ix in inspector.get_indexes("document_search")}


def _check_constraint_names(engine) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Alembic's comparison ignores CHECK constraints; compare their names (the house relies on them)."""
    inspector = sa.inspect(engine)
    expected, actual = {}, {}
    for table in db.metadata.sorted_tables:
        ddl = str(CreateTable(table).compile(dialect=engine.dialect))
        expected[table.name] = set(re.findall(r'CONSTRAINT "?(\w+)"? CHECK', ddl))
        actual[table.name] = {c["name"] for c in inspector.get_check_constraints(table.name)}
    return expected, actual


def _head() -> str:
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return heads[0]


def test_upgrade_head_on_an_empty_database_equals_the_models(empty_database, tmp_path):
    app = _app(empty_database, tmp_path)
    with app.app_context():
        assert _tables(db.engine) == set()
        flask_migrate.upgrade()

        assert _modelled_tables(db.engine) == set(db.metadata.tables) | {"alembic_version"}
        assert _schema_diff(db.engine) == []
        assert _search_index_exists(db.engine)
        expected, actual = _check_constraint_names(db.engine)
        assert actual == expected
        assert sum(len(names) for names in expected.values()) > 10  # the comparison saw the enums' CHECKs
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == [_head()]
        db.engine.dispose()


def test_downgrade_to_base_then_upgrade_head_again(empty_database, tmp_path):
    app = _app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        assert _tables(db.engine) == {"alembic_version"}
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 0

        flask_migrate.upgrade()
        assert _modelled_tables(db.engine) == set(db.metadata.tables) | {"alembic_version"}
        assert _schema_diff(db.engine) == []
        assert _search_index_exists(db.engine)
        db.engine.dispose()


def test_the_app_factory_never_runs_migrations(empty_database, tmp_path):
    app = _app(empty_database, tmp_path)
    client = app.test_client()
    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    with app.app_context():
        assert _tables(db.engine) == set()
        db.engine.dispose()


def test_migration_files_import_nothing_from_the_application():
    files = sorted((MIGRATIONS / "versions").glob("*.py")) + [MIGRATIONS / "env.py"]
    assert len(files) >= 2
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"tracker", "config", "wsgi"}]
    assert offenders == []


def test_running_migrations_leaves_the_application_loggers_enabled(tmp_path):
    # alembic.ini's fileConfig() disables every logger that already exists unless told not to.
    logger = logging.getLogger("tracker.scheduler")
    assert not logger.disabled
    app = _app(f"sqlite:///{tmp_path / 'log.sqlite3'}", tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    assert not logger.disabled


def test_the_practice_migration_splits_the_shared_normative_series_and_keeps_the_data(empty_database, tmp_path):
    """0009 on a database in use: each 规 number's series is read off it, counters follow, catalogue rows verified."""
    app = _app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        with db.engine.begin() as conn:
            now = "2026-03-01 02:00:00"
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, number_prefix, active, created_at)"
                    " VALUES (1, '沙溪镇人民政府', 'government', true, false, '沙府', true, :now),"
                    " (2, '沙溪镇人民政府办公室', 'government_office', true, false, '沙府办', true, :now)"
                ),
                {"now": now},
            )
            for doc_id, issuer in ((1, 1), (2, 2)):
                conn.execute(
                    sa.text(
                        "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary,"
                        " necessity, is_major, affects_market, status, filing_status, status_changed_at,"
                        " updated_at, version_id, created_at) VALUES (:id, :title, 'government', :issuer, :issuer,"
                        " 'none', '', '', false, false, 'numbered', 'not_submitted', :now, :now, 1, :now)"
                    ),
                    {"id": doc_id, "title": f"文件{doc_id}", "issuer": issuer, "now": now},
                )
            for pub_id, issue, normative in (
                (1, "沙府〔2026〕3号", "沙府规字〔2026〕1号"),
                (2, "沙府办〔2026〕5号", "沙府规字〔2026〕2号"),
            ):
                scope = "issue:" + issue.split("〔")[0]
                conn.execute(
                    sa.text(
                        "INSERT INTO publications (id, document_id, is_current, signed_on, signer, issue_scope,"
                        " issue_year, issue_seq, issue_number, normative_scope, normative_year, normative_seq,"
                        " normative_number, numbers_entered_by_hand, created_at) VALUES (:id, :id, true,"
                        " '2026-03-01', '', :scope, 2026, :iseq, :issue, 'normative', 2026, :id, :normative, false,"
                        " :now)"
                    ),
                    {"id": pub_id, "scope": scope, "iseq": int(issue[-2]), "issue": issue, "normative": normative,
                     "now": now},
                )  # fmt: skip
            conn.execute(
                sa.text(
                    "INSERT INTO number_counters (scope, year, last_value) VALUES"
                    " ('issue:沙府', 2026, 3), ('issue:沙府办', 2026, 5), ('normative', 2026, 2)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO settings (key, value, description, updated_at) VALUES"
                    " ('normative_number_pattern', :v, '规范性文件统一编号格式', :now)"
                ),
                {"v": '"沙府规字〔{year}〕{seq}号"', "now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO legal_sources (id, title, kind, state, state_changed_on, created_at)"
                    " VALUES (1, '社会救助暂行办法', 'regulation', 'repealed', '2026-02-01', :now)"
                ),
                {"now": now},
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            scopes = conn.execute(
                sa.text("SELECT id, issue_scope, normative_scope FROM publications ORDER BY id")
            ).all()
            counters = set(conn.execute(sa.text("SELECT scope, year, last_value FROM number_counters")).all())
            pattern = conn.execute(
                sa.text("SELECT value FROM settings WHERE key = 'normative_number_pattern'")
            ).scalar()
            source = conn.execute(sa.text("SELECT verified, repealed_on FROM legal_sources")).one()
        assert [tuple(r) for r in scopes] == [
            (1, "issue:沙府", "normative:沙府规字"),
            (2, "issue:沙府办", "normative:沙府规字"),
        ]
        assert counters == {("issue:沙府", 2026, 3), ("issue:沙府办", 2026, 5), ("normative:沙府规字", 2026, 2)}
        assert pattern == '"{prefix}规字〔{year}〕{seq}号"'
        assert bool(source[0]) is True and str(source[1]) == "2026-02-01"
        db.engine.dispose()


def test_the_city_review_migration_dates_the_answers_still_awaited(empty_database, tmp_path):
    """0010 on a database in use: a submission the city has not answered gets its answer's due date (submission +
    the town's `filing_review` days, provisional until the next scan rolls it on the calendar); answered ones none."""
    app = _app(empty_database, tmp_path)
    with app.app_context():
        flask_migrate.upgrade(revision="0009")
        with db.engine.begin() as conn:
            now = "2026-03-01 02:00:00"
            conn.execute(
                sa.text(
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, number_prefix, active, created_at)"
                    " VALUES (1, '沙溪镇人民政府', 'government', true, false, '沙府', true, :now),"
                    " (2, '中山市司法局', 'filing_authority', false, false, NULL, true, :now)"
                ),
                {"now": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO rules (code, name, value, unit, source, confidence, note, version_id, updated_at)"
                    " VALUES ('filing_review', '备案审查期限', 40, 'cd', '本市规定', 'V', '', 1,"
                    " :now)"
                ),
                {"now": now},
            )
            for doc_id in (1, 2):
                conn.execute(
                    sa.text(
                        "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary,"
                        " necessity, is_major, affects_market, status, filing_status, status_changed_at,"
                        " updated_at, version_id, created_at) VALUES (:id, :title, 'government', 1, 1,"
                        " 'none', '', '', false, false, 'in_force', :fs, :now, :now, 1, :now)"
                    ),
                    {"id": doc_id, "title": f"文件{doc_id}", "fs": "submitted" if doc_id == 1 else "registered",
                     "now": now},
                )  # fmt: skip
                conn.execute(
                    sa.text(
                        "INSERT INTO publications (id, document_id, is_current, signed_on, signer, issue_scope,"
                        " issue_year, issue_seq, issue_number, numbers_entered_by_hand, issue_number_typed,"
                        " created_at) VALUES (:id, :id, true, '2026-03-01', '', 'issue:沙府', 2026, :id,"
                        " :number, false, false, :now)"
                    ),
                    {"id": doc_id, "number": f"沙府〔2026〕{doc_id}号", "now": now},
                )
                conn.execute(
                    sa.text(
                        "INSERT INTO filings (id, document_id, publication_id, authority_id, due_on, due_rule_code,"
                        " due_rule_days, due_provisional, first_submitted_on, created_at) VALUES (:id, :id, :id, 2,"
                        " '2026-03-20', 'filing_deadline', 15, false, '2026-03-10', :now)"
                    ),
                    {"id": doc_id, "now": now},
                )
            conn.execute(
                sa.text(
                    "INSERT INTO filing_attempts (id, filing_id, attempt_no, submitted_on, method, result, result_on,"
                    " result_note) VALUES (1, 1, 1, '2026-03-10', '系统', NULL, NULL, ''),"
                    " (2, 2, 1, '2026-03-10', '系统', 'registered', '2026-03-30', '')"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT id, review_due_on, review_due_days, review_due_provisional, review_extended_on"
                    " FROM filing_attempts ORDER BY id"
                )
            ).all()
        assert [(r[0], str(r[1]) if r[1] else None, r[2], bool(r[3]), r[4]) for r in rows] == [
            (1, "2026-04-19", 40, True, None),  # 03-10 + 40 days
            (2, None, None, False, None),
        ]
        db.engine.dispose()
