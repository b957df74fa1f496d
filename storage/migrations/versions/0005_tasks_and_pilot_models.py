"""steering documents, their tasks with status history, pilot models, attached files

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attached_file',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=100), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attached_file'))
    )
    op.create_table('steering_document',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('number', sa.String(length=100), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['attached_file.id'], name=op.f('fk_steering_document_file_id_attached_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_steering_document')),
    sa.UniqueConstraint('number', 'issued_on', name=op.f('uq_steering_document_number_issued_on'))
    )
    op.create_table('pilot_model',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('lead_unit_code', sa.String(length=40), nullable=False),
    sa.Column('deployed_codes', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['steering_document.id'], name=op.f('fk_pilot_model_document_id_steering_document')),
    sa.ForeignKeyConstraint(['lead_unit_code'], ['unit.code'], name=op.f('fk_pilot_model_lead_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pilot_model')),
    sa.UniqueConstraint('name', name=op.f('uq_pilot_model_name'))
    )
    with op.batch_alter_table('pilot_model', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_model_lead_unit_code'), ['lead_unit_code'], unique=False)

    op.create_table('task',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('lead_unit_code', sa.String(length=40), nullable=False),
    sa.Column('lead_label', sa.String(length=300), nullable=False),
    sa.Column('cooperating_codes', sa.Text(), nullable=False),
    sa.Column('cooperating_text', sa.Text(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('product', sa.Text(), nullable=False),
    sa.Column('indicator_code', sa.String(length=40), nullable=True),
    sa.Column('target_value', sa.Float(), nullable=True),
    sa.Column('from_period', sa.String(length=7), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['steering_document.id'], name=op.f('fk_task_document_id_steering_document')),
    sa.ForeignKeyConstraint(['indicator_code'], ['indicator.code'], name=op.f('fk_task_indicator_code_indicator')),
    sa.ForeignKeyConstraint(['lead_unit_code'], ['unit.code'], name=op.f('fk_task_lead_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task'))
    )
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_task_lead_unit_code'), ['lead_unit_code'], unique=False)

    op.create_table('pilot_model_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_file_id', sa.Integer(), nullable=True),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evidence_file_id'], ['attached_file.id'], name=op.f('fk_pilot_model_change_evidence_file_id_attached_file')),
    sa.ForeignKeyConstraint(['model_id'], ['pilot_model.id'], name=op.f('fk_pilot_model_change_model_id_pilot_model'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pilot_model_change'))
    )
    with op.batch_alter_table('pilot_model_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pilot_model_change_model_id'), ['model_id'], unique=False)

    op.create_table('task_status_change',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('evidence_file_id', sa.Integer(), nullable=True),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evidence_file_id'], ['attached_file.id'], name=op.f('fk_task_status_change_evidence_file_id_attached_file')),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_task_status_change_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_status_change'))
    )
    with op.batch_alter_table('task_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_status_change_task_id'), ['task_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_status_change_task_id'))

    op.drop_table('task_status_change')
    with op.batch_alter_table('pilot_model_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_model_change_model_id'))

    op.drop_table('pilot_model_change')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_lead_unit_code'))
        batch_op.drop_index(batch_op.f('ix_task_document_id'))
        batch_op.drop_index(batch_op.f('ix_task_deadline'))

    op.drop_table('task')
    with op.batch_alter_table('pilot_model', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pilot_model_lead_unit_code'))

    op.drop_table('pilot_model')
    op.drop_table('steering_document')
    op.drop_table('attached_file')
