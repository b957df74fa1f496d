"""the values version a submission was stored at: a commit-ordered watermark for catching up (issue 15)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa



revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('submission', sa.Column('values_seq', sa.BigInteger(), nullable=True))
    op.create_index(op.f('ix_submission_values_seq'), 'submission', ['values_seq'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_submission_values_seq'), table_name='submission')
    op.drop_column('submission', 'values_seq')
