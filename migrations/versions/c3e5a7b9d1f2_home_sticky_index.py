"""home page index: sticky articles found without walking every published one

Revision ID: c3e5a7b9d1f2
Revises: 5c1e9a7d3b24
Create Date: 2026-12-07 00:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = '5c1e9a7d3b24'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(
            'ix_articles_sticky_status_published_at_id',
            ['sticky', 'status', 'published_at', 'id'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_sticky_status_published_at_id')
