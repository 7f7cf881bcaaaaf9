"""The Telegram channel inside the app: bot client, inbox and outbox workers, polling or
webhook registration. Built without I/O; `start()` runs in the app's start-up hook."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import socket
import warnings
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.settings import Settings
from bot.storage.db import create_engine, session_factory
from bot.telegram.adapter import Adapter
from bot.telegram.handlers import UpdateHandler
from bot.telegram.handover import HandoverLog, HandoverTransport
from bot.telegram.inbox import ALLOWED_UPDATES, InboxWorker, store_updates
from bot.telegram.journal import Journal
from bot.telegram.outbox import OutboxWorker
from bot.telegram.polling import Poller
from bot.telegram.prefs import Prefs
from bot.web.keys import GENERATIONS, HANDOFFS, SECRETS, SERVICE, TRANSLATORS

log = logging.getLogger(__name__)
SEND_BUFFER = 256 * 1024


def build_bot(settings: Settings) -> Bot:
    # PTB warns when it builds a RetryAfter (int vs timedelta); outbox.retry_after_seconds
    # reads both.
    warnings.filterwarnings("ignore", message=".*`retry_after` will be of type",
                            category=PTBDeprecationWarning)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token
    for name in ("telegram", "httpcore"):  # their DEBUG lines carry message texts
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).level))
    timeout = settings.telegram_send_timeout_seconds
    pool = settings.telegram_concurrency + 8
    # A send buffer larger than any request (≤ 4096 characters, ~25 KB form-encoded Arabic):
    # a request is in the kernel when its write returns, so "handed" holds (handover.py).
    send_buffer = (socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    transport = HandoverTransport(limits=httpx.Limits(max_connections=pool),
                                  socket_options=[send_buffer])
    request = HTTPXRequest(connection_pool_size=pool, read_timeout=timeout,
                           write_timeout=timeout, connect_timeout=timeout, pool_timeout=timeout,
                           httpx_kwargs={"transport": transport})
    polling = HTTPXRequest(connection_pool_size=2, read_timeout=10.0, connect_timeout=10.0)
    return Bot(settings.telegram_token, base_url=settings.telegram_base_url, request=request,
               get_updates_request=polling)


def journal_path(settings: Settings) -> Path:
    """The outbox's hand-over journal: one per database (bot/telegram/handover.py)."""
    database = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    return settings.telegram_journal_dir / f"telegram-handover-{database}.journal"


class TelegramRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._bot: Bot | None = None
        self._inbox: InboxWorker | None = None
        self._outbox: OutboxWorker | None = None
        self._marks: HandoverLog | None = None
        self._adapter: Adapter | None = None
        self._poller: Poller | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    @property
    def bot(self) -> Bot:
        assert self._bot is not None, "the Telegram runtime is not started"
        return self._bot

    async def start(self, app: web.Application) -> None:
        settings = self.settings
        self._engine = create_engine(settings.database_url)
        sessions = self._sessions = session_factory(self._engine)
        bot = self._bot = build_bot(settings)
        await self._initialise(bot)
        prefs = Prefs(sessions, app[SECRETS].pseudonym_secret, settings.default_language,
                      settings.default_city)
        handler = UpdateHandler(app[SERVICE], app[TRANSLATORS], app[GENERATIONS], prefs)
        adapter = self._adapter = Adapter(bot, handler, app[TRANSLATORS], prefs,
                                          settings.default_language)
        self._marks = HandoverLog(self._engine, Journal(journal_path(settings)))
        recovered = await self._marks.recover()
        if recovered:
            log.warning("outbox: %d replies were handed over just before a crash", recovered)
        outbox = self._outbox = OutboxWorker(
            sessions, bot, self._marks, concurrency=settings.telegram_concurrency,
            retry_base=settings.telegram_retry_base_seconds,
            retry_max=settings.telegram_retry_max_seconds)
        inbox = self._inbox = InboxWorker(
            sessions, adapter.process, adapter.apology, enqueued=outbox.drainer.wake,
            concurrency=settings.telegram_concurrency,
            max_attempts=settings.telegram_handle_attempts,
            retry_base=settings.telegram_retry_base_seconds,
            retry_max=settings.telegram_retry_max_seconds)
        app[HANDOFFS].on_outbox = outbox.drainer.wake  # counsellor replies: send at once
        outbox.drainer.start()
        inbox.drainer.start()  # first round: whatever was stored but not handled before
        self._tasks.append(asyncio.create_task(adapter.publish_commands()))
        if settings.telegram_mode == "polling":
            self._poller = Poller(bot, self.store, settings.telegram_poll_timeout_seconds,
                                  settings.telegram_retry_max_seconds)
            self._poller.start()
        else:
            self._tasks.append(asyncio.create_task(self._register_webhook(bot)))
        log.info("Telegram: @%s, %s mode", bot.username, settings.telegram_mode)

    async def _initialise(self, bot: Bot) -> None:
        for attempt in range(1, 6):
            try:
                await bot.initialize()  # getMe: checks the token
                return
            except Exception as exc:
                if attempt == 5:
                    raise
                log.warning("Telegram getMe failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(attempt)

    async def _register_webhook(self, bot: Bot) -> None:
        attempt = 0
        while True:
            try:
                await bot.set_webhook(self.settings.telegram_webhook_url,
                                      secret_token=self.settings.telegram_secret_token,
                                      allowed_updates=ALLOWED_UPDATES,
                                      drop_pending_updates=False)
                return
            except Exception as exc:
                attempt += 1
                log.warning("setWebhook failed (%s); retrying", type(exc).__name__)
                await asyncio.sleep(min(2.0 ** attempt, self.settings.telegram_retry_max_seconds))

    async def store(self, updates: list[dict[str, Any]]) -> int:
        """Store updates durably (called before acknowledging them) and wake the inbox."""
        assert self._sessions is not None, "the Telegram runtime is not started"
        stored = await store_updates(self._sessions, updates)
        if self._inbox is not None:
            self._inbox.drainer.wake()
        return stored

    async def stop(self) -> None:
        if self._poller is not None:
            await self._poller.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._inbox is not None:
            await self._inbox.drainer.stop(grace_seconds=10)
        if self._outbox is not None:
            await self._outbox.drainer.stop(grace_seconds=5)
        if self._marks is not None:
            await self._marks.close()
        if self._adapter is not None:
            await self._adapter.close()
        if self._bot is not None:
            await self._bot.shutdown()
        if self._engine is not None:
            await self._engine.dispose()
