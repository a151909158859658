"""register indexes, Chinese search (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), saved filters

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00

Written by hand: the SQLite FTS5 table and its triggers, and the PostgreSQL extension and GIN index, are
dialect-specific DDL that autogenerate cannot express. The statements repeat those of
tracker/documents/models.py (a migration imports nothing from the application).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FTS = "document_search_fts"
SQLITE_FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(content, content='document_search',"
    " content_rowid='document_id', tokenize='trigram', columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS document_search_ai AFTER INSERT ON document_search BEGIN"
    f" INSERT INTO {FTS}(rowid, content) VALUES (new.document_id, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS document_search_ad AFTER DELETE ON document_search BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, content) VALUES ('delete', old.document_id, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS document_search_au AFTER UPDATE ON document_search BEGIN"
    f" INSERT INTO {FTS}({FTS}, rowid, content) VALUES ('delete', old.document_id, old.content);"
    f" INSERT INTO {FTS}(rowid, content) VALUES (new.document_id, new.content); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS document_search_ai",
    "DROP TRIGGER IF EXISTS document_search_ad",
    "DROP TRIGGER IF EXISTS document_search_au",
    f"DROP TABLE IF EXISTS {FTS}",
)


def upgrade():
    dialect = op.get_bind().dialect.name

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index("ix_documents_updated_at_id", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_documents_title_id", ["title", "id"], unique=False)
        batch_op.create_index("ix_documents_created_at", ["created_at"], unique=False)

    if dialect == "postgresql":
        # A trusted extension since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "document_search",
        sa.Column("document_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_search_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_search")),
    )
    if dialect == "postgresql":
        op.create_index(
            "ix_document_search_content_trgm",
            "document_search",
            ["content"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"content": "gin_trgm_ops"},
        )
    elif dialect == "sqlite":
        for statement in SQLITE_FTS_DDL:
            op.execute(statement)

    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_saved_filters_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_filters_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
        sa.UniqueConstraint("user_id", "name", name=op.f("uq_saved_filters_user_id_name")),
    )

    # Documents that exist already (an upgraded office database) get their search rows, in the layout of
    # tracker/documents/search.py build_content(): title, numbers (current first), latest version's text.
    if dialect == "postgresql":
        numbers = (
            "string_agg(p.issue_number || ' ' || p.normative_number, ' ' ORDER BY p.is_current DESC, p.id DESC)"
        )
        newline = "chr(10)"
    else:
        numbers = "group_concat(p.issue_number || ' ' || p.normative_number, ' ')"
        newline = "char(10)"
    op.execute(
        f"""
        INSERT INTO document_search (document_id, content)
        SELECT d.id,
               replace(d.title, {newline}, ' ') || {newline}
               || COALESCE((SELECT {numbers} FROM publications p WHERE p.document_id = d.id), '') || {newline}
               || COALESCE((SELECT v.text FROM document_versions v
                            WHERE v.document_id = d.id ORDER BY v.seq DESC LIMIT 1), '')
        FROM documents d
        """
    )


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_table("saved_filters")
    if dialect == "sqlite":
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index("ix_document_search_content_trgm", table_name="document_search", postgresql_using="gin")
    op.drop_table("document_search")
    # pg_trgm stays: another schema object may use it, and it is harmless.
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index("ix_documents_created_at")
        batch_op.drop_index("ix_documents_title_id")
        batch_op.drop_index("ix_documents_updated_at_id")
