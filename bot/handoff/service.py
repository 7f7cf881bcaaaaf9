"""Counsellors' acts and the handoff timers: each one is an event for the state machine,
applied in one transaction and delivered to the user — on Telegram through the durable
outbox, on the web chat through its push channel (`bot/web/push.py` reads the messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.actions_runner import carry_out, latest_message
from bot.core.handoff import Refused
from bot.core.machine import CounsellorAct, Event, TimerFired, transition
from bot.core.text import clean_text
from bot.core.types import ParseResult, Reply
from bot.generation import Generations
from bot.handoff import store
from bot.handoff.bus import Bus
from bot.i18n import Translator
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, Message, User, utcnow
from bot.storage.queue_models import OutboxMessage
from bot.telegram.render import render_all

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counsellor:
    """Who acts in the console."""

    id: int
    role: str  # admin | counsellor

    @property
    def admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Timers:
    wait_seconds: int
    idle_seconds: int
    tick_seconds: float


class Handoffs:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], bus: Bus,
                 generations: Generations, contacts: store.ContactBook,
                 translators: dict[str, Translator], timers: Timers) -> None:
        self._sessions = sessions
        self._bus = bus
        self._generations = generations
        self._contacts = contacts
        self._translators = translators
        self._timers = timers
        self._ticker: asyncio.Task[None] | None = None
        self.on_outbox: Callable[[], None] | None = None  # wakes the Telegram outbox

    # --- counsellors ---

    async def claim(self, conversation_id: int, who: Counsellor) -> str | None:
        return await self._act(conversation_id, CounsellorAct("claim", who.id, admin=who.admin))

    async def reply(self, conversation_id: int, who: Counsellor, text: str) -> str | None:
        text, _cut = clean_text(text, len(text))
        if not text:
            return "empty"
        act = CounsellorAct("reply", who.id, text=text, admin=who.admin)
        return await self._act(conversation_id, act, author=who.id)

    async def release(self, conversation_id: int, who: Counsellor) -> str | None:
        return await self._act(conversation_id, CounsellorAct("release", who.id, admin=who.admin))

    async def close(self, conversation_id: int, who: Counsellor) -> str | None:
        return await self._act(conversation_id, CounsellorAct("close", who.id, admin=who.admin))

    async def note(self, conversation_id: int, who: Counsellor, text: str) -> str | None:
        """An internal note: stored with the transcript, never sent."""
        text, _cut = clean_text(text, len(text))
        if not text:
            return "empty"
        async with self._sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is None:
                return "not_found"
            session.add(Message(conversation_id=conversation_id, direction="note", text=text,
                                language="", status="note", author_id=who.id))
            status = conversation.status
            await session.commit()
        await self._bus.publish({"kind": "conversation", "id": conversation_id, "status": status})
        return None

    async def seen(self, user_id: int, presence: str | None = None) -> None:
        values: dict[str, object] = {"last_seen_at": utcnow()}
        if presence in ("online", "away"):
            values["presence"] = presence
        async with self._sessions() as session:
            await session.execute(update(ConsoleUser).where(ConsoleUser.id == user_id)
                                  .values(**values))
            await session.commit()
        if presence:
            await self._bus.publish({"kind": "presence"})

    async def online_count(self) -> int:
        async with self._sessions() as session:
            return await self._generations.current.contexts.online_count(session)

    # --- the one path of every act and timer ---

    async def _act(self, conversation_id: int, event: Event, author: int | None = None,
                   ) -> str | None:
        async with self._sessions() as session:
            loaded = await store.load(session, conversation_id)
            if loaded is None:
                return "not_found"
            conversation, user, state = loaded
            generation = self._generations.current
            context = await generation.contexts.build(session)
            try:
                outcome = transition(state, event, context)
            except Refused as refused:
                return refused.code
            message = latest_message("", ParseResult(None, 0.0), None, None)
            sender = f"conversation:{conversation_id}"
            new, replies = await carry_out(outcome, generation.actions, sender, message,
                                         context)
            change = outcome.change
            if change and not await store.apply_change(session, conversation, change, new.assignee):
                await session.rollback()
                return "already_claimed" if change.to_status == "human" else "stale"
            conversation.state = new.to_json()
            messages = await store.add_replies(session, conversation_id, new.language, replies,
                                               author=author)
            if author is not None:
                conversation.last_activity_at = utcnow()
            queued = await self._deliver(session, conversation_id, user, replies, messages)
            if change and change.to_status in ("bot", "closed"):
                await self._contacts.forget(session, conversation_id)
            await session.commit()
        if queued and self.on_outbox is not None:
            self.on_outbox()
        status = change.to_status if change else state.status
        await self._bus.publish({"kind": "conversation", "id": conversation_id, "status": status})
        return None

    async def _deliver(self, session: AsyncSession, conversation_id: int, user: User,
                       replies: list[Reply], messages: list[Message]) -> bool:
        """Telegram: outbox rows to the kept chat id. Without one (a conversation taken over
        while the user was quiet) the messages wait for the user's next message. The web
        chat reads the stored messages itself."""
        if user.channel != "telegram" or not replies:
            return False
        chat = await self._contacts.find(session, conversation_id)
        if chat is None:
            for message in messages:
                message.extra = {**(message.extra or {}), "undelivered": True}
            return False
        words = self._translators[messages[0].language]
        session.add_all(OutboxMessage(chat_id=int(chat), method=call.method, params=call.params,
                                      status="pending", attempts=0, not_before=0.0)
                        for call in render_all(replies, words, False))
        return True

    # --- timers ---

    async def tick(self) -> None:
        """Waiting too long: next steps once; a person's conversation idle: back to the bot."""
        now = utcnow()
        waited = now - dt.timedelta(seconds=self._timers.wait_seconds)
        idle = now - dt.timedelta(seconds=self._timers.idle_seconds)
        async with self._sessions() as session:
            waiting = list(await session.scalars(select(Conversation.id).where(
                Conversation.status == "waiting", Conversation.status_since < waited)))
            quiet = list(await session.scalars(select(Conversation.id).where(
                Conversation.status == "human", Conversation.last_activity_at < idle)))
        for conversation_id in waiting:
            await self._act(conversation_id, TimerFired("wait_exceeded"))
        for conversation_id in quiet:
            await self._act(conversation_id, TimerFired("idle"))

    def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick_forever())

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self._timers.tick_seconds)
            try:
                await self.tick()
            except Exception:  # a database outage: try again at the next tick
                log.exception("handoff timers failed")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
