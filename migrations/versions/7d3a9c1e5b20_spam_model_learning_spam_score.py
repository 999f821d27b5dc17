"""spam model: the learning spam score's counts and lessons

Revision ID: 7d3a9c1e5b20
Revises: 077945b26e5d
Create Date: 2026-12-06 18:00:00

Three tables for cms.services.spam_model: the totals row, one row per
feature (n-gram or mark) with its spam and ham counts, and the lessons
learned from editors' decisions (so that an undo takes them back). The model
is trained on the shipped examples at first use, not here.
"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '7d3a9c1e5b20'
down_revision = '077945b26e5d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('spam_model',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spam_docs', sa.Integer(), nullable=False),
    sa.Column('ham_docs', sa.Integer(), nullable=False),
    sa.Column('spam_total', sa.Integer(), nullable=False),
    sa.Column('ham_total', sa.Integer(), nullable=False),
    sa.Column('vocabulary', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spam_model'))
    )
    op.create_table('spam_features',
    sa.Column('feature', sa.String(length=32), nullable=False),
    sa.Column('spam', sa.Integer(), nullable=False),
    sa.Column('ham', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('feature', name=op.f('pk_spam_features'))
    )
    op.create_table('spam_lessons',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('spam', sa.Integer(), nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('learned_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_spam_lessons'))
    )


def downgrade():
    op.drop_table('spam_lessons')
    op.drop_table('spam_features')
    op.drop_table('spam_model')
