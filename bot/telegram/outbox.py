"""The durable outbox: stored Bot API calls, sent one at a time per chat, in order.

- 429 (`retry_after`): that chat waits at least `retry_after` seconds (stored, so it holds
  across restarts); other chats keep flowing.
- Timeouts, dropped connections, 5xx: retried with doubling backoff, never given up.
- 400/403 (bad request, user blocked the bot): marked failed, not retried.

A send moves through three states: `sending` (committed before the request), `handed` (the
request is written to the socket: a journal line just before the write, the database just
after; handover.py), `sent` (Telegram's answer, with the message id). After a crash
(SIGKILL, OOM) a row still `sending` never fully left the process, so it is sent again; a
row `handed` did leave (the kernel delivers what was written even after the process dies),
so it is not sent again and is marked `unconfirmed` (delivered, no message id). A live
timeout or cut connection after the hand-over is retried (never lost; shown twice if
Telegram had it).
See bot/telegram/README.md.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
import warnings
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from bot.storage.models import utcnow
from bot.storage.queue_models import OutboxMessage
from bot.telegram.drain import KeyedDrainer, persist
from bot.telegram.handover import Handover, HandoverLog, watching

log = logging.getLogger(__name__)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
OPEN = ("pending", "sending", "handed")  # the last two are only seen after a crash
PERMANENT = (BadRequest, Forbidden, ChatMigrated, EndPointNotFound, ValueError, KeyError)


@dataclass(frozen=True)
class Result:
    status: str  # sending | sent | retry | failed | unconfirmed
    delay: float = 0.0
    message_id: int | None = None
    error: str | None = None


def reply_markup(data: dict[str, Any] | None) -> Markup | None:
    if not data:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup([[  # a choice (callback data) or a page (url)
            InlineKeyboardButton(b["text"], callback_data=b.get("callback_data"), url=b.get("url"))
            for b in row] for row in data["inline_keyboard"]])
    if "keyboard" in data:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(b["text"], request_location=b.get("request_location"))
              for b in row] for row in data["keyboard"]],
            resize_keyboard=data.get("resize_keyboard"),
            one_time_keyboard=data.get("one_time_keyboard"))
    return ReplyKeyboardRemove() if data.get("remove_keyboard") else None


async def send_call(bot: Bot, chat_id: int, method: str,
                    params: dict[str, Any]) -> Message | None:
    """One stored call through PTB (timeouts: LOTSE_TELEGRAM_SEND_TIMEOUT_SECONDS)."""
    markup = reply_markup(params.get("reply_markup"))
    options = params.get("link_preview_options")
    preview = LinkPreviewOptions(**options) if options else None
    if method == "sendMessage":
        return await bot.send_message(chat_id, params["text"], parse_mode=params.get("parse_mode"),
                                      reply_markup=markup, link_preview_options=preview)
    if method == "editMessageText":  # a pressed message: the choice marked, keyboard gone
        edited = await bot.edit_message_text(
            params["text"], chat_id, params["message_id"], parse_mode=params.get("parse_mode"),
            link_preview_options=preview)
        return edited if isinstance(edited, Message) else None
    if method == "sendDocument":  # the user's data (/mydata), made from the stored text
        document = InputFile(params["content"].encode("utf-8"), filename=params["filename"])
        return await bot.send_document(chat_id, document, caption=params.get("caption"),
                                       parse_mode=params.get("parse_mode"))
    if method == "sendVenue":  # rows stored before Welcome Points became cards
        return await bot.send_venue(chat_id, latitude=params["latitude"],
                                    longitude=params["longitude"], title=params["title"],
                                    address=params["address"], reply_markup=markup)
    if method == "sendLocation":
        return await bot.send_location(chat_id, latitude=params["latitude"],
                                       longitude=params["longitude"], reply_markup=markup)
    raise ValueError(f"unsupported outbox method {method!r}")


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value if isinstance(value, int | float) else value.total_seconds()


class OutboxWorker:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], bot: Bot,
                 marks: HandoverLog, *, concurrency: int, retry_base: float,
                 retry_max: float) -> None:
        self._sessions = sessions
        self._bot = bot
        self._marks = marks
        self._slots = asyncio.Semaphore(concurrency)
        self._retry_base, self._retry_max = retry_base, retry_max
        self.drainer = KeyedDrainer("outbox", self._chats, self._drain,
                                    max_active=4 * concurrency)

    async def _chats(self) -> list[int]:
        async with self._sessions() as session:
            result = await session.scalars(
                select(OutboxMessage.chat_id).where(OutboxMessage.status.in_(OPEN))
                .group_by(OutboxMessage.chat_id).order_by(func.min(OutboxMessage.id)))
            return [c for c in result if c is not None]

    async def _head(self, chat_id: int) -> OutboxMessage | None:
        async with self._sessions() as session:
            row: OutboxMessage | None = await session.scalar(
                select(OutboxMessage).where(OutboxMessage.status.in_(OPEN),
                                            OutboxMessage.chat_id == chat_id)
                .order_by(OutboxMessage.id).limit(1))
            return row

    async def _drain(self, chat_id: int) -> None:
        while not self.drainer.stopping.is_set():
            row = await self._head(chat_id)
            if row is None:
                return
            wait = row.not_before - time.time()
            if wait > 0:  # this chat is paused (429) or backing off; other chats go on
                await self.drainer.sleep(wait)
                continue
            if row.status == "handed":  # left the process before a crash: not sent again
                log.warning("outbox %s: handed over before a restart; not sent again", row.id)
                await self._record(row.id, Result("unconfirmed"))
                continue
            if row.status == "sending":
                log.info("outbox %s: had not fully left before a restart; sending", row.id)
            async with self._slots:
                await self._record(row.id, Result("sending"))
                result = await self._send(row, chat_id)
            await self._record(row.id, result)

    async def _send(self, row: OutboxMessage, chat_id: int) -> Result:
        handover = Handover(self._marks, (row.id, row.attempts))
        try:
            with watching(handover):
                message = await send_call(self._bot, chat_id, row.method, row.params or {})
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            log.warning("outbox %s: 429, chat paused for %.1f s", row.id, seconds)
            return Result("retry", seconds + 0.05, error=f"429 retry_after={seconds:g}")
        except PERMANENT as exc:
            if row.method == "editMessageText" and "not modified" in str(exc):
                return Result("sent")  # a repeated edit: the message shows it already
            log.error("outbox %s: %s, not retried", row.id, type(exc).__name__)
            return Result("failed", error=f"{type(exc).__name__}: {exc}"[:200])
        except TelegramError as exc:  # network errors, timeouts, 5xx, …
            delay = min(self._retry_base * 2 ** row.attempts, self._retry_max)
            delay *= random.uniform(0.75, 1.25)
            where = "after" if handover.handed else "before"
            log.warning("outbox %s: %s %s the hand-over, retry in %.1f s", row.id,
                        type(exc).__name__, where, delay)
            return Result("retry", delay, error=f"{where} hand-over: {type(exc).__name__}: "
                                                f"{exc}"[:200])
        return Result("sent", message_id=message.message_id if message else None)

    async def _record(self, row_id: int, result: Result) -> None:
        await persist(functools.partial(self._record_once, row_id, result),
                      f"outbox {row_id}: recording {result.status}")

    async def _record_once(self, row_id: int, result: Result) -> None:
        """One UPDATE and a commit: the shortest possible gap after Telegram's answer."""
        if result.status == "sending":  # written before the request leaves
            values: dict[str, Any] = {"status": "sending"}
        elif result.status == "retry":
            values = {"status": "pending", "attempts": OutboxMessage.attempts + 1,
                      "error": result.error, "not_before": time.time() + result.delay}
        else:  # sent, failed, unconfirmed: the raw chat id and the text are no longer needed
            values = {"status": result.status, "attempts": OutboxMessage.attempts + 1,
                      "error": result.error, "params": None, "chat_id": None,
                      "telegram_message_id": result.message_id,
                      "sent_at": utcnow() if result.status == "sent" else None}
        async with self._sessions() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                                  .values(**values))
            await session.commit()
