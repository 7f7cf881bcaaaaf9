"""/mydata: everything stored about one user, as a JSON document they can read.

Messages in both directions with their time, what the bot understood (topic) and how it
answered, the handoff's history (who — "counsellor", never a name — and when), their 👍/👎,
their language and city. Counsellors' internal notes are counted, not copied: they are
the advice centre's working notes (ask it for them). The raw Telegram chat id is not kept
and so cannot be exported; the pseudonym is shown, since it is what identifies the rows.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.types import Attachment
from bot.storage.curation_models import Feedback
from bot.storage.handoff_models import Contact, HandoffTransition
from bot.storage.models import Conversation, Message, User, utcnow


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _message(message: Message) -> dict[str, Any]:
    author = "you" if message.direction == "in" else \
        "counsellor" if message.author_id is not None else "lotse"
    return {"at": _when(message.created_at), "from": author, "text": message.text,
            "language": message.language, "topic": message.topic, "status": message.status}


async def _conversation(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    cid = conversation.id
    messages = list(await session.scalars(
        select(Message).where(Message.conversation_id == cid).order_by(Message.id)))
    transitions = await session.scalars(select(HandoffTransition).where(
        HandoffTransition.conversation_id == cid).order_by(HandoffTransition.id))
    ratings = await session.scalars(select(Feedback).where(Feedback.conversation_id == cid))
    contact = await session.get(Contact, cid)
    return {
        "started_at": _when(conversation.started_at),
        "last_change_at": _when(conversation.updated_at),
        "person_status": conversation.status, "urgent": conversation.urgent,
        "messages": [_message(m) for m in messages if m.direction != "note"],
        "internal_notes_by_counsellors": sum(m.direction == "note" for m in messages),
        "handoff": [{"at": _when(t.created_at), "from": t.from_status, "to": t.to_status,
                     "by": t.actor, "reason": t.reason} for t in transitions],
        "your_ratings": [{"at": _when(f.created_at), "answer": f.faq, "value": f.value}
                         for f in ratings],
        "telegram_chat_kept_encrypted_for_the_counsellor": contact is not None,
    }


async def my_data(session: AsyncSession, channel: str, pseudonym: str) -> dict[str, Any]:
    """Everything about the user of `channel` with `pseudonym` (empty lists: nothing)."""
    user = await session.scalar(
        select(User).where(User.channel == channel, User.pseudonym == pseudonym))
    document: dict[str, Any] = {"service": "Lotse", "exported_at": _when(utcnow()),
                                "channel": channel, "pseudonym": pseudonym}
    if user is None:
        return {**document, "user": None, "conversations": []}
    conversations = await session.scalars(
        select(Conversation).where(Conversation.user_id == user.id).order_by(Conversation.id))
    return {**document,
            "user": {"language": user.language, "city": user.city,
                     "first_seen_at": _when(user.created_at)},
            "conversations": [await _conversation(session, c) for c in conversations]}


def as_attachment(document: dict[str, Any]) -> Attachment:
    day = str(document.get("exported_at") or "")[:10]
    return Attachment(f"lotse-my-data-{day}.json",
                      json.dumps(document, ensure_ascii=False, indent=2))
