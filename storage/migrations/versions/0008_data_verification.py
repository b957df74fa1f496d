"""the data-credibility review: the standing agency's verification of signalled figures

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa



revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_verification',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('subject', sa.String(length=60), nullable=False),
    sa.Column('signal', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('value_key', sa.Text(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_data_verification_submission_id_submission')),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_data_verification_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_verification'))
    )
    op.create_index('ix_data_verification_unit_period', 'data_verification', ['unit_code', 'period'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_data_verification_unit_period', table_name='data_verification')
    op.drop_table('data_verification')
