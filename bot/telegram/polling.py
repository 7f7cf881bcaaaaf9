"""Long polling (development): getUpdates is driven here, not by PTB's Application, so the
offset — Telegram's acknowledgement — moves only after the updates are stored."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import RetryAfter, TimedOut

from bot.telegram.inbox import ALLOWED_UPDATES, update_id_of
from bot.telegram.outbox import retry_after_seconds

log = logging.getLogger(__name__)
Store = Callable[[list[dict[str, Any]]], Awaitable[int]]


class Poller:
    def __init__(self, bot: Bot, store: Store, timeout_seconds: int, retry_max: float) -> None:
        self._bot = bot
        self._store = store
        self._timeout = timeout_seconds
        self._retry_max = retry_max
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _fetch(self, offset: int | None) -> list[dict[str, Any]]:
        """getUpdates, unparsed: an update PTB cannot read must not stop polling (it is
        stored like any other and fails in the inbox, where it is retried and answered).
        The lower-case method name is the same Bot API method (names are case-insensitive)
        without PTB's parsing."""
        params: dict[str, Any] = {"timeout": self._timeout, "allowed_updates": ALLOWED_UPDATES}
        if offset is not None:
            params["offset"] = offset
        result = await self._bot.do_api_request("getupdates", api_kwargs=params,
                                                read_timeout=self._timeout + 10)
        if not isinstance(result, list):
            return []
        return [u for u in result if update_id_of(u) is not None]

    async def _run(self) -> None:
        await self._until_done(lambda: self._bot.delete_webhook(drop_pending_updates=False),
                               "deleteWebhook")
        offset: int | None = None  # None: Telegram sends everything not yet acknowledged
        failures = 0
        while True:
            try:
                updates = await self._fetch(offset)
                failures = 0
            except TimedOut:
                continue
            except RetryAfter as exc:
                await asyncio.sleep(retry_after_seconds(exc))
                continue
            except Exception as exc:  # network, 5xx, Conflict (a webhook or a second poller)
                failures += 1
                delay = min(2.0 ** failures, self._retry_max)
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__,
                            delay)
                await asyncio.sleep(delay)
                continue
            if not updates:
                continue
            await self._until_done(functools.partial(self._store, updates), "storing updates")
            offset = max(int(u["update_id"]) for u in updates) + 1  # acknowledged next call

    async def _until_done(self, step: Callable[[], Awaitable[Any]], what: str) -> None:
        failures = 0
        while True:
            try:
                await step()
                return
            except Exception as exc:
                failures += 1
                delay = min(0.5 * 2 ** failures, self._retry_max)
                log.warning("%s failed (%s); retrying in %.1f s", what, type(exc).__name__,
                            delay)
                await asyncio.sleep(delay)
