"""/mydata and /delete in the web chat, on SQLite and PostgreSQL, through the real app
(no Rasa needed: commands and buttons are payloads; typed text is stored and, with the NLU
away, answered politely).

Amal talks to the bot, rates an answer, asks for a person; a counsellor claims, answers
and writes an internal note. Basma talks too. Amal downloads her data (hers only), then
deletes it: rows per table before and after — every row about Amal is gone, Basma's are all
there, a tombstone says the conversation was deleted by its user.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.handoff.service import Counsellor
from bot.storage.db import create_engine, session_factory
from bot.storage.handoff_models import ConsoleUser, ErasedConversation
from bot.storage.models import Conversation, Message, User
from bot.storage.retention import counts
from bot.web.app import create_app
from bot.web.keys import HANDOFFS
from tests.conftest import app_settings, free_port

WEBHOOK = "/webhooks/rest/webhook"
FAQ = "/registration/register_address"
AMAL_SAYS = "Mein Mietvertrag endet im März, was nun?"
NOTE = "Interne Notiz: braucht Termin beim Bürgeramt"


class Web:
    """The app on `database` and a browser per person (its own chat session cookie)."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.clients: list[TestClient[Any, Any]] = []

    async def person(self) -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(self.server)
        await client.start_server()
        self.clients.append(client)
        return client


@pytest.fixture
async def web(tmp_path: Path, database: str) -> AsyncIterator[tuple[Web, Any]]:
    settings = app_settings(tmp_path, free_port(), DATABASE_URL=database)
    server = TestServer(create_app(settings))
    await server.start_server()
    engine = create_engine(database)
    helper = Web(server)
    yield helper, session_factory(engine)
    for client in helper.clients:
        await client.close()
    await server.close()
    await engine.dispose()


async def say(client: TestClient[Any, Any], message: str) -> list[dict[str, Any]]:
    response = await client.post(WEBHOOK, json={"message": message,
                                                "metadata": {"language": "de"}})
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = await response.json()
    return replies


def payloads(replies: list[dict[str, Any]]) -> list[str]:
    return [b.get("payload", "") for r in replies for b in r.get("buttons", [])]


async def amal_talks(client: TestClient[Any, Any]) -> None:
    await say(client, "/start")
    await say(client, '/change_language{"language":"de"}')
    await say(client, '/set_city{"city":"leipzig"}')
    answer = await say(client, FAQ)
    [thumb] = [p for p in payloads(answer) if p.startswith("/feedback") and '"value":1' in p]
    await say(client, thumb)
    await say(client, "/human_handoff")
    await say(client, AMAL_SAYS)


async def counsellor_answers(server: TestServer, sessions: async_sessionmaker[AsyncSession],
                             ) -> int:
    async with sessions() as session:
        jonas = ConsoleUser(username="jonas", display_name="Jonas", role="counsellor",
                            active=True, language="de", failed_logins=0)
        session.add(jonas)
        await session.commit()
        [cid] = (await session.scalars(select(Conversation.id).where(
            Conversation.status == "waiting"))).all()
    handoffs, who = server.app[HANDOFFS], Counsellor(jonas.id, "counsellor")
    assert await handoffs.claim(cid, who) is None
    assert await handoffs.reply(cid, who, "Hallo Amal, ich bin Jonas.") is None
    assert await handoffs.note(cid, who, NOTE) is None
    return cid


async def rows(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await counts(session)


async def test_my_data_is_mine_and_complete(web: tuple[Web, Any]) -> None:
    app, sessions = web
    amal, basma = await app.person(), await app.person()
    await amal_talks(amal)
    await counsellor_answers(app.server, sessions)
    await say(basma, "Basmas eigene Frage")
    [reply] = await say(amal, "/mydata")  # typed as on Telegram
    assert reply["custom"]["kind"] == "my_data" and "JSON" in reply["text"]
    response = await amal.get("/chat/mydata")
    assert response.status == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="lotse-my')
    data = json.loads(await response.text())
    [conversation] = data["conversations"]
    said = [(m["from"], m["text"]) for m in conversation["messages"]]
    assert ("you", AMAL_SAYS) in said and ("counsellor", "Hallo Amal, ich bin Jonas.") in said
    assert all(m["text"] != NOTE for m in conversation["messages"])  # notes: counted only
    assert conversation["internal_notes_by_counsellors"] == 1
    assert [(t["from"], t["to"]) for t in conversation["handoff"]] == [
        ("bot", "waiting"), ("waiting", "human")]
    assert [r["value"] for r in conversation["your_ratings"]] == [1]
    assert data["user"]["city"] == "leipzig" and "Basma" not in json.dumps(data)
    other = json.loads(await (await basma.get("/chat/mydata")).text())
    assert AMAL_SAYS not in json.dumps(other, ensure_ascii=False)
    nobody = await app.person()
    assert (await nobody.get("/chat/mydata")).status == 404  # no session, nothing stored


async def test_delete_removes_every_row_about_the_user(web: tuple[Web, Any]) -> None:
    app, sessions = web
    amal, basma = await app.person(), await app.person()
    await say(basma, "/start")
    await say(basma, FAQ)
    basma_only = await rows(sessions)
    await amal_talks(amal)
    cid = await counsellor_answers(app.server, sessions)
    [question] = await say(amal, "/delete_data")
    assert question["custom"]["kind"] == "delete_question"
    assert payloads([question]) == ["/delete_confirm", "/delete_cancel"]
    before = await rows(sessions)
    [done] = await say(amal, "/delete_confirm")
    after = await rows(sessions)
    print(f"\nrows before /delete: {before}\nrows after:          {after}")
    assert done["custom"]["kind"] == "data_deleted" and "gelöscht" in done["text"]
    assert (before["users"], before["conversations"], before["feedback"]) == (2, 2, 1)
    assert before["handoff_transitions"] == 2 and before["messages"] > basma_only["messages"] + 10
    assert after == {**basma_only, "erased_conversations": 1}  # Basma's rows, all of them
    async with sessions() as session:
        left = (await session.scalars(select(Message.text))).all()
        tombstone = await session.get_one(ErasedConversation, cid)
        assert await session.get(Conversation, cid) is None
    assert AMAL_SAYS not in left and NOTE not in left
    assert tombstone.status == "human" and tombstone.assignee_id is not None
    data = json.loads(await (await amal.get("/chat/mydata")).text())
    assert data["user"] is None and data["conversations"] == []


async def test_deletion_needs_the_question_and_a_yes(web: tuple[Web, Any]) -> None:
    app, sessions = web
    amal = await app.person()
    await say(amal, "/start")
    [asked] = await say(amal, "/delete_confirm")  # nobody asked: the question, nothing gone
    assert asked["custom"]["kind"] == "delete_question"
    [kept] = await say(amal, "/delete_cancel")
    assert kept["text"] == "Es wurde nichts gelöscht."
    [typed] = await say(amal, "/delete")  # typed as on Telegram
    assert typed["custom"]["kind"] == "delete_question"
    await say(amal, "/privacy")  # another message in between: the question has lapsed
    [again] = await say(amal, "/delete_confirm")
    assert again["custom"]["kind"] == "delete_question"
    assert (await rows(sessions))["users"] == 1 and (await rows(sessions))["messages"] >= 10


async def test_a_message_during_deletion_waits_for_it(web: tuple[Web, Any]) -> None:
    """The same user's lock: the confirmation and a message sent at once are handled one
    after the other — never a half-deleted user."""
    app, sessions = web
    amal = await app.person()
    await amal_talks(amal)
    await say(amal, "/delete_data")
    confirm, late = await asyncio.gather(say(amal, "/delete_confirm"), say(amal, "/privacy"))
    assert confirm[0]["custom"]["kind"] == "data_deleted"
    async with sessions() as session:
        users = (await session.scalars(select(User))).all()
        texts = (await session.scalars(select(Message.text))).all()
    assert AMAL_SAYS not in texts
    if users:  # /privacy came after: a fresh user with that one exchange, nothing older
        assert len(users) == 1
        assert (await rows(sessions))["conversations"] == 1
        assert len(texts) == 2 and late[0]["custom"]["kind"] == "privacy"
    else:  # it came first and went with the rest
        assert texts == []
