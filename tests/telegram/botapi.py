"""A local Bot API server for the tests (no test reaches the internet).

It speaks the methods Lotse uses, delivers updates by getUpdates or to a webhook (retrying
until it gets a 2xx, like Telegram), records every request and every message the bot sent,
and injects faults: 429 with retry_after, 5xx, slow answers, late answers (the message is
accepted, the answer delayed), dropped connections.
PTB talks to it through `base_url`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.telegram.apicheck import check_send, params_of, visible
from tests.telegram.records import SEND_METHODS, Attempt, Fault, Sent
from tests.telegram.updates import BOT_USER

TOKEN = "123456:TEST-lotse_token"
__all__ = ["TOKEN", "Attempt", "BotApi", "Fault", "Sent"]


@dataclass
class _Pending:
    update: dict[str, Any]
    deliveries: int  # how often it is still delivered, even when acknowledged

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


@dataclass
class BotApi:
    token: str = TOKEN
    sent: list[Sent] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    callback_answers: list[str] = field(default_factory=list)
    edits: list[Sent] = field(default_factory=list)  # editMessageText calls it accepted
    webhook_statuses: list[int] = field(default_factory=list)
    latency: float = 0.0  # seconds from accepting a message to its answer reaching the bot
    on_accept: Callable[[Sent], None] | None = None  # called the moment a message is accepted

    def __post_init__(self) -> None:
        self._pending: list[_Pending] = []
        self._update_ids = itertools.count(700_000)
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._deliverer: asyncio.Task[None] | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> BotApi:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        self._runner, self.port = await serve_locally(app)
        return self

    async def stop(self) -> None:
        if self._deliverer:
            self._deliverer.cancel()
            await asyncio.gather(self._deliverer, return_exceptions=True)
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- updates ---------------------------------------------------------------------------
    def push(self, update: dict[str, Any], deliveries: int = 1) -> int:
        """Queue an update; `deliveries` > 1 delivers the same update that many times."""
        update = {"update_id": next(self._update_ids), **update}
        self._pending.append(_Pending(update, deliveries))
        self._changed.set()
        return int(update["update_id"])

    @property
    def undelivered(self) -> int:
        return len(self._pending)

    # -- inspection ------------------------------------------------------------------------
    def sent_to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == chat_id]

    def showing(self, chat_id: int) -> list[Sent]:
        """The chat's messages as the user sees them now: each one's latest edit."""
        latest = {e.message_id: e for e in self.edits if e.chat_id == chat_id}
        return [latest.get(s.message_id, s) for s in self.sent_to(chat_id)]

    def message_json(self, sent: Sent) -> dict[str, Any]:
        """A message as Telegram shows it in an update (a pressed button's message)."""
        return self._message(sent, {"text": visible(sent.text, sent.params.get("parse_mode"))})

    def attempts_to(self, chat_id: int) -> list[Attempt]:
        return [a for a in self.attempts if a.chat_id == chat_id]

    async def wait_for(self, condition: Any, timeout: float = 60.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            await asyncio.sleep(0.02)

    # -- faults ----------------------------------------------------------------------------
    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def _fault_for(self, method: str, chat_id: int | None) -> Fault | None:
        for fault in self.faults:
            if method in fault.methods and fault.chat_id in (None, chat_id) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    # -- the API ---------------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        params = await params_of(request)
        chat_id = params.get("chat_id")
        attempt = Attempt(method, chat_id if isinstance(chat_id, int) else None, time.monotonic())
        self.attempts.append(attempt)
        fault = self._fault_for(method, attempt.chat_id)
        if fault is not None:
            attempt.outcome = fault.kind
            if fault.kind == "slow":
                await asyncio.sleep(fault.seconds)
            elif fault.kind == "late":  # accepted and recorded, the answer comes late
                response = await self._answer(method, params, attempt)
                await asyncio.sleep(fault.seconds)
                return response
            elif fault.kind == "drop":
                return _drop(request)
            elif fault.kind == "429":
                return _error(429, f"Too Many Requests: retry after {fault.retry_after}",
                              {"retry_after": fault.retry_after})
            else:
                return _error(fault.status, "Internal Server Error")
        return await self._answer(method, params, attempt)

    async def _answer(self, method: str, params: dict[str, Any],
                      attempt: Attempt) -> web.Response:
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        if isinstance(result, web.Response):
            attempt.outcome = str(result.status)
            return result
        if self.latency and method in SEND_METHODS:
            await asyncio.sleep(self.latency)
        return web.json_response({"ok": True, "result": result})

    async def _m_getme(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _m_getupdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset, limit = params.get("offset"), int(params.get("limit") or 100)
        if offset:  # acknowledged; kept only while it must be delivered again
            self._pending = [p for p in self._pending
                             if p.update_id >= offset or p.deliveries > 0]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            ready = [p for p in self._pending
                     if not offset or p.update_id >= offset or p.deliveries > 0][:limit]
            if ready or time.monotonic() >= deadline:
                for entry in ready:
                    entry.deliveries -= 1
                return [p.update for p in ready]
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), deadline - time.monotonic())

    async def _m_setwebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {"url": params.get("url"), "secret": params.get("secret_token") or ""}
        if self._deliverer is None or self._deliverer.done():
            self._deliverer = asyncio.create_task(self._deliver())
        return True

    async def _m_deletewebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = {}
        if params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any]) -> Any:
        return {"url": self.webhook.get("url") or "", "has_custom_certificate": False,
                "pending_update_count": len(self._pending)}

    async def _m_setmycommands(self, params: dict[str, Any]) -> Any:
        self.commands[params.get("language_code") or ""] = params.get("commands") or []
        return True

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> Any:
        self.callback_answers.append(str(params.get("callback_query_id")))
        return True

    async def _m_sendchataction(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_sendmessage(self, params: dict[str, Any]) -> Any:
        return self._record("sendmessage", params)

    async def _m_senddocument(self, params: dict[str, Any]) -> Any:
        return self._record("senddocument", params)

    async def _m_sendvenue(self, params: dict[str, Any]) -> Any:
        return self._record("sendvenue", params)

    async def _m_sendlocation(self, params: dict[str, Any]) -> Any:
        return self._record("sendlocation", params)

    async def _m_editmessagetext(self, params: dict[str, Any]) -> Any:
        """Like Telegram: only a text message of this chat, and only when something changes."""
        target = next((s for s in self.showing(params.get("chat_id")) if s.message_id
                       == params.get("message_id")), None)
        if target is None or target.method not in ("sendmessage", "editmessagetext"):
            return _error(400, "Bad Request: message to edit not found")
        problem, content = check_send("editmessagetext", params)
        if problem:
            return _error(400, f"Bad Request: {problem}")
        if (content["text"], params.get("reply_markup")) == (
                visible(target.text, target.params.get("parse_mode")),
                target.params.get("reply_markup")):
            return _error(400, "Bad Request: message is not modified")
        edit = Sent("editmessagetext", target.chat_id, params, target.message_id,
                    time.monotonic())
        self.edits.append(edit)
        return {**self._message(edit, content), "edit_date": int(time.time())}

    def _record(self, method: str, params: dict[str, Any]) -> Any:
        problem, content = check_send(method, params)
        if problem:
            return _error(400, f"Bad Request: {problem}")
        sent = Sent(method, int(params["chat_id"]), params, next(self._message_ids),
                    time.monotonic())
        self.sent.append(sent)
        if self.on_accept is not None:
            self.on_accept(sent)
        return self._message(sent, content)

    @staticmethod
    def _message(sent: Sent, content: dict[str, Any]) -> dict[str, Any]:
        markup = sent.params.get("reply_markup") or {}
        inline = {"reply_markup": markup} if "inline_keyboard" in markup else {}
        return {"message_id": sent.message_id, "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": sent.chat_id, "type": "private", "first_name": "Amal"},
                **content, **inline}

    async def _deliver(self) -> None:
        """Webhook delivery: one update at a time, in order, until the bot answers 2xx."""
        async with aiohttp.ClientSession() as http:
            while self.webhook.get("url"):
                if not self._pending:
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.5)
                    continue
                entry = self._pending[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"]}
                try:
                    async with http.post(self.webhook["url"], json=entry.update,
                                         headers=headers) as response:
                        self.webhook_statuses.append(response.status)
                        ok = 200 <= response.status < 300
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    entry.deliveries -= 1
                    if entry.deliveries <= 0:
                        self._pending.remove(entry)
                else:
                    await asyncio.sleep(0.2)


async def serve_locally(app: web.Application) -> tuple[web.AppRunner, int]:
    """Serve `app` on 127.0.0.1 on a free port; handlers are cancelled when a client leaves."""
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def _error(status: int, description: str,
           parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _drop(request: web.Request) -> web.Response:
    """Cut the connection without an answer (the client sees a disconnect)."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=499)
