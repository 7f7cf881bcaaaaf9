"""Reading a conversation's state and writing a transition's outcome, in the caller's session.

The handoff status lives in the conversation's columns and is written only here, with a
conditional UPDATE (`WHERE status = <the status the change started from>`): of two
counsellors claiming the same conversation at once, on SQLite or on PostgreSQL with several
app processes, exactly one update matches a row; the other is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.handoff import OPEN_HANDOFF, Change
from bot.core.types import ConversationState, Reply
from bot.storage.handoff_models import Contact, HandoffTransition
from bot.storage.models import Conversation, Message, User, utcnow


def state_of(conversation: Conversation, user: User) -> ConversationState:
    state = ConversationState.from_json(
        conversation.state, language=user.language, city=user.city,
        language_explicit=user.language_explicit)
    state.status, state.assignee = conversation.status, conversation.assignee_id
    return state


async def load(session: AsyncSession, conversation_id: int,
               ) -> tuple[Conversation, User, ConversationState] | None:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    user = await session.get_one(User, conversation.user_id)
    return conversation, user, state_of(conversation, user)


async def apply_change(session: AsyncSession, conversation: Conversation, change: Change,
                       assignee: int | None, now: dt.datetime | None = None) -> bool:
    """The status change, if the conversation is still where the change started; stored
    with who, when and why. False: someone else changed it first (nothing written)."""
    now = now or utcnow()
    values: dict[str, Any] = {"status": change.to_status, "assignee_id": assignee,
                              "status_since": now}
    if change.to_status == "waiting":
        values |= {"handoff_requested": True, "urgent": change.urgent}
    if change.to_status == "human":
        values["last_activity_at"] = now
    if change.to_status in ("bot", "closed"):
        values["urgent"] = False
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id,
               Conversation.status == change.from_status,
               Conversation.assignee_id.is_not_distinct_from(conversation.assignee_id))
        .values(**values).execution_options(synchronize_session=False))
    if getattr(result, "rowcount", 0) != 1:
        return False
    session.add(HandoffTransition(
        conversation_id=conversation.id, from_status=change.from_status,
        to_status=change.to_status, actor=change.actor, counsellor_id=change.counsellor,
        reason=change.reason, urgent=change.urgent, created_at=now))
    return True


async def add_replies(session: AsyncSession, conversation_id: int, language: str,
                      replies: list[Reply], *, reply_to: int | None = None,
                      author: int | None = None, extra: dict[str, Any] | None = None,
                      ) -> list[Message]:
    messages = [Message(conversation_id=conversation_id, direction="out", text=r.text,
                        language=language, status=r.kind, reply_to_id=reply_to,
                        author_id=author, extra={**(r.details() or {}), **(extra or {})} or None)
                for r in replies]
    session.add_all(messages)
    await session.flush()
    return messages


class ContactBook:
    """The encrypted way back to a Telegram user, kept only while a handoff is open."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    async def keep(self, session: AsyncSession, conversation_id: int, channel: str,
                   external_id: str) -> None:
        existing = await session.get(Contact, conversation_id)
        secret = self._fernet.encrypt(external_id.encode()).decode()
        if existing is None:
            session.add(Contact(conversation_id=conversation_id, channel=channel, secret=secret))
        else:
            existing.secret = secret

    async def find(self, session: AsyncSession, conversation_id: int) -> str | None:
        contact = await session.get(Contact, conversation_id)
        if contact is None:
            return None
        try:
            return self._fernet.decrypt(contact.secret.encode()).decode()
        except InvalidToken:  # the key was changed: the user is reached at their next message
            return None

    async def forget(self, session: AsyncSession, conversation_id: int) -> None:
        contact = await session.get(Contact, conversation_id)
        if contact is not None:
            await session.delete(contact)


def keeps_contact(status: str) -> bool:
    return status in OPEN_HANDOFF


async def undelivered(session: AsyncSession, conversation_id: int) -> list[Message]:
    """Counsellor messages that could not reach a Telegram user yet (taken over while quiet)."""
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.direction == "out", Message.reply_to_id.is_(None))
        .order_by(Message.id))
    return [m for m in rows if (m.extra or {}).get("undelivered")]
