"""👍 / 👎 under each FAQ answer: the two buttons, and what a press does.

A press is a button payload in the dialogue's one format (`bot.core.dialogue.parse_payload`):
`/feedback{"message":<id>,"value":1}` or `…"value":-1}`, where <id> is the user's question
that the FAQ answered. The service (`bot/service.py`) adds the buttons and hands a press to
`rate` instead of the NLU and the state machine. A press counts only when that question is
this user's and an FAQ answered it; the FAQ and the language are the stored answer's, never
the payload's. At most one rating per answer: the question is the table's primary key and the
insert does nothing on a conflict, which also holds with several app processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from bot.core.dialogue import Translate, parse_payload
from bot.core.handoff import OPEN_HANDOFF
from bot.core.types import Button, ParseResult, Reply
from bot.storage.curation_models import Feedback
from bot.storage.models import Conversation, Message, utcnow

INTENT = "feedback"
ICONS = {1: "👍", -1: "👎"}
PRESSED = ParseResult(intent=INTENT, confidence=1.0)  # what the press is stored as
# the exact callback data of the two buttons (bot/telegram/callbacks.py allows only these)
CALLBACK = re.compile(r'/feedback\{"message":[1-9][0-9]{0,17},"value":-?1\}')
ASK_A_PERSON = "/human_handoff"  # the payload of /human: a person is wanted
_NUMBER = re.compile(r"-?[0-9]{1,18}")
_ANSWER = aliased(Message, name="answer")


@dataclass(frozen=True)
class Press:
    """A pressed 👍 / 👎: the question it rates and +1 / -1 (None: not a number, forged)."""

    message_id: int | None
    value: int | None


def payload(message_id: int, value: int) -> str:
    return f'/{INTENT}{{"message":{message_id},"value":{value}}}'


def offer(replies: list[Reply], question_id: int) -> list[Reply]:
    """The replies, each FAQ answer with 👍 / 👎 under it (rating the question it answers)."""
    buttons = [Button(icon, payload(question_id, value)) for value, icon in ICONS.items()]
    return [replace(r, buttons=[*r.buttons, *buttons]) if r.kind == "faq" and r.ref else r
            for r in replies]


def pressed(data: str | None) -> Press | None:
    """The press of a 👍 / 👎 button; None for every other payload."""
    parse = parse_payload(data) if data else None
    if parse is None or parse.intent != INTENT or parse.faq_key:
        return None
    return Press(_number(parse.entity("message")), _number(parse.entity("value")))


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and _NUMBER.fullmatch(value) else None


async def rate(sessions: async_sessionmaker[AsyncSession], user_id: int, press: Press,
               _: Translate, status: str) -> list[Reply]:
    """Store the rating (once) and say thanks; 👎 also offers a person."""
    async with sessions() as session:
        outcome = await record(session, user_id, press)
        await session.commit()
    if outcome != "stored":  # rated before, or not this user's FAQ answer: nothing changes
        again = outcome == "again"
        return [Reply(_("feedback_again") if again else _("feedback_refused"), kind="feedback")]
    if press.value == -1 and status not in OPEN_HANDOFF:  # a person is not wanted yet
        return [Reply(_("feedback_down"), [Button(_("button:ask_a_person"), ASK_A_PERSON)],
                      kind="feedback")]
    return [Reply(_("feedback_thanks"), kind="feedback")]


async def record(session: AsyncSession, user_id: int, press: Press) -> str:
    """'stored'; 'again' when the answer was rated before; 'refused' when the question is
    not one of this user's that an FAQ answered (or the payload was made up)."""
    if press.message_id is None or press.value not in ICONS:
        return "refused"
    row = (await session.execute(
        select(Message.conversation_id, _ANSWER.extra, _ANSWER.language)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(_ANSWER, (_ANSWER.reply_to_id == Message.id) & (_ANSWER.direction == "out")
              & (_ANSWER.status == "faq"))
        .where(Message.id == press.message_id, Message.direction == "in",
               Conversation.user_id == user_id)
        .order_by(_ANSWER.id).limit(1))).first()
    faq = str(((row[1] if row else None) or {}).get("ref") or "")
    if row is None or not faq:
        return "refused"
    values = {"message_id": press.message_id, "conversation_id": row[0], "faq": faq[:80],
              "language": row[2], "value": press.value, "created_at": utcnow()}
    statement = _insert(session)(Feedback).values(values)
    result = await session.execute(statement.on_conflict_do_nothing(
        index_elements=["message_id"]))
    return "stored" if getattr(result, "rowcount", 0) == 1 else "again"


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
