"""mail notices: held comments told to editors by e-mail

Revision ID: d0a4e542d2b3
Revises: 148aa588503b
Create Date: 2026-11-28 19:50:56

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd0a4e542d2b3'
down_revision = '148aa588503b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_notices',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('in_digest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_mail_notices_comment_id_comments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', name=op.f('pk_mail_notices'))
    )
    with op.batch_alter_table('mail_notices', schema=None) as batch_op:
        batch_op.create_index('ix_mail_notices_in_digest_sent_at', ['in_digest', 'sent_at'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_notices_in_digest_sent_at')

    op.drop_table('mail_notices')
