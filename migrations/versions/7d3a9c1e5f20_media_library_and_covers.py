"""media library and covers: stored images, their uploaders, the articles
that show them, and a cover image per article

Revision ID: 7d3a9c1e5f20
Revises: 7d3e9a1c5b20
Create Date: 2026-12-06 18:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d3a9c1e5f20'
down_revision = '7d3e9a1c5b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('ext', sa.String(length=8), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('byte_size', sa.Integer(), nullable=False),
    sa.Column('widths', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_files')),
    sa.UniqueConstraint('key', name=op.f('uq_media_files_key'))
    )
    op.create_table('media_owners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('alt', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['media_id'], ['media_files.id'], name=op.f('fk_media_owners_media_id_media_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_media_owners_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_owners')),
    sa.UniqueConstraint('media_id', 'user_id', name='uq_media_owners_media_user')
    )
    with op.batch_alter_table('media_owners', schema=None) as batch_op:
        batch_op.create_index('ix_media_owners_user_id_created_at', ['user_id', 'created_at'], unique=False)

    op.create_table('article_media',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('media_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_media_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['media_id'], ['media_files.id'], name=op.f('fk_article_media_media_id_media_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'media_id', name=op.f('pk_article_media'))
    )
    with op.batch_alter_table('article_media', schema=None) as batch_op:
        batch_op.create_index('ix_article_media_media_id', ['media_id'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_media_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_articles_cover_media_id_media_files'), 'media_files', ['cover_media_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_articles_cover_media_id_media_files'), type_='foreignkey')
        batch_op.drop_column('cover_media_id')

    with op.batch_alter_table('article_media', schema=None) as batch_op:
        batch_op.drop_index('ix_article_media_media_id')
    op.drop_table('article_media')
    with op.batch_alter_table('media_owners', schema=None) as batch_op:
        batch_op.drop_index('ix_media_owners_user_id_created_at')
    op.drop_table('media_owners')
    op.drop_table('media_files')
