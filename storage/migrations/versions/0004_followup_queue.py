"""the follow-up queue: due date, reminder letter, cause on each follow-up; the responsible leader per unit

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flag_followup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('letter_no', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('letter_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cause', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('cause_text', sa.Text(), nullable=True))
    op.create_table('unit_leader',
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_unit_leader_unit_code_unit')),
    sa.PrimaryKeyConstraint('unit_code', name=op.f('pk_unit_leader'))
    )


def downgrade() -> None:
    op.drop_table('unit_leader')
    with op.batch_alter_table('flag_followup', schema=None) as batch_op:
        batch_op.drop_column('cause_text')
        batch_op.drop_column('cause')
        batch_op.drop_column('letter_date')
        batch_op.drop_column('letter_no')
        batch_op.drop_column('due_date')
