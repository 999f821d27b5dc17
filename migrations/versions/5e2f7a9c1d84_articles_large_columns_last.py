"""articles: the large columns stored last (SQLite)

Revision ID: 5e2f7a9c1d84
Revises: 91b997c0218d
Create Date: 2026-12-08 01:10:00

SQLite stores a row's values in the order of the table's columns, and a
row larger than a page continues on overflow pages: reading a value stored
after a body means walking the body's overflow pages first. The articles
table had its bodies near the front (body_markdown, body_html) and columns
added later (public_title, toc) behind them, so every list card, related
article and neighbour link read through whole bodies to reach its title.
The table is rebuilt with the small columns first and the large ones last
(excerpt, review_note, toc, body_html, body_markdown), the order of the
model (cms.models.article), which `create_all` also follows.

PostgreSQL keeps large values out of line (TOAST) whatever the order:
nothing is done there. The downgrade leaves the order as it is (a column's
place is not part of the schema anything relies on).
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "5e2f7a9c1d84"
down_revision = "91b997c0218d"
branch_labels = None
depends_on = None

# Frozen here (the model's order when this was written), as a migration
# must do the same thing whatever the model later becomes.
ORDER = (
    "id",
    "public_id",
    "title",
    "public_title",
    "reading_words",
    "reading_minutes",
    "summary",
    "status",
    "published_at",
    "owner_id",
    "contributor",
    "source",
    "source_url",
    "category_id",
    "cover_media_id",
    "allow_comments",
    "show_tip",
    "tip_opens",
    "version",
    "view_count",
    "sticky",
    "password_hash",
    "body_format",
    "comment_count",
    "created_at",
    "updated_at",
    "excerpt",
    "review_note",
    "toc",
    "body_html",
    "body_markdown",
)


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    # Rebuilt by copying (the foreign keys pointing here are kept: env.py
    # turns their enforcement off for the copy and checks them after).
    with op.batch_alter_table(
        "articles", recreate="always", partial_reordering=[ORDER]
    ):
        pass


def downgrade():
    pass
