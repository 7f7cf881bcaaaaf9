"""Server-Sent Events (aiohttp-sse): "something changed" for the console's pages, which then
re-read the server-rendered fragments. The library's ping (a comment every 25 s) keeps the
connection open and notices a browser that has gone; every 25 s, whatever the traffic, the
stream also counts as the counsellor's heartbeat (online while a console page is open) and
checks that the session is still valid (deactivated, logged out, new password: it ends)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from bot.console.auth import ANSWERING
from bot.console.state import STATE
from bot.console.viewer import load_viewer, need
from bot.web.keys import BUS, HANDOFFS

KEEPALIVE_SECONDS = 25.0
RETRY = b"retry: 5000\n\n"  # the browser reconnects after 5 s
KINDS = ("conversation", "presence")


def encode(event: dict[str, Any]) -> str | None:
    """Only what the page needs: the kind, and for a conversation its id and status."""
    kind = event.get("kind")
    if kind not in KINDS:
        return None
    clean: dict[str, Any] = {"kind": kind}
    if kind == "conversation" and isinstance(event.get("id"), int):
        clean["id"] = event["id"]
        clean["status"] = str(event.get("status") or "")
    return json.dumps(clean, separators=(",", ":"))


async def next_event(queue: asyncio.Queue[dict[str, Any]], until: list[asyncio.Future[Any]],
                     timeout: float) -> dict[str, Any] | None:
    """The next event; None after `timeout` or as soon as one of `until` is done (the app
    stops, the browser has gone). Those are waited on, never cancelled here."""
    getting = asyncio.ensure_future(queue.get())
    done, _pending = await asyncio.wait({getting, *until}, timeout=max(timeout, 0.0),
                                        return_when=asyncio.FIRST_COMPLETED)
    if getting in done:
        return getting.result()
    getting.cancel()
    return None


async def events(request: web.Request) -> web.StreamResponse:
    viewer = need(request, ANSWERING, page=False)
    stream = EventSourceResponse(sep="\n", ping_interval=KEEPALIVE_SECONDS)
    with contextlib.suppress(ConnectionError, TimeoutError):
        await stream.prepare(request)
        async with request.config_dict[BUS].subscribe() as queue, stream:
            await stream.write(RETRY)
            await _forward(request, stream, queue, viewer.id)
    return stream


async def _forward(request: web.Request, stream: EventSourceResponse,
                   queue: asyncio.Queue[dict[str, Any]], user_id: int) -> None:
    """Events to the browser until the app stops, the browser goes or the session ends."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.ensure_future(request.config_dict[STATE].stopping.wait())
    gone = asyncio.ensure_future(stream.wait())  # the ping found the connection closed
    beat = loop.time() + KEEPALIVE_SECONDS
    try:
        while stream.is_connected() and not stopping.done():
            if loop.time() >= beat:  # also while events keep coming
                if await load_viewer(request) is None:
                    break  # deactivated, logged out everywhere, or a new password
                await request.config_dict[HANDOFFS].seen(user_id)
                beat = loop.time() + KEEPALIVE_SECONDS
            event = await next_event(queue, [stopping, gone], beat - loop.time())
            if event is not None and (data := encode(event)) is not None:
                await stream.send(data)
    finally:
        stopping.cancel()
        gone.cancel()
