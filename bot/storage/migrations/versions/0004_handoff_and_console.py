"""counsellor handoff and console: users, transitions, contacts, conversation status

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('display_name', sa.String(length=80), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=True),
        sa.Column('role', sa.String(length=12), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('presence', sa.String(length=8), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('invite_hash', sa.String(length=64), nullable=True),
        sa.Column('invite_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_logins', sa.Integer(), nullable=False),
        sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
        sa.UniqueConstraint('invite_hash'),
    )
    op.create_table(
        'handoff_transitions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('from_status', sa.String(length=10), nullable=False),
        sa.Column('to_status', sa.String(length=10), nullable=False),
        sa.Column('actor', sa.String(length=12), nullable=False),
        sa.Column('counsellor_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['counsellor_id'], ['console_users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_handoff_transitions_conversation_id', 'handoff_transitions',
                    ['conversation_id'])
    op.create_table(
        'handoff_contacts',
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('conversation_id'),
    )
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=False,
                                      server_default='bot'))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status_since', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('last_activity_at', sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_conversations_status', ['status'], unique=False)
        batch_op.create_index('ix_conversations_updated_at', ['updated_at'], unique=False)
        batch_op.create_foreign_key('fk_conversations_assignee', 'console_users',
                                    ['assignee_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.alter_column('direction', existing_type=sa.String(length=3),
                              type_=sa.String(length=4))
        batch_op.add_column(sa.Column('author_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_messages_author', 'console_users', ['author_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('fk_messages_author', type_='foreignkey')
        batch_op.drop_column('author_id')
        batch_op.alter_column('direction', existing_type=sa.String(length=4),
                              type_=sa.String(length=3))
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_constraint('fk_conversations_assignee', type_='foreignkey')
        batch_op.drop_index('ix_conversations_updated_at')
        batch_op.drop_index('ix_conversations_status')
        batch_op.drop_column('last_activity_at')
        batch_op.drop_column('status_since')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('status')
    op.drop_table('handoff_contacts')
    op.drop_index('ix_handoff_transitions_conversation_id', table_name='handoff_transitions')
    op.drop_table('handoff_transitions')
    op.drop_table('console_users')
