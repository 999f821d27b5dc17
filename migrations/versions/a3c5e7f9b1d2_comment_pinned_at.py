"""comment pinned_at: an editor pins a top-level comment to the top of its page

Revision ID: a3c5e7f9b1d2
Revises: f202bbf84c45
Create Date: 2026-12-06 17:50:00

Nullable, no default: every existing comment stays unpinned.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a3c5e7f9b1d2"
down_revision = "f202bbf84c45"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(
            sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_column("pinned_at")
