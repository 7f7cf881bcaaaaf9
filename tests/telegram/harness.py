"""The app with its Telegram channel against the local Bot API server, and a user's chat."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Conversation, User
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.storage.repository import pseudonym
from bot.telegram.outbox import OPEN
from bot.web.app import create_app
from tests.conftest import app_settings, free_port
from tests.telegram import updates
from tests.telegram.botapi import BotApi, Sent

SECRET = "test-secret_token-123"


def telegram_settings(tmp_path: Path, rasa_port: int, api: BotApi, mode: str = "polling",
                      **overrides: Any) -> Settings:
    port = free_port()
    values: dict[str, Any] = {
        "port": port, "telegram_mode": mode, "telegram_token": api.token,
        "telegram_base_url": api.base_url, "telegram_poll_timeout_seconds": 1,
        "telegram_journal_dir": tmp_path,
        "telegram_retry_base_seconds": 0.2, "telegram_retry_max_seconds": 2.0,
        "telegram_send_timeout_seconds": 5.0,
        "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
        "telegram_secret_token": SECRET, **overrides}
    return app_settings(tmp_path, rasa_port, **values)


class Harness:
    """Runs the app (web server + Telegram workers) and reads its database."""

    def __init__(self, api: BotApi, settings: Settings) -> None:
        self.api = api
        self.settings = settings
        self._runner: web.AppRunner | None = None
        self._engine: AsyncEngine | None = None

    async def start(self) -> Harness:
        self._runner = web.AppRunner(create_app(self.settings))
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.host, self.settings.port).start()
        self._engine = self._engine or create_engine(self.settings.database_url)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        if self._engine is not None:
            await self._engine.dispose()

    @property
    def webhook_url(self) -> str:
        return self.settings.telegram_webhook_url

    async def query(self, statement: Any) -> list[Any]:
        engine = self._engine or create_engine(self.settings.database_url)
        self._engine = engine
        async with session_factory(engine)() as session:
            return list((await session.execute(statement)).all())

    async def is_settled(self, update_id: int) -> bool:
        rows = await self.query(select(InboxUpdate.id, InboxUpdate.status)
                                .where(InboxUpdate.update_id == update_id))
        if not rows or rows[0][1] == "pending":
            return False
        waiting = await self.query(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.inbox_id == rows[0][0], OutboxMessage.status.in_(OPEN)))
        return int(waiting[0][0]) == 0

    async def settled(self, *update_ids: int, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for update_id in update_ids:
            while not await self.is_settled(update_id):
                if time.monotonic() > deadline:
                    raise AssertionError(f"update {update_id} not handled and sent in time")
                await asyncio.sleep(0.05)

    async def user(self, chat_id: int) -> tuple[User, dict[str, Any]]:
        pseudo = pseudonym(self.settings.pseudonym_secret, "telegram", str(chat_id))
        rows = await self.query(select(User, Conversation).join(Conversation)
                                .where(User.pseudonym == pseudo))
        user, conversation = rows[-1]
        return user, conversation.state

    def chat(self, chat_id: int, language_code: str | None = "de") -> Chat:
        return Chat(self, chat_id, language_code)


class Chat:
    """One Telegram user talking to the bot; each call returns the bot's answers to it."""

    def __init__(self, harness: Harness, chat_id: int, language_code: str | None) -> None:
        self.harness, self.chat_id, self.language_code = harness, chat_id, language_code

    @property
    def sent(self) -> list[Sent]:
        return self.harness.api.sent_to(self.chat_id)

    def now(self, sent: Sent) -> Sent:
        """A message the bot sent, as the user sees it now (after any edit)."""
        return next(s for s in self.harness.api.showing(self.chat_id)
                    if s.message_id == sent.message_id)

    async def deliver(self, update: dict[str, Any], deliveries: int = 1) -> list[Sent]:
        mark = len(self.sent)
        update_id = self.harness.api.push(update, deliveries)
        await self.harness.settled(update_id)
        return self.sent[mark:]

    async def text(self, value: str) -> list[Sent]:
        return await self.deliver(updates.text(self.chat_id, value, self.language_code))

    async def press(self, data: str) -> list[Sent]:
        """Press the button with `data` on the newest message showing it; data that no message
        shows is sent as a modified client would (on a message without buttons)."""
        api = self.harness.api
        shown = next((s for s in reversed(api.showing(self.chat_id))
                      if data in (d for _title, d in s.buttons)), None)
        message = api.message_json(shown) if shown else None
        return await self.deliver(updates.callback(self.chat_id, data, self.language_code,
                                                   message))

    async def location(self, lat: float, lon: float) -> list[Sent]:
        return await self.deliver(updates.location(self.chat_id, lat, lon, self.language_code))

    async def media(self, kind: str) -> list[Sent]:
        return await self.deliver(updates.media(self.chat_id, kind, self.language_code))
