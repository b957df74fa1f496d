"""sign-in throttling per source and per account from a source (issue 17)

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_source',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocks', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', 'source', name=op.f('pk_sign_in_source'))
    )


def downgrade() -> None:
    op.drop_table('sign_in_source')
