"""The handoff end to end through the real app (real Rasa, real SQLite / PostgreSQL): a web
user asks for a person, a counsellor claims and answers, the answer is pushed to the page,
the counsellor releases and the bot answers again; Telegram replies go through the outbox
with the chat id kept encrypted only while the handoff is open; timers; atomic claims."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from yarl import URL

from bot.core.types import Incoming
from bot.handoff.service import Counsellor, Handoffs
from bot.nlu.client import RasaClient
from bot.storage.handoff_models import ConsoleUser, Contact, HandoffTransition
from bot.storage.models import Conversation, Message
from bot.storage.queue_models import OutboxMessage
from bot.web.app import create_app
from bot.web.identity import COOKIE
from bot.web.keys import DB, HANDOFFS, SERVICE
from tests.conftest import app_settings

Client = TestClient[web.Request, web.Application]
HUMAN = {"de": "Ich möchte mit einem Menschen sprechen", "ar": "أريد التحدث مع شخص حقيقي"}


@pytest.fixture
async def chat(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Client]:
    client: Client = TestClient(TestServer(create_app(app_settings(
        tmp_path, URL(rasa._url).port or 0, handoff_tick_seconds=3600))))
    await client.start_server()
    yield client
    await client.close()


def handoffs(client: Client) -> Handoffs:
    return client.server.app[HANDOFFS]


async def counsellor(client: Client, name: str = "amal", online: bool = True) -> Counsellor:
    async with client.server.app[DB]() as session:
        user = ConsoleUser(username=name, display_name=name.title(), role="counsellor",
                           active=True, language="de", presence="away", failed_logins=0)
        session.add(user)
        await session.commit()
    if online:
        await handoffs(client).seen(user.id, "online")
    return Counsellor(user.id, "counsellor")


async def say(client: Client, message: str) -> list[dict[str, Any]]:
    response = await client.post("/webhooks/rest/webhook", json={"message": message})
    assert response.status == 200, await response.text()
    data: list[dict[str, Any]] = await response.json()
    return data


async def conversation_of(client: Client) -> Conversation:
    async with client.server.app[DB]() as session:
        row = await session.scalar(select(Conversation).order_by(Conversation.id.desc()))
    assert row is not None
    return row


async def next_event(stream: ClientResponse, timeout: float = 10) -> dict[str, Any]:
    """The next Server-Sent Event's data (keep-alive pings are skipped)."""
    data: list[str] = []
    while True:
        line = (await asyncio.wait_for(stream.content.readline(), timeout)).decode().rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            parsed: dict[str, Any] = json.loads("\n".join(data))
            return parsed


async def test_web_user_to_counsellor_and_back(chat: Client) -> None:
    page = await chat.get("/?lang=de")
    assert page.status == 200 and COOKIE in page.cookies  # the server issues the session
    amal = await counsellor(chat)
    waiting = await say(chat, HUMAN["de"])
    assert [r["custom"]["kind"] for r in waiting] == ["handoff"]
    assert "Beraterin" in waiting[0]["text"] and "so bald wie möglich" in waiting[0]["text"]
    assert waiting[0]["buttons"] == [{"title": "Zurück zum Bot", "payload": "/cancel_handoff"}]
    conversation = await conversation_of(chat)
    assert conversation.status == "waiting"
    stream = await chat.get("/chat/events?after=0")
    assert stream.status == 200
    assert await handoffs(chat).claim(conversation.id, amal) is None
    joined = await next_event(stream)
    assert joined["custom"]["kind"] == "handoff" and "antwortet Ihnen hier" in joined["text"]
    assert await say(chat, "Ich brauche Hilfe mit meinem Brief vom Jobcenter") == []  # quiet
    assert await handoffs(chat).reply(conversation.id, amal, "Guten Tag, ich bin Amal.") is None
    reply = await next_event(stream)
    assert (reply["text"], reply["custom"]["kind"]) == ("Guten Tag, ich bin Amal.", "counsellor")
    assert await handoffs(chat).note(conversation.id, amal, "Jobcenter-Brief, Frist?") is None
    assert await handoffs(chat).release(conversation.id, amal) is None
    released = await next_event(stream)
    assert "automatischen Assistenten" in released["text"]
    stream.close()
    answer = await say(chat, "Wie melde ich meine Wohnung an?")
    assert answer and answer[0]["custom"]["kind"] in ("faq", "office")  # the bot again
    async with chat.server.app[DB]() as session:
        messages = list(await session.scalars(select(Message).order_by(Message.id)))
        changes = list(await session.scalars(select(HandoffTransition)
                                             .order_by(HandoffTransition.id)))
    forwarded = [m for m in messages if m.direction == "in" and m.status == "forwarded"]
    assert [m.text for m in forwarded] == ["Ich brauche Hilfe mit meinem Brief vom Jobcenter"]
    assert [(m.text, m.author_id) for m in messages if m.direction == "note"] == [
        ("Jobcenter-Brief, Frist?", amal.id)]
    assert [(c.from_status, c.to_status, c.actor, c.reason) for c in changes] == [
        ("bot", "waiting", "user", "user_request"), ("waiting", "human", "counsellor", "claimed"),
        ("human", "bot", "counsellor", "released")]


async def test_missed_pushes_arrive_after_a_reconnect(chat: Client) -> None:
    amal = await counsellor(chat)
    await say(chat, HUMAN["ar"])
    conversation = await conversation_of(chat)
    await handoffs(chat).claim(conversation.id, amal)
    for text in ("مرحبا", "كيف أستطيع مساعدتك؟"):
        assert await handoffs(chat).reply(conversation.id, amal, text) is None
    stream = await chat.get("/chat/events", headers={"Last-Event-ID": "0"})
    first, second, third = [await next_event(stream) for _ in range(3)]
    assert [second["text"], third["text"]] == ["مرحبا", "كيف أستطيع مساعدتك؟"]
    stream.close()
    again = await chat.get("/chat/events", headers={"Last-Event-ID": str(second["id"])})
    assert (await next_event(again))["text"] == "كيف أستطيع مساعدتك؟"  # only what was missed
    again.close()
    page = await (await chat.get("/?lang=ar")).text()  # a reload shows the conversation
    island = page.split('<script type="application/json" id="history">', 1)[1]
    history = json.loads(island.split("</script>", 1)[0])
    assert history[-1]["text"] == "كيف أستطيع مساعدتك؟" and history[-1]["id"] == third["id"]
    assert history[-1]["custom"]["kind"] == "counsellor"
    assert 'dir="rtl"' in page and first["id"] < third["id"]


async def test_nobody_online_offers_the_welcome_point_and_a_message(chat: Client) -> None:
    await counsellor(chat, online=False)
    replies = await say(chat, HUMAN["de"])
    assert "keine Beraterin" in replies[0]["text"]
    assert any(r["custom"]["kind"] in ("ask_location", "welcome_point") for r in replies[1:])
    assert (await conversation_of(chat)).status == "waiting"  # the message is kept for later


async def test_a_forged_or_foreign_cookie_is_a_new_user(chat: Client) -> None:
    await say(chat, "Hallo")
    chat.session.cookie_jar.clear()
    chat.session.cookie_jar.update_cookies({COOKIE: "forged"}, chat.make_url("/"))
    assert (await chat.get("/chat/events")).status == 401
    response = await chat.post("/webhooks/rest/webhook", json={"message": "Hallo",
                                                                "sender": "someone-else"})
    assert response.status == 200 and response.cookies[COOKIE].value != "forged"
    assert response.cookies[COOKIE]["httponly"] and response.cookies[COOKIE]["samesite"] == "Lax"
    async with chat.server.app[DB]() as session:
        assert len(list(await session.scalars(select(Conversation)))) == 2


async def test_telegram_replies_use_the_outbox_and_the_contact_lives_only_while_open(
        chat: Client) -> None:
    amal = await counsellor(chat)
    service = chat.server.app[SERVICE]
    answer = await service.handle(Incoming("telegram", "424242", "", payload="/human_handoff"))
    assert answer.status == "waiting"
    conversation = await conversation_of(chat)
    async with chat.server.app[DB]() as session:
        contact = await session.get(Contact, conversation.id)
    assert contact is not None and "424242" not in contact.secret  # encrypted at rest
    await handoffs(chat).claim(conversation.id, amal)
    await handoffs(chat).reply(conversation.id, amal, "Hallo aus der Beratung")
    await handoffs(chat).release(conversation.id, amal)
    async with chat.server.app[DB]() as session:
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert await session.get(Contact, conversation.id) is None  # gone with the handoff
    assert {r.chat_id for r in rows} == {424242}
    assert [r.params["text"] for r in rows if r.params][1] == "Hallo aus der Beratung"


async def test_a_quiet_telegram_user_taken_over_gets_the_reply_with_their_next_message(
        chat: Client) -> None:
    amal = await counsellor(chat)
    service = chat.server.app[SERVICE]
    await service.handle(Incoming("telegram", "515151", "Hallo"))
    conversation = await conversation_of(chat)
    assert await handoffs(chat).claim(conversation.id, amal) is None  # taken over from the bot
    assert await handoffs(chat).reply(conversation.id, amal, "Kann ich helfen?") is None
    answer = await service.handle(Incoming("telegram", "515151", "Ja bitte"))
    assert [r.text for r in answer.replies][-1] == "Kann ich helfen?"
    again = await service.handle(Incoming("telegram", "515151", "Danke"))
    assert again.replies == []  # delivered once; the person answers now


async def test_timers_wait_notice_once_and_idle_release(chat: Client) -> None:
    amal = await counsellor(chat, online=False)
    hand = handoffs(chat)
    await say(chat, HUMAN["de"])
    conversation = await conversation_of(chat)
    hand._timers = type(hand._timers)(0, 3600, 3600)
    await hand.tick()
    await hand.tick()
    async with chat.server.app[DB]() as session:
        notices = list(await session.scalars(select(Message).where(
            Message.reply_to_id.is_(None), Message.direction == "out")))
    assert sum("dauert länger" in m.text for m in notices) == 1
    await hand.claim(conversation.id, amal)
    hand._timers = type(hand._timers)(3600, 0, 3600)
    await hand.tick()
    assert (await conversation_of(chat)).status == "bot"
    async with chat.server.app[DB]() as session:
        last = await session.scalar(select(HandoffTransition).order_by(HandoffTransition.id.desc()))
    assert last is not None and (last.actor, last.reason) == ("system", "idle")
