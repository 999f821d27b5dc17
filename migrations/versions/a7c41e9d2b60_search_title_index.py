"""search: an index of the titles alone (FTS5 on SQLite, GIN on PostgreSQL)

Revision ID: a7c41e9d2b60
Revises: 0dbe1499e099
Create Date: 2026-12-07 03:10:00

Search ranks title matches first. They are read newest first from an index
of the titles alone, so that an older article whose title holds a word is
found however many newer bodies hold it, and the read stays bounded by the
window (the combined index's postings of a word common in bodies would have
to be scanned to find its title matches). SQLite: an FTS5 table over
search_documents.title_terms (external content, kept in step by triggers),
filled from the existing rows. PostgreSQL: a GIN index on the titles'
tsvector. The statements are written out here, frozen.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c41e9d2b60'
down_revision = '0dbe1499e099'
branch_labels = None
depends_on = None

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE search_fts_title USING fts5(title_terms, "
    "content='search_documents', content_rowid='article_id', "
    "tokenize=\"unicode61 remove_diacritics 0 tokenchars '-+.#_'\")",
    "CREATE TRIGGER search_documents_title_ai AFTER INSERT ON search_documents "
    "BEGIN INSERT INTO search_fts_title(rowid, title_terms) "
    "VALUES (new.article_id, new.title_terms); END",
    "CREATE TRIGGER search_documents_title_ad AFTER DELETE ON search_documents "
    "BEGIN INSERT INTO search_fts_title(search_fts_title, rowid, title_terms) "
    "VALUES ('delete', old.article_id, old.title_terms); END",
    "CREATE TRIGGER search_documents_title_au AFTER UPDATE ON search_documents "
    "BEGIN INSERT INTO search_fts_title(search_fts_title, rowid, title_terms) "
    "VALUES ('delete', old.article_id, old.title_terms); "
    "INSERT INTO search_fts_title(rowid, title_terms) "
    "VALUES (new.article_id, new.title_terms); END",
    "INSERT INTO search_fts_title(search_fts_title) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS search_documents_title_ai",
    "DROP TRIGGER IF EXISTS search_documents_title_ad",
    "DROP TRIGGER IF EXISTS search_documents_title_au",
    "DROP TABLE IF EXISTS search_fts_title",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DDL:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_search_documents_title_tsv ON search_documents "
            "USING gin (to_tsvector('simple'::regconfig, title_terms))"
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    elif dialect == "postgresql":
        op.drop_index("ix_search_documents_title_tsv", table_name="search_documents")
