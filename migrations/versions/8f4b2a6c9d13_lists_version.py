"""lists version: kept list sizes know when they are stale, on every server

Revision ID: 8f4b2a6c9d13
Revises: 6c2d8e1f0b37
Create Date: 2026-12-06 18:45:00

One row, bumped in the transaction of every article or taxonomy change
(cms.services.listing): a worker's kept article count of a list is used only
while the number it was counted under is still the current one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8f4b2a6c9d13'
down_revision = '6c2d8e1f0b37'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'lists_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lists_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'version': 0}])


def downgrade():
    op.drop_table('lists_version')
