"""What a running publish shows: its log lines (buffered, written to its row every few
seconds, not per line), the training's progress read from Rasa's training log, and the
training itself in a thread of its own at a lower CPU priority."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.curation.publish_store import append_log

T = TypeVar("T")
FLUSH_SECONDS = 3.0
NICE = 5  # the training's niceness above the app's (CPU weight 1:3): the bot keeps answering
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
EPOCHS = re.compile(r"Epochs:\s*\d+%\|[^|]*\|\s*(\d+)/(\d+)\s*\[[^<\]]*<([^,\]]*)")


def training_progress(log_text: str) -> dict[str, Any] | None:
    """The component training now and its epoch, from `rasa train`'s log (tqdm lines)."""
    starts = list(COMPONENT.finditer(log_text))
    if not starts:
        return None
    progress: dict[str, Any] = {"component": starts[-1].group(1)}
    epochs = EPOCHS.findall(log_text, starts[-1].end())
    if epochs:
        done, total, left = epochs[-1]
        progress.update(done=int(done), total=int(total), left=left.strip())
    return progress


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, each progress bar reduced to its last state."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")  # keeps "\r"
    except OSError:
        return ""
    rows = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n")]
    return "\n".join(row for row in rows[-lines:] if row.strip())


class RowLog:
    """Log lines of one publish: `add` from any thread, written every FLUSH_SECONDS."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], row_id: int,
                 train_log: Path | None = None, every: float = FLUSH_SECONDS) -> None:
        self._sessions, self._row_id, self._every = sessions, row_id, every
        self.train_log = train_log
        self._lines: list[str] = []
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._progress: dict[str, Any] | None = None
        self._writing = asyncio.Lock()

    def add(self, line: str) -> None:
        stamp = f"[{time.monotonic() - self._started:5.0f} s] "
        with self._lock:
            self._lines.append(stamp + line.strip() + "\n")

    async def flush(self) -> None:
        """Write the lines so far (and the training's progress, when it changed)."""
        await self.write(None)

    async def write(self, change: Callable[[AsyncSession], Awaitable[T]] | None) -> T | None:
        """The lines so far, then `change`, in one transaction. Every write of the row goes
        through here, one at a time (no lost update of its log or report)."""
        async with self._writing:
            with self._lock:
                lines, self._lines = "".join(self._lines), []
            progress = self._read_progress()
            if not lines and progress is None and change is None:
                return None
            try:
                async with self._sessions() as session:
                    await append_log(session, self._row_id, lines, progress)
                    result = await change(session) if change is not None else None
                    await session.commit()
            except BaseException:
                with self._lock:  # written with the next flush
                    self._lines.insert(0, lines)
                raise
            return result

    def _read_progress(self) -> dict[str, Any] | None:
        if self.train_log is None or not self.train_log.exists():
            return None
        progress = training_progress(self.train_log.read_text(encoding="utf-8",
                                                              errors="replace"))
        if progress == self._progress:
            return None
        self._progress = progress
        return progress

    async def __aenter__(self) -> RowLog:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self.train_log = None  # the final flush leaves the progress as it was
        with contextlib.suppress(Exception):  # the row keeps what it had
            await asyncio.shield(self.flush())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            with contextlib.suppress(Exception):  # a busy database: the next flush tries
                await self.flush()


def lower_priority() -> None:
    """Raise this thread's niceness; processes it starts inherit it (Linux: per thread)."""
    tid = threading.get_native_id()
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + NICE))


async def in_own_thread(work: Callable[[], T]) -> T:
    """`work()` in a new daemon thread (not the shared executor: its niceness stays there,
    and a training never holds up the process's exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result, error = work(), None
        except BaseException as exc:  # handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name="lotse-publish", daemon=True).start()
    return await future


def stop_training(name: str) -> None:
    """Terminate this process's `rasa train` of model `name` (the app is stopping)."""
    me = str(os.getpid())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            status = (proc / "status").read_text()
            parent = next((line.split()[1] for line in status.splitlines()
                           if line.startswith("PPid:")), "")
            command = (proc / "cmdline").read_bytes().split(b"\0")
            if parent == me and name.encode() in command and b"train" in command:
                os.kill(int(proc.name), signal.SIGTERM)
