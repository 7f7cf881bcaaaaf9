"""Queries the service needs. Each function works inside the caller's session."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import Conversation, Message, User


def pseudonym(secret: str, channel: str, external_id: str) -> str:
    """A stable pseudonym for a channel's user id; the raw id is never stored."""
    digest = hmac.new(secret.encode(), f"{channel}:{external_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:40]


async def user_and_conversation(
    session: AsyncSession, channel: str, pseudo: str, *, language: str, city: str,
) -> tuple[User, Conversation]:
    user = await session.scalar(
        select(User).where(User.channel == channel, User.pseudonym == pseudo))
    if user is None:
        user = User(channel=channel, pseudonym=pseudo, language=language, city=city)
        session.add(user)
        await session.flush()
    conversation = await session.scalar(
        select(Conversation).where(Conversation.user_id == user.id)
        .order_by(Conversation.id.desc()).limit(1))
    if conversation is None or conversation.status == "closed":  # closed: a new one begins
        carried = {k: v for k, v in (conversation.state if conversation else {}).items()
                   if k in ("language", "language_explicit", "city")}
        conversation = Conversation(user_id=user.id, state=carried)
        session.add(conversation)
        await session.flush()
    return user, conversation


async def add_message(
    session: AsyncSession, conversation_id: int, *, direction: str, text: str, language: str,
    status: str, source_key: str | None = None, reply_to_id: int | None = None,
    extra: dict[str, Any] | None = None,
) -> Message:
    message = Message(conversation_id=conversation_id, direction=direction, text=text,
                      language=language, status=status, source_key=source_key,
                      reply_to_id=reply_to_id, extra=extra)
    session.add(message)
    await session.flush()
    return message


async def inbound_since(session: AsyncSession, conversation_id: int,
                        since: dt.datetime) -> int:
    """How many messages the user sent in this conversation since `since`."""
    found = await session.scalar(
        select(func.count()).select_from(Message).where(
            Message.conversation_id == conversation_id, Message.direction == "in",
            Message.created_at >= since))
    return int(found or 0)


async def message_with_key(session: AsyncSession, source_key: str) -> Message | None:
    message: Message | None = await session.scalar(
        select(Message).where(Message.source_key == source_key))
    return message


async def replies_to(session: AsyncSession, message_id: int) -> list[Message]:
    result = await session.scalars(
        select(Message).where(Message.reply_to_id == message_id).order_by(Message.id))
    return list(result)


async def messages_of(session: AsyncSession, conversation_id: int) -> list[Message]:
    result = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id))
    return list(result)


async def recent_transcript(session: AsyncSession, channel: str, pseudo: str,
                            limit: int) -> list[Message]:
    """The last messages (in and out, no notes) of the user's current conversation."""
    conversation_id = await session.scalar(
        select(Conversation.id).join(User).where(User.channel == channel,
                                                 User.pseudonym == pseudo)
        .order_by(Conversation.id.desc()).limit(1))
    if conversation_id is None:
        return []
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.direction.in_(("in", "out")))
        .order_by(Message.id.desc()).limit(limit))
    return list(reversed(list(rows)))
