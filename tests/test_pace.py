"""The per-user message rate: the pure rule, and the web chat with a limit of 2 a minute —
the third message gets the notice in the user's language, the fourth no answer, all four are
stored; another user is not affected. Button payloads only, so no NLU is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.core.pace import pace
from bot.i18n import load_translators
from bot.storage.db import create_engine, session_factory
from bot.storage.models import Message
from bot.web.app import create_app
from tests.conftest import app_settings, free_port

WEBHOOK = "/webhooks/rest/webhook"


def test_the_rule() -> None:
    assert [pace(n, 3) for n in range(1, 7)] == ["ok", "ok", "ok", "notice", "quiet", "quiet"]
    assert pace(1000, 0) == "ok"  # no limit


async def send(client: TestClient[Any, Any], message: str) -> list[dict[str, Any]]:
    response = await client.post(WEBHOOK, json={"message": message,
                                                "metadata": {"language": "ar"}})
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = await response.json()
    return replies


async def test_the_third_message_a_minute_gets_the_notice(tmp_path: Path) -> None:
    settings = app_settings(tmp_path, free_port(), messages_per_minute=2)
    async with TestClient(TestServer(create_app(settings))) as fast, \
            TestClient(TestServer(create_app(settings))) as other:
        answers = [await send(fast, "/privacy") for _ in range(4)]
        calm = await send(other, "/privacy")
    notice = load_translators()["ar"]("slow_down")
    assert all(a and a[0]["text"] != notice for a in answers[:2])
    assert [r["text"] for r in answers[2]] == [notice]
    assert answers[3] == []
    assert calm and calm[0]["text"] != notice  # another user (another session) is not limited
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    await engine.dispose()
    inbound = [m.status for m in rows if m.direction == "in"]
    assert inbound == ["answered", "answered", "rate_limited", "rate_limited", "answered"]
    assert [m.status for m in rows if m.direction == "out"].count("rate_limited") == 1
