"""Per-chat workers: at most one task per chat drains that chat's queue, in order, while
other chats run in parallel. Used by the inbox (handling) and the outbox (sending)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


async def persist(step: Callable[[], Awaitable[None]], what: str, attempts: int = 10) -> None:
    """Run a database step, retrying when the database fails (e.g. SQLite busy). Used where
    giving up would repeat work already done outside (a reply sent, an update handled)."""
    for attempt in range(1, attempts + 1):
        try:
            return await step()
        except SQLAlchemyError:
            if attempt == attempts:
                raise
            log.warning("%s failed, retrying", what)
            await asyncio.sleep(0.2 * attempt)


class KeyedDrainer:
    """Asks `keys()` which chats have work (on `wake()` and every `poll_seconds`) and runs
    `drain(chat)` for each chat that has no running task yet, at most `max_active` at once."""

    def __init__(self, name: str, keys: Callable[[], Awaitable[list[int]]],
                 drain: Callable[[int], Awaitable[None]], poll_seconds: float = 1.0,
                 max_active: int = 64) -> None:
        self.name = name
        self._max_active = max_active
        self._keys = keys
        self._drain = drain
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self.stopping = asyncio.Event()
        self._active: dict[int, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._wake.set()  # the first round picks up whatever an earlier run left
        self._loop_task = asyncio.create_task(self._run(), name=f"{self.name}-dispatch")

    async def sleep(self, seconds: float) -> bool:
        """Sleep unless stopping; False when the worker is stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), max(seconds, 0.0))
        return not self.stopping.is_set()

    async def _run(self) -> None:
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll)
            self._wake.clear()
            if self.stopping.is_set():
                return
            try:
                keys = await self._keys()
            except Exception:
                log.exception("%s: looking for work failed; retrying", self.name)
                await self.sleep(self._poll)
                continue
            for key in keys:  # oldest work first; the rest waits for a free worker
                if len(self._active) >= self._max_active:
                    break
                if key not in self._active:
                    self._active[key] = asyncio.create_task(self._one(key),
                                                            name=f"{self.name}-chat")

    async def _one(self, key: int) -> None:
        try:
            await self._drain(key)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: worker for a chat failed; it restarts on the next round",
                          self.name)
            await self.sleep(self._poll)
        finally:
            self._active.pop(key, None)
            self._wake.set()

    async def stop(self, grace_seconds: float) -> None:
        """Let running work finish for up to `grace_seconds`, then cancel it. Unfinished work
        stays in the database and is picked up at the next start."""
        self.stopping.set()
        self._wake.set()
        if self._loop_task is not None:
            await self._loop_task
        tasks = list(self._active.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=grace_seconds)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
