"""The durable inbox: updates are stored (deduplicated by `update_id`) before Telegram gets
its acknowledgement, then handled one at a time per chat, in `update_id` order.

Handling an update and queueing its replies in the outbox commit together, so a crash
either leaves the update pending (handled again after the restart) or fully handled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import utcnow
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.telegram.drain import KeyedDrainer, persist
from bot.telegram.render import Call

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
MEDIA = ("voice", "audio", "photo", "sticker", "document", "video", "video_note", "animation",
         "contact", "poll", "dice", "game", "story")
_PERSONAL = ("last_name", "username", "title", "bio", "phone_number")

Process = Callable[[dict[str, Any]], Awaitable[list[Call]]]
OnFailure = Callable[[dict[str, Any], int], Awaitable[list[Call]]]


# Update and chat ids are stored in BigInteger columns (signed 64-bit).
_ID_RANGE = range(-(2 ** 63), 2 ** 63)
_KIND = re.compile(r"[a-z_]{1,64}")


def update_id_of(body: object) -> int | None:
    """The update id of a raw update; None when `body` is not a Telegram update (a JSON
    object whose `update_id` is a non-negative integer that fits the inbox's column)."""
    if not isinstance(body, dict):
        return None
    update_id = body.get("update_id")
    if isinstance(update_id, bool) or not isinstance(update_id, int) \
            or not 0 <= update_id < 2 ** 63:
        return None
    return update_id


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _chat_id(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value not in _ID_RANGE:
        return None
    return value or None  # 0 is no chat


def describe(update: dict[str, Any]) -> tuple[int | None, str]:
    """(chat id, kind) of a raw update, whatever its shape; chat id None for updates the bot
    does not answer: unknown update types, group chats, and anything malformed (a chat or
    sender id that is not an integer, a message that is not an object). The kind is one
    lower-case word of at most 20 characters ("unknown" for an unreadable update type)."""
    query = update.get("callback_query")
    if isinstance(query, dict):
        chat = _object(_object(query.get("message")).get("chat"))
        private = chat.get("type", "private") == "private"
        chat_id = _chat_id(chat.get("id")) or _chat_id(_object(query.get("from")).get("id"))
        return (chat_id if private else None), "callback"
    message = update.get("message")
    if not isinstance(message, dict):
        kind = next((k for k in update if k != "update_id"), "unknown")
        return None, kind[:20] if isinstance(kind, str) and _KIND.fullmatch(kind) else "unknown"
    chat = _object(message.get("chat"))
    if "location" in message:
        kind = "location"
    elif isinstance(message.get("text"), str):
        kind = "command" if message["text"].startswith("/") else "text"
    else:
        kind = next((m for m in MEDIA if m in message), "other")
    private = chat.get("type") == "private"
    return (_chat_id(chat.get("id")) if private else None), kind


def language_code_of(update: dict[str, Any]) -> str | None:
    """The sender's `language_code` (Telegram's hint), None when missing or malformed."""
    holder = update.get("message") if isinstance(update.get("message"), dict) \
        else update.get("callback_query")
    code = _object(_object(holder).get("from")).get("language_code")
    return code if isinstance(code, str) and 0 < len(code) <= 35 else None


class Malformed(Exception):
    """An update that cannot be read (PTB refuses it, a field has the wrong type): it would
    fail again on every try, so it is marked ignored at once."""


MAX_DEPTH = 12  # Telegram nests a message 2-3 levels (a reply's original); deeper: dropped


def minimise(value: Any, depth: int = 0) -> Any:
    """The update without names, usernames and phone numbers (never needed to answer), and
    without anything nested deeper than MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, list):
        return [minimise(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    cleaned = {k: minimise(v, depth + 1) for k, v in value.items() if k not in _PERSONAL}
    if "first_name" in cleaned:
        cleaned["first_name"] = ""
    if "phone_number" in value:
        cleaned["phone_number"] = ""
    return cleaned


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def store_updates(sessions: async_sessionmaker[AsyncSession],
                        updates: list[dict[str, Any]]) -> int:
    """Store updates; an update_id seen before is ignored. Returns how many were new."""
    rows = []
    for update in updates:
        update_id = update_id_of(update)
        if update_id is None:  # the webhook and the poller let only updates through
            log.warning("not a Telegram update; ignored")
            continue
        chat_id, kind = describe(update)
        answerable = chat_id is not None
        rows.append({"update_id": update_id, "chat_id": chat_id, "kind": kind,
                     "payload": minimise(update) if answerable else None,
                     "status": "pending" if answerable else "ignored", "attempts": 0,
                     "not_before": 0.0, "received_at": utcnow()})
    if not rows:
        return 0
    async with sessions() as session:
        statement = _insert(session)(InboxUpdate).values(rows)
        statement = statement.on_conflict_do_nothing(index_elements=["update_id"])
        result = await session.execute(statement)
        await session.commit()
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


class InboxWorker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], process: Process,
                 on_failure: OnFailure, *, enqueued: Callable[[], None], concurrency: int,
                 max_attempts: int, retry_base: float, retry_max: float) -> None:
        self._sessions = sessions
        self._process = process
        self._on_failure = on_failure
        self._enqueued = enqueued
        self._slots = asyncio.Semaphore(concurrency)
        self._max_attempts = max_attempts
        self._retry_base, self._retry_max = retry_base, retry_max
        self.drainer = KeyedDrainer("inbox", self._chats, self._drain,
                                    max_active=4 * concurrency)

    async def _chats(self) -> list[int]:
        async with self._sessions() as session:
            result = await session.scalars(
                select(InboxUpdate.chat_id).where(InboxUpdate.status == "pending")
                .group_by(InboxUpdate.chat_id).order_by(func.min(InboxUpdate.update_id)))
            return [c for c in result if c is not None]

    async def _next(self, chat_id: int) -> InboxUpdate | None:
        async with self._sessions() as session:
            row: InboxUpdate | None = await session.scalar(
                select(InboxUpdate).where(InboxUpdate.status == "pending",
                                          InboxUpdate.chat_id == chat_id)
                .order_by(InboxUpdate.update_id).limit(1))
            return row

    async def _drain(self, chat_id: int) -> None:
        while not self.drainer.stopping.is_set():
            row = await self._next(chat_id)
            if row is None:
                return
            wait = row.not_before - time.time()
            if wait > 0:
                await self.drainer.sleep(wait)
                continue
            async with self._slots:
                try:
                    calls = await self._process(row.payload or {})
                except Malformed as exc:  # no retries: an apology at once
                    log.warning("update %s (%s) is malformed (%s); ignored", row.update_id,
                                row.kind, exc)
                    await self._finish(row, await self._apology(row), "ignored")
                    continue
                except Exception:
                    log.exception("handling update %s (%s) failed", row.update_id, row.kind)
                    await self._failed(row)
                    continue
            await self._finish(row, calls, "done")

    async def _finish(self, row: InboxUpdate, calls: list[Call], status: str) -> None:
        await persist(functools.partial(self._finish_once, row, calls, status),
                      f"inbox update {row.update_id}: queueing replies")
        if calls:
            self._enqueued()

    async def _finish_once(self, row: InboxUpdate, calls: list[Call], status: str) -> None:
        """Mark the update handled and queue its replies, in one transaction."""
        async with self._sessions() as session:
            stored = await session.get_one(InboxUpdate, row.id)
            if stored.status != "pending":  # an earlier try did commit after all
                return
            stored.status, stored.handled_at = status, utcnow()
            if status == "failed":
                stored.attempts = row.attempts + 1
            stored.payload, stored.chat_id = None, None  # the raw id is kept only while pending
            session.add_all(OutboxMessage(inbox_id=stored.id, chat_id=row.chat_id, method=c.method,
                                          params=c.params, status="pending", attempts=0,
                                          not_before=0.0) for c in calls)
            await session.commit()

    async def _apology(self, row: InboxUpdate) -> list[Call]:
        try:
            return await self._on_failure(row.payload or {}, row.chat_id or 0)
        except Exception:
            log.exception("apology for update %s failed", row.update_id)
            return []

    async def _failed(self, row: InboxUpdate) -> None:
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            log.error("update %s failed %d times; answering with an apology", row.update_id,
                      attempts)
            await self._finish(row, await self._apology(row), "failed")
            return
        delay = min(self._retry_base * 2 ** (attempts - 1), self._retry_max)
        async with self._sessions() as session:
            stored = await session.get_one(InboxUpdate, row.id)
            stored.attempts, stored.not_before = attempts, time.time() + delay
            await session.commit()
