"""Conversations their users deleted: what counsellors see instead (no content, no user)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'erased_conversations',
        sa.Column('conversation_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('assignee_id', sa.Integer(), nullable=True),
        sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assignee_id'], ['console_users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('conversation_id'),
    )
    op.create_index(op.f('ix_erased_conversations_erased_at'), 'erased_conversations',
                    ['erased_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_erased_conversations_erased_at'), table_name='erased_conversations')
    op.drop_table('erased_conversations')
