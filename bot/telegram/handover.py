"""Knowing when a Bot API request has fully left the process.

Once the whole request is written to the socket, the operating system delivers it even if
the process is killed the next moment (the kernel owns the socket's send buffer), so
Telegram will act on it. The outbox records that moment (`handed`) so a crash afterwards is
not mistaken for a request that never left (see outbox.py).

httpcore reports the moment through its `trace` request extension
("http11.send_request_body.complete"); `HandoverTransport` attaches the tracer of the
`Handover` that the current task registered with `watching()`. `HandoverLog` then records
the row id twice:
- at once, in a journal file: one `os.write` without awaiting anything (microseconds; the
  bytes are in the kernel's page cache, so they survive a kill of the process);
- in the database, a few rows per commit, on a connection of its own. Measured in a busy
  bot on SQLite this took 8 ms typically and up to 180 ms (the event loop and other writers
  come first) — too long a window to leave uncovered; the journal covers it.
At start-up `recover()` applies the journal to the database and empties it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Update, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.queue_models import OutboxMessage

log = logging.getLogger(__name__)

BODY_WRITTEN = "send_request_body.complete"


@dataclass
class Handover:
    """One send attempt; `on_handed` runs once, right after the request body is written."""

    on_handed: Callable[[], Awaitable[None]]
    handed: bool = False

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        if event.endswith(BODY_WRITTEN) and not self.handed:
            self.handed = True
            await self.on_handed()


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


Mark = tuple[int, int]  # (outbox row id, attempt): a later attempt needs a mark of its own


class Journal:
    """Append-only file of marks, one `id attempt` line each; rewritten with the marks the
    database still lacks when it grows."""

    def __init__(self, path: Path, max_bytes: int = 1 << 20) -> None:
        self.path, self._max_bytes = path, max_bytes
        self._fd: int | None = None
        self._open: set[Mark] = set()

    def read(self) -> set[Mark]:
        if not self.path.exists():
            return set()
        lines = self.path.read_bytes().split(b"\n")[:-1]  # after the last newline: torn
        marks = set()
        for line in lines:
            words = line.split()
            if len(words) == 2 and all(w.isdigit() for w in words):
                marks.add((int(words[0]), int(words[1])))
        return marks

    def reset(self, keep: set[Mark] | None = None) -> None:
        """Start a new file holding `keep` (atomic replace), and append to it from now on."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_suffix(".new")
        fresh.write_bytes(b"".join(_line(mark) for mark in sorted(keep or ())))
        os.replace(fresh, self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)

    def add(self, mark: Mark) -> None:
        if self._fd is None:
            self.reset()
        assert self._fd is not None
        os.write(self._fd, _line(mark))
        self._open.add(mark)
        if os.fstat(self._fd).st_size > self._max_bytes:
            self.reset(self._open)

    def settle(self, marks: set[Mark]) -> None:
        """The database has these marks now: they need not be carried into the next file."""
        self._open -= marks

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _line(mark: Mark) -> bytes:
    return f"{mark[0]} {mark[1]}\n".encode("ascii")


class HandoverLog:
    """Marks outbox rows `handed` (only rows still `sending`): in the journal at once, in the
    database soon after (marks that arrive while a commit runs go together in the next
    one). A database failure is logged; the journal still has the ids."""

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

    async def mark(self, row_id: int, attempt: int) -> None:
        """Record that attempt `attempt` of row `row_id` was written. Returns once the
        database has it (or failed to take it)."""
        self._journal.add((row_id, attempt))  # first, and without awaiting anything
        self._waiting.add((row_id, attempt))
        async with self._lock:
            if (row_id, attempt) not in self._waiting:  # the previous commit took it along
                return
            batch, self._waiting = self._waiting, set()
            try:
                await self._write({i for i, _a in batch})
                self._journal.settle(batch)
            except Exception as exc:
                log.warning("could not record the hand-over of outbox %s (%s)", sorted(batch),
                            type(exc).__name__)
                await self.close()

    async def _write(self, batch: set[int]) -> None:
        if self._connection is None:
            self._connection = await self._engine.connect()
            if self._connection.dialect.name == "postgresql":  # no wait for the WAL flush:
                # only a database crash could undo the mark (one reply sent twice)
                await self._connection.execute(text("SET synchronous_commit TO OFF"))
                await self._connection.commit()
        await self._connection.execute(self._statement(batch))
        await self._connection.commit()

    @staticmethod
    def _statement(ids: set[int]) -> Update:
        return update(OutboxMessage).where(
            OutboxMessage.id.in_(ids), OutboxMessage.status == "sending",
        ).values(status="handed")

    async def close(self) -> None:
        self._journal.close()
        if self._connection is not None:
            connection, self._connection = self._connection, None
            try:
                await connection.close()
            except Exception as exc:
                log.debug("closing the hand-over connection: %s", type(exc).__name__)
