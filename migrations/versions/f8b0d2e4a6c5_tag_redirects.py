"""tag redirects: an old tag slug answers 301 after a rename or a merge

Revision ID: f8b0d2e4a6c5
Revises: e6a8c0e2f4b3
Create Date: 2026-12-06 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f8b0d2e4a6c5'
down_revision = 'e6a8c0e2f4b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag_redirects',
    sa.Column('old_slug', sa.String(length=200), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_redirects_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('old_slug', name=op.f('pk_tag_redirects'))
    )
    with op.batch_alter_table('tag_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_redirects_tag_id'), ['tag_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tag_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_redirects_tag_id'))
    op.drop_table('tag_redirects')
