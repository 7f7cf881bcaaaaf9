"""staff curation: live knowledge, audit log, feedback, models, reviews, message topic

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 17:53:07.629031
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('knowledge_documents',
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('path')
    )
    op.create_table('knowledge_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('field', sa.String(length=120), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('reverts_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('knowledge_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_changes_at'), ['at'], unique=False)

    op.create_table('nlu_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('knowledge_revision', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=True),
    sa.Column('log', sa.Text(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['started_by_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('nlu_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_nlu_models_status'), ['status'], unique=False)

    op.create_table('feedback',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('faq', sa.String(length=80), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_faq'), ['faq'], unique=False)

    op.create_table('unanswered_reviews',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('intent', sa.String(length=80), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['console_users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id')
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_topic'), ['topic'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_topic'))
        batch_op.drop_column('topic')

    op.drop_table('unanswered_reviews')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_faq'))
        batch_op.drop_index(batch_op.f('ix_feedback_conversation_id'))

    op.drop_table('feedback')
    with op.batch_alter_table('nlu_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_nlu_models_status'))

    op.drop_table('nlu_models')
    with op.batch_alter_table('knowledge_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_changes_at'))

    op.drop_table('knowledge_changes')
    op.drop_table('knowledge_documents')

