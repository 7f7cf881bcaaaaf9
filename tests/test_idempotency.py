"""A channel may hand the service the same message twice (Telegram after a crash): with a
key it is understood once, stored once, moves the conversation once, and the second call
gets the same replies. Real Rasa, real SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.core.types import Incoming, Location, ParseResult, Reply
from bot.generation import Generations, Version
from bot.handoff.bus import LocalBus
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.nlu.client import RasaClient
from bot.secrets import load_secrets
from bot.service import ChatService
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.models import Conversation, Message
from bot.web.app import build_services, builder_for
from tests.conftest import app_settings


class CrashOnce:
    """The NLU call of the first try dies (as if the process were killed there)."""

    def __init__(self, parse: Any) -> None:
        self.parse, self.calls = parse, 0

    async def __call__(self, text: str) -> tuple[ParseResult, dict[str, Any]]:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("process killed while Rasa was parsing")
        result: tuple[ParseResult, dict[str, Any]] = await self.parse(text)
        return result


async def service_on(url: str, tmp_path: Path, rasa: RasaClient, knowledge: Knowledge,
                     translators: dict[str, Translator], parse: Any = None) -> ChatService:
    settings = app_settings(tmp_path, 0)
    await upgrade(url)
    sessions = session_factory(create_engine(url))
    secrets = load_secrets(settings, tmp_path / "secrets.json")
    async with aiohttp.ClientSession() as http:  # not used: the generation's parse is `rasa`'s
        builder = builder_for(settings, translators, http)
    generation = builder.from_knowledge(knowledge, Version(0, settings.rasa_url))
    generation = replace(generation, nlu=rasa, parse=parse or rasa.parse)
    service, _handoffs = build_services(settings, Generations(generation), translators,
                                        sessions, LocalBus(), secrets)
    return service


async def replies_to(service: ChatService, incoming: Incoming) -> list[Reply]:
    return (await service.handle(incoming)).replies


async def stored(url: str) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    sessions = session_factory(create_engine(url))
    async with sessions() as session:
        rows = await session.execute(select(Message.direction, Message.status)
                                     .order_by(Message.id))
        state = await session.scalar(select(Conversation.state))
        count = await session.scalar(select(func.count(Conversation.id)))
    assert count == 1
    return [(d, s) for d, s in rows], state or {}


async def test_a_crash_while_handling_then_the_retry_stores_the_message_once(
        database: str, tmp_path: Path, rasa: RasaClient, knowledge: Knowledge,
        translators: dict[str, Translator]) -> None:
    crash = CrashOnce(rasa.parse)
    service = await service_on(database, tmp_path, rasa, knowledge, translators, crash)
    incoming = Incoming("telegram", "4711", "Wo ist der nächste Welcome Point? Ich wohne in "
                        "40595", key="telegram:900001")
    with pytest.raises(RuntimeError):
        await service.handle(incoming)
    assert (await stored(database))[0] == [("in", "received")]
    replies = (await service.handle(incoming)).replies
    assert any(r.kind == "welcome_point" for r in replies)
    rows, _state = await stored(database)
    assert rows[0] == ("in", "answered") and len(rows) == 1 + len(replies)
    assert crash.calls == 2


async def test_the_same_message_again_replays_its_replies_and_moves_nothing(
        database: str, tmp_path: Path, rasa: RasaClient, knowledge: Knowledge,
        translators: dict[str, Translator]) -> None:
    service = await service_on(database, tmp_path, rasa, knowledge, translators)
    where = Incoming("telegram", "4712", "", location=Location(51.1657, 6.9305),
                     key="telegram:900002")
    first = await replies_to(service, Incoming("telegram", "4712", "Hallo", key="telegram:900001"))
    replies = await replies_to(service, where)
    rows, state = await stored(database)
    again = await replies_to(service, where)
    assert again == replies  # text, kind, buttons (also the map's), reference and sources
    assert any(b.url for r in again for b in r.buttons) and any(r.links for r in again)
    assert any(r.buttons for r in first)
    assert await stored(database) == (rows, state)
    other = await replies_to(service, Incoming("telegram", "4712", "Hallo", key="telegram:900003"))
    assert [r.text for r in other] == [r.text for r in first]  # a new key is a new message
    assert len((await stored(database))[0]) == len(rows) + 1 + len(other)
