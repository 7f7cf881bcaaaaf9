"""/delete: every row about one user, in one transaction.

Deleting the user row takes, through the foreign keys' ON DELETE CASCADE (enforced on
SQLite too, bot/storage/db.py), its conversations, messages, feedback, staff reviews of its
messages, the handoff history, counsellors' notes and the encrypted contact. A Telegram
chat's rows still waiting in the inbox or outbox (the only rows holding its raw chat id) go
in the same transaction. Each conversation leaves a tombstone (`ErasedConversation`: id,
time, handoff state) so counsellors see it was deleted by the user. The caller holds the
user's lock, so a message arriving meanwhile is handled afterwards, as a new user's.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.handoff_models import ErasedConversation
from bot.storage.models import Conversation, User, utcnow
from bot.storage.queue_models import InboxUpdate, OutboxMessage

# queue rows of the chat that may still hold its id or a text: not being sent right now
WAITING_OUTBOX = ("pending", "failed", "unconfirmed")
WAITING_INBOX = ("failed", "ignored")  # a pending update is a newer message: kept


@dataclass(frozen=True)
class Erased:
    conversations: list[tuple[int, str]]  # (id, handoff state) of each deleted conversation


async def erase_user(session: AsyncSession, user_id: int, channel: str,
                     sender: str) -> Erased:
    rows = (await session.execute(select(
        Conversation.id, Conversation.status, Conversation.assignee_id).where(
        Conversation.user_id == user_id))).all()
    now = utcnow()
    for cid, status, assignee in rows:
        await session.merge(ErasedConversation(conversation_id=cid, status=status,
                                               assignee_id=assignee, erased_at=now))
    await session.execute(delete(User).where(User.id == user_id))
    if channel == "telegram" and sender.lstrip("-").isdigit():
        chat = int(sender)
        await session.execute(delete(OutboxMessage).where(
            OutboxMessage.chat_id == chat, OutboxMessage.status.in_(WAITING_OUTBOX)))
        await session.execute(delete(InboxUpdate).where(
            InboxUpdate.chat_id == chat, InboxUpdate.status.in_(WAITING_INBOX)))
    return Erased([(cid, status) for cid, status, _assignee in rows])
