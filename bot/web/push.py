"""The web chat's push channel (Server-Sent Events): what a counsellor or a timer says to a
web user arrives without a reload. Messages are read from the database, by id: after a
reconnect (`Last-Event-ID`) or a reload (`?after=`) the missed ones arrive too. The bus only
says when to look (bot/handoff/bus.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web
from aiohttp_sse import sse_response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import repository as repo
from bot.storage.models import Conversation, Message, User
from bot.web.errors import error
from bot.web.keys import BUS, DB, IDENTITY, SECRETS
from bot.web.payload import message_json

BATCH = 100
WAIT_SECONDS = 20.0  # look again even without an event (a missed NOTIFY costs this much)


async def pushed_since(session: AsyncSession, pseudo: str, after: int,
                       ) -> tuple[list[Message], set[int]]:
    """Messages to this web user that no request returned (counsellors, timers), after `after`;
    and the ids of the user's conversations (to know which bus events concern them)."""
    conversations = set(await session.scalars(
        select(Conversation.id).join(User).where(User.channel == "web",
                                                 User.pseudonym == pseudo)))
    if not conversations:
        return [], conversations
    rows = await session.scalars(
        select(Message).where(Message.conversation_id.in_(conversations),
                              Message.direction == "out", Message.reply_to_id.is_(None),
                              Message.id > after).order_by(Message.id).limit(BATCH))
    return list(rows), conversations


def start_after(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get("after") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


async def chat_events(request: web.Request) -> web.StreamResponse:
    session_id, _refresh = request.app[IDENTITY].read(request)
    if session_id is None:
        return error(401, "no chat session: open the chat page first")
    after = start_after(request)
    if after is None:
        return error(400, "'after' / Last-Event-ID must be a message id")
    pseudo = repo.pseudonym(request.app[SECRETS].pseudonym_secret, "web", session_id)
    sessions: async_sessionmaker[AsyncSession] = request.app[DB]
    async with request.app[BUS].subscribe() as events, sse_response(request) as stream:
        with contextlib.suppress(ConnectionError):  # the browser has gone: nothing to report
            while stream.is_connected():
                async with sessions() as session:
                    messages, mine = await pushed_since(session, pseudo, after)
                for message in messages:
                    await stream.send(json.dumps(message_json(message), ensure_ascii=False),
                                      id=str(message.id), event="message")
                    after = message.id
                if len(messages) == BATCH:
                    continue
                await _next_event(events, mine)
    return stream


async def _next_event(events: asyncio.Queue[dict[str, Any]], mine: set[int]) -> None:
    """Until an event about one of these conversations (or a new one), or a timeout."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while (left := deadline - loop.time()) > 0:
        try:
            event = await asyncio.wait_for(events.get(), left)
        except TimeoutError:
            return
        if event.get("kind") == "reconnected":  # events may have been missed: look again
            return
        if event.get("kind") == "conversation" and (not mine or event.get("id") in mine
                                                    or event.get("id", 0) > max(mine)):
            return
