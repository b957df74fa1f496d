"""unit boundaries: mark the approximate shapes computed at setup (Voronoi cells of commune points)

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unit_boundary') as batch:
        batch.add_column(sa.Column('approximate', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('unit_boundary') as batch:
        batch.drop_column('approximate')
