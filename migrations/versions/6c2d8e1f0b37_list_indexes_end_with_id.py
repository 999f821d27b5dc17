"""list indexes end with id: category and author lists in index order

Revision ID: 6c2d8e1f0b37
Revises: 7d3a9c1e5b20
Create Date: 2026-12-06 18:05:00

The category and author pages list articles by (published_at, id), newest
first, and go on past their numbered pages by keyset on that pair. SQLite
appends the rowid to every index entry, PostgreSQL does not: with id in the
index both read the list in index order, with no sort, and enter a keyset
page at its cursor.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '6c2d8e1f0b37'
down_revision = '7d3a9c1e5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_articles_category_id_status_published_at_id', 'articles',
        ['category_id', 'status', 'published_at', 'id'], unique=False,
    )
    op.drop_index('ix_articles_category_id_status_published_at', table_name='articles')
    op.create_index(
        'ix_articles_owner_id_status_published_at_id', 'articles',
        ['owner_id', 'status', 'published_at', 'id'], unique=False,
    )
    op.drop_index('ix_articles_owner_id_status_published_at', table_name='articles')


def downgrade():
    op.create_index(
        'ix_articles_owner_id_status_published_at', 'articles',
        ['owner_id', 'status', 'published_at'], unique=False,
    )
    op.drop_index('ix_articles_owner_id_status_published_at_id', table_name='articles')
    op.create_index(
        'ix_articles_category_id_status_published_at', 'articles',
        ['category_id', 'status', 'published_at'], unique=False,
    )
    op.drop_index(
        'ix_articles_category_id_status_published_at_id', table_name='articles'
    )
