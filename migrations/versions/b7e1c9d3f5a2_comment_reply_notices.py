"""comment reply notices: the author's opt-in, and when a reply's notice was queued

Revision ID: b7e1c9d3f5a2
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 18:00:00

Existing comments are not subscribed (notify_replies false): nobody gets a
notice they did not ask for.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e1c9d3f5a2'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments') as batch_op:
        batch_op.add_column(sa.Column('notify_replies', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('parent_notified_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('comments') as batch_op:
        batch_op.drop_column('parent_notified_at')
        batch_op.drop_column('notify_replies')
