"""comments on pages: a comment is on an article or a page (留言板), pages allow comments

Revision ID: 8bb58b30daf0
Revises: a4c7e9b1d3f6
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8bb58b30daf0'
down_revision = 'a4c7e9b1d3f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_comments', sa.Boolean(), server_default='0', nullable=False))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_id', sa.Integer(), nullable=True))
        batch_op.alter_column('article_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_comments_page_id_pages'), 'pages', ['page_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_comments_page_id_status_created_at', ['page_id', 'status', 'created_at'], unique=False)
        batch_op.create_check_constraint(batch_op.f('ck_comments_one_subject'), '(article_id IS NULL) <> (page_id IS NULL)')


def downgrade():
    # Comments on pages have nowhere to go in the older schema.
    op.execute('DELETE FROM comments WHERE page_id IS NOT NULL')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_comments_one_subject'), type_='check')
        batch_op.drop_index('ix_comments_page_id_status_created_at')
        batch_op.drop_constraint(batch_op.f('fk_comments_page_id_pages'), type_='foreignkey')
        batch_op.alter_column('article_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('page_id')

    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('allow_comments')
