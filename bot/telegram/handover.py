"""Knowing when a Bot API request has left the process.

Once a whole request is in the socket's kernel buffer, the operating system delivers it
even if the process is killed the next moment, so Telegram will act on it. The outbox
records this (`handed`) so that a crash afterwards is not mistaken for a request that never
left, and the reply is not sent twice (outbox.py).

httpcore reports the steps of a request through its `trace` extension; `HandoverTransport`
attaches the `Handover` that the current task registered with `watching()`:
- `send_request_body.started`: a journal line (journal.py), written synchronously. From
  here to the socket write that follows, nothing is awaited (the body is one chunk, and
  anyio hands it to the transport at once), so a kill lands before the line (the row is
  still `sending` and is sent again: right) or after the write (`handed`, not sent again:
  right); only a kill in the microseconds between the two loses the reply.
  Writing the line after the write instead left milliseconds (anyio yields to the event
  loop twice after writing): killing the bot the instant the server accepted a message
  then showed it twice in 5 of 10 tries (tests/telegram/bench.py).
- `send_request_body.complete`: the mark goes to the database (several rows per commit,
  on a connection of its own); `.failed`: the journal line is cancelled.
At start-up `HandoverLog.recover()` applies the journal to the database and empties it.
The socket's send buffer is larger than any request (runtime.py), so "written" means
"in the kernel".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.queue_models import OutboxMessage
from bot.telegram.journal import Journal, Mark

log = logging.getLogger(__name__)

@dataclass
class Handover:
    """One attempt to send an outbox row: reports its request's body being written."""

    log: HandoverLog
    mark: Mark  # (outbox row id, attempt)
    handed: bool = False  # the body was written

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith("send_request_body.started"):
            self.log.writing(self.mark)  # synchronous: no await before the write
        elif event.endswith("send_request_body.complete"):
            self.handed = True
            await self.log.written(self.mark)
        elif event.endswith("send_request_body.failed") and not isinstance(
                info.get("exception"), asyncio.CancelledError):  # a cancel comes at an await,
            self.log.not_written(self.mark)  # and those follow the bytes reaching the kernel


_current: ContextVar[Handover | None] = ContextVar("lotse_telegram_handover", default=None)


@contextmanager
def watching(handover: Handover) -> Iterator[Handover]:
    """Requests made by this task inside the block report to `handover`."""
    token = _current.set(handover)
    try:
        yield handover
    finally:
        _current.reset(token)


class HandoverTransport(httpx.AsyncHTTPTransport):
    """httpx transport that lets the watching `Handover` see its request leave."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        handover = _current.get()
        if handover is not None:
            request.extensions = {**request.extensions, "trace": handover.trace}
        return await super().handle_async_request(request)


class HandoverLog:
    """Marks outbox rows `handed` (only rows still `sending`): in the journal first, in the
    database after the write (marks that arrive while a commit runs go together in the next
    one). A database failure is logged; the journal still has the marks."""

    def __init__(self, engine: AsyncEngine, journal: Journal) -> None:
        self._engine = engine
        self._journal = journal
        self._connection: AsyncConnection | None = None
        self._waiting: set[Mark] = set()
        self._lock = asyncio.Lock()

    async def recover(self) -> int:
        """Apply what the journal holds from before a crash: rows still `sending` in the
        attempt the journal saw written become `handed`. Returns how many."""
        marks = self._journal.read()
        handed: list[int] = []
        if marks:
            async with self._engine.begin() as connection:
                in_flight = await connection.execute(
                    select(OutboxMessage.id, OutboxMessage.attempts)
                    .where(OutboxMessage.status == "sending"))
                handed = [row_id for row_id, attempt in in_flight if (row_id, attempt) in marks]
                if handed:
                    await connection.execute(self._statement(set(handed)))
        self._journal.reset()
        return len(handed)

    def writing(self, mark: Mark) -> None:
        self._journal.add(mark)

    def not_written(self, mark: Mark) -> None:
        self._journal.cancel(mark)

    async def written(self, mark: Mark) -> None:
        """Into the database; returns once it has the mark (or failed to take it)."""
        self._waiting.add(mark)
        async with self._lock:
            if mark not in self._waiting:  # the previous commit took it along
                return
            batch, self._waiting = self._waiting, set()
            try:
                await self._write({row_id for row_id, _attempt in batch})
                self._journal.settle(batch)
            except Exception as exc:
                log.warning("could not record the hand-over of outbox %s (%s)", sorted(batch),
                            type(exc).__name__)
                await self._disconnect()  # the journal keeps the marks

    async def _write(self, batch: set[int]) -> None:
        if self._connection is None:
            self._connection = await self._engine.connect()
        await self._connection.execute(self._statement(batch))
        await self._connection.commit()

    @staticmethod
    def _statement(ids: set[int]) -> Update:
        return update(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.status == "sending",
        ).values(status="handed")

    async def close(self) -> None:
        self._journal.close()
        await self._disconnect()

    async def _disconnect(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.close()
            except Exception as exc:
                log.debug("closing the hand-over connection: %s", type(exc).__name__)
