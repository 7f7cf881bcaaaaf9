"""Live events between app processes: "conversation N changed", "presence changed".

Events are small JSON objects; whoever receives one reads the database for the details,
so a missed event costs a refresh, never data. Two implementations:
- `LocalBus`: one process (the SQLite default).
- `PostgresBus`: PostgreSQL LISTEN/NOTIFY on the app's own database. Chosen over Redis
  pub/sub because it needs no further service and the database is where the state lives:
  every worker on the same PostgreSQL hears every event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any, Protocol

import asyncpg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
CHANNEL = "lotse_events"
QUEUE_LIMIT = 1000  # a subscriber that stops reading loses events (it re-reads the database)


class Bus(Protocol):
    async def publish(self, event: dict[str, Any]) -> None: ...

    def subscribe(self) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[dict[str, Any]]]:
        ...

    async def close(self) -> None: ...


class LocalBus:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()

    def _fan_out(self, event: dict[str, Any]) -> None:
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    async def publish(self, event: dict[str, Any]) -> None:
        self._fan_out(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    async def close(self) -> None:
        self._queues.clear()


class PostgresBus(LocalBus):
    """LISTEN on one dedicated connection per process; NOTIFY through it as well."""

    def __init__(self, database_url: str) -> None:
        super().__init__()
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._closing = False
        self._reconnect: asyncio.Task[None] | None = None

    async def start(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        await connection.add_listener(CHANNEL, self._heard)
        connection.add_termination_listener(self._lost)
        self._connection = connection

    def _lost(self, _connection: object) -> None:
        """The listening connection died (database restart): listen again, and tell every
        subscriber to re-read, since events may have been missed meanwhile."""
        if self._closing:
            return
        self._connection = None
        self._reconnect = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        delay = 0.5
        while not self._closing:
            try:
                async with self._lock:
                    if self._connection is None:
                        await self.start()
                self._fan_out({"kind": "reconnected"})
                return
            except (OSError, asyncpg.PostgresError):
                log.warning("bus: PostgreSQL unreachable, listening again in %.0f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _heard(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        try:
            self._fan_out(json.loads(payload))
        except ValueError:
            log.warning("bus: an event that is not JSON was ignored")

    async def publish(self, event: dict[str, Any]) -> None:
        payload = json.dumps(event, separators=(",", ":"))
        async with self._lock:
            try:
                if self._connection is None or self._connection.is_closed():
                    await self.start()
                assert self._connection is not None
                await self._connection.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
            except (OSError, asyncpg.PostgresError) as exc:  # listeners re-read on reconnect
                log.warning("bus: publishing failed (%s)", type(exc).__name__)
                self._connection = None

    async def close(self) -> None:
        self._closing = True
        await super().close()
        if self._reconnect is not None:
            self._reconnect.cancel()
        if self._connection is not None:
            await self._connection.close()


async def open_bus(database_url: str) -> Bus:
    """The bus for this database (call in a start-up hook)."""
    if make_url(database_url).get_backend_name() == "postgresql":
        bus = PostgresBus(database_url)
        await bus.start()
        return bus
    return LocalBus()
