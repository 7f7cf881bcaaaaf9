"""A forwarder in front of the real Rasa server that can spring a trap on one parse request:
run an action (kill the bot) while the request waits and never answer it. This puts a
SIGKILL exactly inside `ChatService.handle`, after the message was stored and before the
conversation moved on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from tests.telegram.botapi import serve_locally

Action = Callable[[], Awaitable[None]]


class RasaTrap:
    def __init__(self, target: str) -> None:
        self.target = target
        self.port = 0
        self.parses = 0
        self.sprung = asyncio.Event()
        self._armed: tuple[int, Action] | None = None
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def arm(self, at_parse: int, action: Action) -> None:
        """On parse request number `at_parse` (counted from now), run `action`."""
        self._armed = (self.parses + at_parse, action)

    async def start(self) -> RasaTrap:
        self._http = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner, self.port = await serve_locally(app)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if request.path == "/model/parse":
            self.parses += 1
            if self._armed is not None and self.parses == self._armed[0]:
                action = self._armed[1]
                self._armed = None
                task = asyncio.create_task(action())
                self._tasks.add(task)
                task.add_done_callback(lambda _t: self.sprung.set())
                await asyncio.sleep(3600)  # no answer: the caller dies waiting for it
        assert self._http is not None
        async with self._http.request(request.method, f"{self.target}{request.path_qs}",
                                      data=body, headers={"Content-Type": "application/json"},
                                      ) as upstream:
            return web.Response(body=await upstream.read(), status=upstream.status,
                                content_type="application/json")
