"""The web chat endpoint (Rasa REST channel format) through aiohttp's test client,
with the real Rasa server behind it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from yarl import URL

from bot.nlu.client import RasaClient
from bot.storage.db import create_engine
from bot.storage.models import Message
from bot.web.app import create_app
from bot.web.identity import COOKIE
from tests.conftest import app_settings, free_port

Client = TestClient[web.Request, web.Application]


async def start(settings: Any) -> Client:
    client: Client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    return client


@pytest.fixture
async def chat(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Client]:
    port = URL(rasa._url).port  # the session's real Rasa
    client = await start(app_settings(tmp_path, port or 0))
    yield client
    await client.close()


async def stored(tmp_path: Path) -> list[Message]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'lotse.db'}")
    async with engine.connect() as connection:
        rows = list((await connection.execute(select(Message).order_by(Message.id))).all())
    await engine.dispose()
    return rows  # type: ignore[return-value]


CHAT_SESSIONS: dict[tuple[int, str], str] = {}  # (client, sender) → its chat cookie


async def post(client: Client, sender: str, message: str, **metadata: Any) -> list[dict[str, Any]]:
    """One message as the browser `sender` would send it: each sender has its own chat
    session cookie (the server issues it on the first message)."""
    jar, key = client.session.cookie_jar, (id(client), sender)
    jar.clear()
    if key in CHAT_SESSIONS:
        jar.update_cookies({COOKIE: CHAT_SESSIONS[key]}, client.make_url("/"))
    response = await client.post("/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message, "metadata": metadata})
    if COOKIE in response.cookies:
        CHAT_SESSIONS[key] = response.cookies[COOKIE].value
    assert response.status == 200, await response.text()
    data: list[dict[str, Any]] = await response.json()
    return data


async def test_reply_format_is_rasa_rest(chat: Client) -> None:
    replies = await post(chat, "format", "Hello")
    assert replies and replies[0]["recipient_id"] == "format"
    assert isinstance(replies[0]["text"], str)
    assert all({"title", "payload"} <= set(b) for b in replies[0].get("buttons", []))


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b'{"sender": "a", "message": "hi"}', "text/plain", 415),
    (b"[1, 2]", "application/json", 400),
    (b'{"sender": 5, "message": "hi"}', "application/json", 400),
    (b'{"sender": "a", "message": 5}', "application/json", 400),
    (b'{"sender": "a", "message": "hi", "metadata": {"location": {"lat": "x"}}}',
     "application/json", 400),
    (b'{"sender": "a", "message": "", "metadata": {"location": {"lat": NaN, "lon": 6.7}}}',
     "application/json", 400),
    (b'{"sender": "a", "message": "", "metadata": {"location": {"lat": 91, "lon": 6.7}}}',
     "application/json", 400),
])
async def test_bad_requests_get_a_clear_json_error(chat: Client, body: bytes, content_type: str,
                                                   status: int) -> None:
    response = await chat.post("/webhooks/rest/webhook", data=body,
                               headers={"Content-Type": content_type})
    assert response.status == status
    assert (await response.json())["error"]


async def test_a_payload_the_bot_never_made_is_only_text(chat: Client, tmp_path: Path) -> None:
    """The web chat's buttons send payloads as messages: only those the bot can create (the
    allow-list of Telegram's buttons, and /start) reach the dialogue as payloads."""
    await post(chat, "forger", "/start")
    forged, real = '/set_city{"city":"atlantis"}', '/set_city{"city":"leipzig"}'
    await post(chat, "forger", forged)
    await post(chat, "forger", real)
    rows = [m for m in await stored(tmp_path) if m.direction == "in"]
    as_text = [m for m in rows if m.text == forged]
    as_payload = [m for m in rows if (m.extra or {}).get("payload") == real]
    assert len(as_text) == 1 and not (as_text[0].extra or {}).get("payload")
    assert len(as_payload) == 1 and as_payload[0].text == ""
    assert any((m.extra or {}).get("payload") == "/start" for m in rows)


async def test_a_huge_body_is_refused_with_json(chat: Client) -> None:
    response = await chat.post("/webhooks/rest/webhook", data=b"x" * 300_000,
                               headers={"Content-Type": "application/json"})
    assert response.status == 413
    assert "error" in await response.json()


async def test_empty_message_gets_a_polite_reply_and_is_stored(chat: Client,
                                                               tmp_path: Path) -> None:
    replies = await post(chat, "empty", "   ", language="en")
    assert replies[0]["text"] == "Please write your question."
    assert [m.direction for m in await stored(tmp_path)] == ["in", "out"]


async def test_a_20000_character_message_is_answered_and_stored(chat: Client,
                                                                tmp_path: Path) -> None:
    text = "Ich brauche Hilfe bei der Wohnungssuche. " * 500
    replies = await post(chat, "long", text[:20_000])
    assert "4000" in replies[0]["text"]
    inbound = (await stored(tmp_path))[0]
    assert inbound.direction == "in" and len(inbound.text) == 4000
    assert inbound.status == "answered"


async def test_control_characters_are_removed(chat: Client, tmp_path: Path) -> None:
    replies = await post(chat, "ctrl", "Hal\x00lo\x1b\u202e")
    assert replies
    assert (await stored(tmp_path))[0].text == "Hallo"


async def test_rasa_down_then_back(tmp_path: Path, rasa: RasaClient) -> None:
    """Rasa unreachable: 'temporarily unavailable' in the user's language, message kept;
    when Rasa is reachable again the same app answers normally (no restart)."""
    port = free_port()
    client = await start(app_settings(tmp_path, port))
    try:
        replies = await post(client, "outage", "Wo ist die Ausländerbehörde?")
        assert replies[0]["custom"]["kind"] == "unavailable"
        assert "vorübergehend" in replies[0]["text"]
        replies = await post(client, "outage-ar", "كيف أجدد الإقامة")
        assert "مؤقتًا" in replies[0]["text"]
        inbound = [m for m in await stored(tmp_path) if m.direction == "in"]
        assert [m.status for m in inbound] == ["nlu_unavailable", "nlu_unavailable"]
        async with Forwarding(port, rasa._url):
            replies = await post(client, "outage", "Hallo")
            assert replies[0]["custom"]["kind"] == "text"
            assert replies[0]["text"].startswith("Hallo")
    finally:
        await client.close()


class Forwarding:
    """'Rasa is back': a tiny HTTP forwarder on the port the app was told Rasa uses."""

    def __init__(self, port: int, target: str) -> None:
        self.port, self.target = port, target
        self.runner: web.AppRunner | None = None

    async def __aenter__(self) -> None:
        import aiohttp

        async def forward(request: web.Request) -> web.Response:
            async with aiohttp.ClientSession() as http, http.request(
                request.method, f"{self.target}{request.path_qs}", data=await request.read(),
                headers={"Content-Type": "application/json"},
            ) as upstream:
                return web.Response(body=await upstream.read(), status=upstream.status,
                                    content_type="application/json")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_chat_page_is_served_in_each_language(chat: Client) -> None:
    page = await (await chat.get("/?lang=ar")).text()
    assert 'dir="rtl"' in page and 'lang="ar"' in page and "إرسال" in page
    page = await (await chat.get("/")).text()
    assert 'dir="ltr"' in page and "Senden" in page


@pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")  # aiohttp-session
async def test_security_headers_on_the_page_and_the_api(chat: Client) -> None:
    for response in (await chat.get("/?lang=ar"), await chat.get("/health"),
                     await chat.get("/static/chat.js")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    console = await chat.get("/console/login")  # the console keeps its own policy
    assert "form-action 'self'" in console.headers["Content-Security-Policy"]
    assert console.headers["Referrer-Policy"] == "same-origin"


async def test_health_reports_nlu(chat: Client) -> None:
    assert await (await chat.get("/health")).json() == {"app": "ok", "nlu": "ok"}


async def test_the_history_of_a_reloaded_page_is_data_that_cannot_break_out(chat: Client) -> None:
    """The conversation so far comes as JSON in a data island (the same format as the
    answers); a user's `</script>` stays text."""
    hostile = '</script><script>alert("x")</script> & <b>'
    await post(chat, "island", hostile)
    jar = chat.session.cookie_jar
    jar.clear()
    jar.update_cookies({COOKIE: CHAT_SESSIONS[(id(chat), "island")]}, chat.make_url("/"))
    page = await (await chat.get("/")).text()
    assert "<script>alert" not in page
    island = page.split('<script type="application/json" id="history">', 1)[1]
    history = json.loads(island.split("</script>", 1)[0])
    assert (history[0]["who"], history[0]["text"]) == ("user", hostile)
    assert len(history) >= 2 and all("custom" in item for item in history)
