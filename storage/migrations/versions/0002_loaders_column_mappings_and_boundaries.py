"""loaders: saved column mappings and unit boundaries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('column_mapping',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('office', sa.String(length=100), nullable=False),
    sa.Column('form_code', sa.String(length=40), nullable=False),
    sa.Column('header_key', sa.String(length=300), nullable=False),
    sa.Column('element_code', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['element_code'], ['data_element.code'], name=op.f('fk_column_mapping_element_code_data_element')),
    sa.ForeignKeyConstraint(['form_code'], ['form.code'], name=op.f('fk_column_mapping_form_code_form')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mapping')),
    sa.UniqueConstraint('office', 'form_code', 'header_key', name=op.f('uq_column_mapping_office_form_code_header_key'))
    )
    op.create_table('unit_boundary',
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_unit_boundary_unit_code_unit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('unit_code', name=op.f('pk_unit_boundary'))
    )


def downgrade() -> None:
    op.drop_table('unit_boundary')
    op.drop_table('column_mapping')
