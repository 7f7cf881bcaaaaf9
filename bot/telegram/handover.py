"""Knowing when a Bot API request has fully left the process.

Once the whole request is written to the socket, the operating system delivers it even if
the process is killed the next moment (the kernel owns the socket's send buffer), so
Telegram will act on it. The outbox records that moment (`handed`) so a crash afterwards is
not mistaken for a request that never left (see outbox.py).

httpcore reports the moment through its `trace` request extension
("http11.send_request_body.complete"); `HandoverTransport` attaches the tracer of the
`Handover` that the current task registered with `watching()`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpx

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
