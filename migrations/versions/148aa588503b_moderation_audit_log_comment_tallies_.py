"""moderation: audit log, comment tallies, daily views, used tokens, user e-mail

Revision ID: 148aa588503b
Revises: 53ef0ace9de1
Create Date: 2026-11-28 19:45:43

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '148aa588503b'
down_revision = '53ef0ace9de1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_tallies',
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('status', name=op.f('pk_comment_tallies'))
    )
    # Start the kept counts from the comments already there.
    op.execute(
        "INSERT INTO comment_tallies (status, count) "
        "SELECT s.status, (SELECT COUNT(*) FROM comments c WHERE c.status = s.status) "
        "FROM (SELECT 'pending' AS status UNION ALL SELECT 'approved' "
        "UNION ALL SELECT 'spam' UNION ALL SELECT 'trash') AS s"
    )
    op.create_table('daily_views',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views_at_start', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_daily_views'))
    )
    op.create_table('used_tokens',
    sa.Column('token_id', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_id', name=op.f('pk_used_tokens'))
    )
    with op.batch_alter_table('used_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_tokens_used_at'), ['used_at'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_ids', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undo_of_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['undo_of_id'], ['audit_log.id'], name=op.f('fk_audit_log_undo_of_id_audit_log'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor_id_created_at', ['actor_id', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_log_created_at_id', ['created_at', 'id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_created_at_id')
        batch_op.drop_index('ix_audit_log_actor_id_created_at')

    op.drop_table('audit_log')
    with op.batch_alter_table('used_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_tokens_used_at'))

    op.drop_table('used_tokens')
    op.drop_table('daily_views')
    op.drop_table('comment_tallies')
