"""The normal traffic beside the fuzz (bench/fuzz.py): two web chat users and two Telegram
chats ask real questions from the held-out test set at a steady pace, each waiting for its
answer before the next question. Each becomes a new user every 10 questions, so the
per-user rate limit (20 a minute) is never what answers them, and after an answer that hands
the conversation to a person (an emergency or handoff, e.g. a false alarm of the emergency
detection): from then on that user's messages go to the counsellors, not the bot.

Web: answered when the JSON has a reply that is not "NLU unavailable". Telegram: the update
goes through the local Bot API server's webhook delivery; answered when the inbox has
handled it ("done"), its outbox is empty and a reply reached the Bot API server. Latency:
until the answer (web) or the first reply accepted by the Bot API server (Telegram).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import random
import time
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bench.fuzz_cases import NORMAL_CHATS
from bot.nlu.evaluate import Example
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Conversation, Message
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.telegram.outbox import OPEN
from tests.telegram import updates
from tests.telegram.records import Attempt, Sent

PER_USER = 10  # questions before a sender becomes a new user
ANSWER_TIMEOUT = 180.0
HANDOVER = {"handoff", "emergency"}  # reply kinds after which a person takes over


class BotApi(Protocol):
    """What the bench uses of the local Bot API test server (tests/telegram/botapi.py;
    imported at run time, as the tests are outside mypy's strict check)."""

    sent: list[Sent]
    attempts: list[Attempt]
    webhook: dict[str, Any]
    webhook_statuses: list[int]

    @property
    def base_url(self) -> str: ...

    def sent_to(self, chat_id: int) -> list[Sent]: ...

    def push(self, update: dict[str, Any], deliveries: int = 1) -> int: ...

    async def stop(self) -> None: ...


async def start_botapi() -> tuple[BotApi, str]:
    """The local Bot API server, started, and its bot token."""
    module = importlib.import_module("tests.telegram.botapi")
    server: BotApi = await module.BotApi().start()
    return server, str(module.TOKEN)


@dataclass
class Asked:
    channel: str  # "web" | "telegram"
    at: float  # time.monotonic() when asked
    seconds: float | None  # until the answer; None: not answered
    problem: str = ""
    handed_over: bool = False  # the conversation is now waiting for a person


class NormalTraffic:
    def __init__(self, base: str, api: BotApi, database_url: str, examples: list[Example],
                 rate: float, seed: int) -> None:
        self.base, self.api, self.examples, self.seed = base, api, examples, seed
        self.interval = 4 / rate  # four senders
        self.asked: list[Asked] = []
        self._engine = create_engine(database_url)
        self._sessions: async_sessionmaker[AsyncSession] = session_factory(self._engine)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.gather(self._web(0, stop), self._web(1, stop),
                                 self._telegram(2, stop), self._telegram(3, stop))
        finally:
            await self._engine.dispose()

    async def _pause(self, started: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), max(0.0, started + self.interval
                                                    - time.monotonic()))

    def _rng(self, number: int) -> random.Random:
        return random.Random(f"lotse-fuzz-normal:{self.seed}:{number}")

    # --- web -------------------------------------------------------------------------------
    async def _web(self, number: int, stop: asyncio.Event) -> None:
        rng = self._rng(number)
        await self._pause(time.monotonic() - self.interval * (1 - number / 4), stop)
        while not stop.is_set():
            jar = aiohttp.CookieJar(unsafe=True)
            async with aiohttp.ClientSession(cookie_jar=jar) as http:
                example = rng.choice(self.examples)
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    await (await http.get(f"{self.base}/?lang={example.language}")).read()
                for _ in range(PER_USER):
                    if stop.is_set():
                        return
                    started = time.monotonic()
                    asked = await self._ask_web(http, rng.choice(self.examples))
                    self.asked.append(asked)
                    await self._pause(started, stop)
                    if asked.handed_over:
                        break

    async def _ask_web(self, http: aiohttp.ClientSession, example: Example) -> Asked:
        started = time.monotonic()
        body = {"message": example.text, "metadata": {"language": example.language}}
        try:
            async with http.post(f"{self.base}/webhooks/rest/webhook", json=body,
                                 timeout=aiohttp.ClientTimeout(total=ANSWER_TIMEOUT)) as response:
                replies = await response.json() if response.status == 200 else None
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Asked("web", started, None, type(exc).__name__)
        seconds = time.monotonic() - started
        if status != 200 or not isinstance(replies, list):
            return Asked("web", started, None, f"HTTP {status}")
        kinds = [str((r.get("custom") or {}).get("kind")) for r in replies if isinstance(r, dict)]
        if not kinds:
            return Asked("web", started, None, "no reply")
        if "unavailable" in kinds:
            return Asked("web", started, None, "NLU unavailable")
        return Asked("web", started, seconds, handed_over=bool(HANDOVER & set(kinds)))

    # --- Telegram ----------------------------------------------------------------------------
    async def _telegram(self, number: int, stop: asyncio.Event) -> None:
        rng = self._rng(number)
        await self._pause(time.monotonic() - self.interval * (1 - number / 4), stop)
        chat = NORMAL_CHATS.start + number * 1_000_000
        while not stop.is_set():
            chat += 1
            for _ in range(PER_USER):
                if stop.is_set():
                    return
                started = time.monotonic()
                asked = await self._ask_telegram(chat, rng.choice(self.examples))
                self.asked.append(asked)
                await self._pause(started, stop)
                if asked.handed_over:
                    break

    async def _ask_telegram(self, chat: int, example: Example) -> Asked:
        before = len(self.api.sent_to(chat))
        started = time.monotonic()
        update_id = self.api.push(updates.text(chat, example.text, example.language))
        status, waiting, polls, conversation = "unseen", 1, 0, ""
        while time.monotonic() - started < ANSWER_TIMEOUT:
            await asyncio.sleep(0.05)
            sent = self.api.sent_to(chat)[before:]
            polls += 1
            if sent or polls % 10 == 0:  # the database: at once after a reply, else 2/s
                status, waiting, conversation = await self._state(update_id)
                if status in ("done", "failed", "ignored") and not waiting:
                    break
        sent = self.api.sent_to(chat)[before:]
        if status == "done" and not waiting and sent:
            return Asked("telegram", started, sent[0].at - started,
                         handed_over=conversation not in ("bot", ""))
        return Asked("telegram", started, None,
                     f"inbox {status}, {waiting} replies waiting, {len(sent)} sent")

    async def _state(self, update_id: int) -> tuple[str, int, str]:
        """The inbox status of an update, how many of its replies are not yet sent, and the
        status of its conversation ("bot", "waiting", "human", …)."""
        try:
            return await self._read_state(update_id)
        except SQLAlchemyError as exc:  # a busy database: look again
            return f"unread ({type(exc).__name__})", 1, ""

    async def _read_state(self, update_id: int) -> tuple[str, int, str]:
        async with self._sessions() as session:
            row = (await session.execute(select(InboxUpdate.id, InboxUpdate.status)
                                         .where(InboxUpdate.update_id == update_id))).first()
            if row is None:
                return "unseen", 1, ""
            waiting = await session.scalar(
                select(func.count()).select_from(OutboxMessage)
                .where(OutboxMessage.inbox_id == row[0], OutboxMessage.status.in_(OPEN)))
            conversation = await session.scalar(
                select(Conversation.status).join(Message)
                .where(Message.source_key == f"telegram:{update_id}"))
            return str(row[1]), int(waiting or 0), str(conversation or "")
