"""article source: 原创 (original) or 转载 (reprint) with the original's address

Revision ID: d2f4a6c8e0b1
Revises: b7e1c9d3f5a2
Create Date: 2026-12-06 18:20:00

Every existing article becomes "original" with no address (the notice they
show does not change).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f4a6c8e0b1'
down_revision = 'b7e1c9d3f5a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles') as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=16), nullable=False,
                                      server_default='original'))
        batch_op.add_column(sa.Column('source_url', sa.String(length=512),
                                      nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('articles') as batch_op:
        batch_op.drop_column('source_url')
        batch_op.drop_column('source')
