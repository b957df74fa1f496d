"""access control, audit trail, period locks, flag follow-ups

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_app_user'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_username'), ['username'], unique=False)
    op.create_table('period_lock',
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('period', name=op.f('pk_period_lock'))
    )
    op.create_table('user_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['username'], ['app_user.username'], name=op.f('fk_user_session_username_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_username'), ['username'], unique=False)
    op.create_table('user_unit',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_user_unit_unit_code_unit')),
    sa.ForeignKeyConstraint(['username'], ['app_user.username'], name=op.f('fk_user_unit_username_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('username', 'unit_code', name=op.f('pk_user_unit'))
    )
    op.create_table('flag_followup',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_code'], ['unit.code'], name=op.f('fk_flag_followup_unit_code_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag_followup'))
    )
    with op.batch_alter_table('flag_followup', schema=None) as batch_op:
        batch_op.create_index('ix_flag_followup_unit_period', ['unit_code', 'period'], unique=False)


def downgrade() -> None:
    op.drop_table('flag_followup')
    op.drop_table('user_unit')
    op.drop_table('user_session')
    op.drop_table('period_lock')
    op.drop_table('audit_event')
    op.drop_table('app_user')
