"""message idempotency and reply details

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 13:24:06.444513
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_key', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('reply_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('extra', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_messages_reply_to_id'), ['reply_to_id'],
                              unique=False)
        batch_op.create_unique_constraint('uq_messages_source_key', ['source_key'])
        batch_op.create_foreign_key('fk_messages_reply_to_id', 'messages', ['reply_to_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('fk_messages_reply_to_id', type_='foreignkey')
        batch_op.drop_constraint('uq_messages_source_key', type_='unique')
        batch_op.drop_index(batch_op.f('ix_messages_reply_to_id'))
        batch_op.drop_column('extra')
        batch_op.drop_column('reply_to_id')
        batch_op.drop_column('source_key')
