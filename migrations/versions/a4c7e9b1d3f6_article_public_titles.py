"""article public titles: the title readers see, through the word rules;
word exemptions say whether they name the body or the title

Revision ID: a4c7e9b1d3f6
Revises: b4d6f8a0c2e1
Create Date: 2026-12-08 10:00:00

Existing articles get their title as written; the rules page then counts
those whose title the rules change, and re-application (the button, or
`flask cms reapply-word-rules`) fills in the filtered title.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "a4c7e9b1d3f6"
down_revision = "b4d6f8a0c2e1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_title", sa.Text(), server_default="", nullable=False)
        )
    op.execute("UPDATE articles SET public_title = title")
    with op.batch_alter_table("word_exemptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "field", sa.String(length=8), server_default="body", nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("word_exemptions", schema=None) as batch_op:
        batch_op.drop_column("field")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("public_title")
