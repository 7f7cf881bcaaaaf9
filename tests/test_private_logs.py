"""The app's logs keep no message texts, no names and no raw Telegram ids (issue 13).

One running app (tests/telegram/harness.py: the web server, the console and the Telegram
channel against the local Bot API server, real Rasa, real SQLite) and a whole day's traffic:
web chat and Telegram users in German, English and Arabic go through the onboarding, tell
their (made-up) name, ask questions, give a postcode, rate an answer, ask for a person; a
counsellor claims both conversations in the console, answers, writes an internal note and
releases them. Every log record at INFO and above — caplog with the root logger at INFO,
plus a handler on every logger that does not propagate — is formatted with its arguments
and exception, and must contain none of the texts, names, ids or secrets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from yarl import URL

from bot.settings import PROJECT_ROOT
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.models import Conversation, Message, User
from bot.web.identity import COOKIE
from tests.console.conftest import PASSWORD, Console, build_app, console_settings
from tests.telegram.conftest import api, polling
from tests.telegram.harness import Chat, Harness
from tests.test_hostile_text import base_of, console_user, running

__all__ = ["api", "polling"]
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

NAMES = ("Zuhair", "Quenzelbrot", "زهير", "كوينزلبروت")  # made up: found nowhere else
COUNSELLOR = "Rahel Wunderlichs"  # the counsellor's display name
CHATS = {"de": 581_234_907, "en": 581_234_908, "ar": 581_234_909}  # Telegram chat = user ids
POSTCODE = "40595"
WEB_HINT = {"de": "de", "en": "en", "ar": "ar"}
JOURNEY = {  # what each user writes, in order (the postcode answers "where do you live?")
    "de": ["Mein Name ist Zuhair Quenzelbrot", "Wie melde ich meine Wohnung an?",
           "Wo ist der nächste Welcome Point?", POSTCODE,
           "Zuhair Quenzelbrot hat einen Brief vom Jobcenter bekommen, was nun?"],
    "en": ["My name is Zuhair Quenzelbrot", "How do I find a flat?",
           "where is the nearest welcome point?", POSTCODE,
           "Zuhair Quenzelbrot needs help with a letter from the Jobcenter"],
    "ar": ["اسمي زهير كوينزلبروت", "أبحث عن شقة للإيجار", "أين أقرب مركز استشارة؟", POSTCODE,
           "زهير كوينزلبروت يحتاج مساعدة في رسالة من مركز العمل"],
}
ASK_PERSON = {"de": "Ich möchte mit einem Menschen sprechen",
              "en": "I want to talk to a real person",
              "ar": "أريد التحدث مع شخص حقيقي"}
IN_HANDOFF = {"de": "Hier ist Zuhair Quenzelbrot, meine Nummer ist 0176 99887766",
              "en": "This is Zuhair Quenzelbrot, my number is 0176 99887766",
              "ar": "أنا زهير كوينزلبروت ورقمي 0176 99887766"}
REPLY = "Hallo Zuhair Quenzelbrot, hier ist Rahel von der Beratung. Wie kann ich helfen?"
NOTE = "Zuhair Quenzelbrot kommt mit dem Brief am Dienstag vorbei"
ONBOARDING = ('/change_language{"language":"LANG"}', '/set_city{"city":"duesseldorf"}')
RASA_LOG = PROJECT_ROOT / "var" / "rasa-tests.log"


class Keep(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[Keep]:
    """INFO and above from everywhere, from before the app starts: caplog on the root logger
    (at INFO), and this handler on the loggers that do not propagate to the root."""
    caplog.set_level(logging.INFO)
    keep = Keep()
    isolated = [logger for logger in logging.root.manager.loggerDict.values()
                if isinstance(logger, logging.Logger) and not logger.propagate]
    for logger in isolated:
        logger.addHandler(keep)
    yield keep
    for logger in isolated:
        logger.removeHandler(keep)


FORMAT = logging.Formatter("%(levelname)s %(name)s: %(message)s")


def rendered(record: logging.LogRecord) -> str:
    """A record as any handler could write it: message and exception (FORMAT.format adds
    the traceback and stack), and the raw message and arguments."""
    return "\n".join([FORMAT.format(record), repr(record.msg), repr(record.args)])


def leaks(records: list[logging.LogRecord], secrets: dict[str, str]) -> list[str]:
    """'what: where it was logged: the record around it' for every secret in a record."""
    found = []
    for record in records:
        text = rendered(record)
        for what, secret in secrets.items():
            at = text.find(secret)
            if at >= 0:
                found.append(f"{what}: {record.pathname}:{record.lineno}: "
                             f"{text[:120]!r} … {text[max(0, at - 150):at + len(secret) + 50]!r}")
    return found


def test_the_scan_finds_what_a_careless_log_line_would_write() -> None:
    """The check itself can fail: a name in an argument, a chat id in an exception."""
    careless = logging.getLogger("bot.careless")
    keep = Keep()
    careless.addHandler(keep)
    try:
        careless.warning("message %s: %r", 7, "Mein Name ist Zuhair Quenzelbrot")
        try:
            raise RuntimeError(f"chat {CHATS['ar']} not found")
        except RuntimeError:
            careless.exception("sending failed")
    finally:
        careless.removeHandler(keep)
    found = leaks(keep.records, {"name": "Quenzelbrot", "chat id": str(CHATS["ar"])})
    assert [line.split(":")[0] for line in found] == ["name", "chat id"]


# --- the web chat over HTTP, as chat.js uses it --------------------------------------------

class WebUser:
    """One browser of the web chat (its own chat cookie) against the running app."""

    def __init__(self, base: str, lang: str) -> None:
        self.base, self.lang = base, lang
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def say(self, message: str) -> list[dict[str, Any]]:
        async with self.http.post(f"{self.base}/webhooks/rest/webhook", json={
                "message": message, "metadata": {"language": self.lang}}) as response:
            assert response.status == 200, await response.text()
            replies: list[dict[str, Any]] = await response.json()
            return replies

    def cookie(self) -> str:
        morsel = self.http.cookie_jar.filter_cookies(URL(self.base)).get(COOKIE)
        return morsel.value if morsel else ""

    async def pushed(self, text: str, timeout: float = 20) -> None:
        """Waits until the push stream (GET /chat/events) delivers `text`."""
        async with self.http.get(f"{self.base}/chat/events?after=0") as stream:
            deadline = time.monotonic() + timeout
            while True:
                line = await asyncio.wait_for(stream.content.readline(),
                                              deadline - time.monotonic())
                if line.startswith(b"data: ") and json.loads(line[6:])["text"] == text:
                    return

    async def close(self) -> None:
        await self.http.close()


async def web_journey(user: WebUser, lang: str) -> list[str]:
    """Onboarding, questions, the postcode, a 👎, a person asked for; the texts written."""
    await user.say("/start")
    for payload in ONBOARDING:
        assert await user.say(payload.replace("LANG", lang))
    written = []
    for text in JOURNEY[lang]:
        replies = await user.say(text)
        assert replies, text
        written.append(text)
        ratings = [b["payload"] for r in replies for b in r.get("buttons", [])
                   if b.get("payload", "").startswith("/feedback") and b["payload"].endswith(
                       '"value":-1}')]
        if ratings and lang == "de":
            assert await user.say(ratings[0])
    replies = await user.say(ASK_PERSON[lang])
    assert any(r["custom"]["kind"] == "handoff" for r in replies), replies
    assert await user.say(IN_HANDOFF[lang]) == []  # for the person, not the bot
    return [*written, ASK_PERSON[lang], IN_HANDOFF[lang]]


# --- Telegram through the harness ------------------------------------------------------------

async def telegram_journey(chat: Chat, lang: str) -> list[str]:
    await chat.text("/start")
    await chat.press(ONBOARDING[0].replace("LANG", lang))
    await chat.press(ONBOARDING[1])
    written = []
    for text in JOURNEY[lang]:
        sent = await chat.text(text)
        assert sent, text
        written.append(text)
        ratings = [data for s in sent for _title, data in s.buttons
                   if data.startswith("/feedback") and data.endswith('"value":-1}')]
        if ratings and lang == "en":
            assert await chat.press(ratings[0])
    await chat.text("/privacy")
    assert await chat.text(ASK_PERSON[lang])  # waiting: checked by the console's part
    assert await chat.text(IN_HANDOFF[lang]) == []
    return [*written, ASK_PERSON[lang], IN_HANDOFF[lang]]


async def conversation(harness: Harness, channel: str, lang: str) -> int:
    rows = await harness.query(
        select(Conversation.id).join(User).where(User.channel == channel,
                                                 Conversation.status == "waiting",
                                                 User.language == lang))
    assert rows, (channel, lang)
    return int(rows[0][0])


async def test_a_whole_day_leaves_no_texts_names_or_ids_in_the_logs(
        logs: Keep, caplog: pytest.LogCaptureFixture, polling: Harness) -> None:
    rasa_log_start = RASA_LOG.stat().st_size if RASA_LOG.exists() else 0
    base, app = base_of(polling), running(polling)
    written: list[str] = []
    web_users = {lang: WebUser(base, lang) for lang in JOURNEY}
    try:
        for lang, user in web_users.items():
            written += await web_journey(user, lang)
        for lang, chat_id in CHATS.items():
            written += await telegram_journey(polling.chat(chat_id, lang), lang)

        # a counsellor takes the German web user and the Arabic Telegram user
        async with console_user(app, base, "rahel", COUNSELLOR) as rahel:
            await rahel.post("/console/presence", {"presence": "online"})
            for channel, lang in (("web", "de"), ("telegram", "ar")):
                cid = await conversation(polling, channel, lang)
                page = await (await rahel.get(f"/console/conversations/{cid}")).text()
                assert IN_HANDOFF[lang] in page  # the console shows it; the log must not
                assert (await rahel.post(f"/console/conversations/{cid}/claim")).status == 303
                assert (await rahel.post(f"/console/conversations/{cid}/reply",
                                         {"text": REPLY})).status == 303
                assert (await rahel.post(f"/console/conversations/{cid}/note",
                                         {"text": NOTE})).status == 303
                if channel == "web":
                    await web_users["de"].pushed(REPLY)
                else:
                    chat = polling.chat(CHATS["ar"], "ar")
                    await polling.api.wait_for(lambda chat=chat: any(
                        s.text == REPLY for s in chat.sent), 20, "the reply on Telegram")
                    assert await chat.text("شكرا جزيلا يا رحيل") == []
                    written.append("شكرا جزيلا يا رحيل")
                assert (await rahel.post(f"/console/conversations/{cid}/release")).status == 303
        answer = await web_users["de"].say("Wie melde ich meine Wohnung an?")
        assert answer and answer[0]["custom"]["kind"] != "handoff"  # the bot again
        cookies = {f"web chat cookie ({lang})": user.cookie() for lang, user in web_users.items()}
    finally:
        for user in web_users.values():
            await user.close()

    stored = await polling.query(select(Message.text).where(Message.direction == "in"))
    assert {text for (text,) in stored} >= set(written)  # the journey really happened
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *logs.records]
    assert any(r.getMessage().startswith("Telegram: @") for r in records), \
        "INFO records are not captured"  # the app's start-up line: the capture works
    secrets = {**{f"text {text[:30]!r}": text for text in {*written, REPLY, NOTE}},
               **{f"name {name}": name for name in NAMES},
               **{f"Telegram chat/user id ({lang})": str(chat_id)
                  for lang, chat_id in CHATS.items()},
               f"counsellor {COUNSELLOR}": COUNSELLOR, "console password": PASSWORD,
               "phone number": "99887766", **{k: v for k, v in cookies.items() if v}}
    assert leaks(records, secrets) == []

    # Rasa (its own process, its own log file): what it wrote meanwhile
    if RASA_LOG.exists():
        with RASA_LOG.open("rb") as rasa_log:
            rasa_log.seek(rasa_log_start)
            rasa_text = rasa_log.read().decode("utf-8", "replace")
        assert [name for name in NAMES if name in rasa_text] == []


async def test_a_database_error_logs_no_message_text(
        tmp_path: Path, postgres_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """A text the database refuses (PostgreSQL takes no NUL): the error is logged with its
    traceback, which must not carry the text (the engine hides statement parameters). And
    through the console, such a note or reply is cleaned first: stored, nothing logged."""
    caplog.set_level(logging.INFO)
    engine = create_engine(postgres_url)
    await upgrade(postgres_url)
    sessions = session_factory(engine)
    try:
        async with sessions() as session:
            user = User(channel="web", pseudonym="p", language="de", city="leipzig")
            session.add(user)
            await session.flush()
            conversation = Conversation(user_id=user.id)
            session.add(conversation)
            await session.flush()
            session.add(Message(conversation_id=conversation.id, direction="note",
                                text=f"{NOTE}\x00", language="", status="note"))
            with pytest.raises(DBAPIError) as refused:
                await session.commit()
        logging.getLogger("tests.private_logs").error("refused", exc_info=refused.value)
    finally:
        await engine.dispose()
    assert NOTE not in str(refused.value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and leaks(errors, {"note": NOTE, **{n: n for n in NAMES}}) == []
    caplog.clear()
    settings = console_settings(tmp_path).model_copy(update={"database_url": postgres_url})
    server = TestServer(build_app(settings))
    await server.start_server()
    console = Console(server, settings, session_factory(create_engine(postgres_url)))
    try:
        await console.user("rahel", "counsellor", name=COUNSELLOR)
        cid = await console.conversation("waiting", language="de")
        rahel = await console.as_user("rahel")
        assert (await rahel.post(f"/console/conversations/{cid}/claim")).status == 303
        note = await rahel.post(f"/console/conversations/{cid}/note", {"text": f"{NOTE}\x00"})
        assert note.status == 303
        async with console.db() as session:
            stored = await session.scalar(select(Message.text).where(
                Message.direction == "note", Message.conversation_id == cid))
    finally:
        for browser in console.browsers:
            await browser.http.close()
        await server.close()
    assert stored == NOTE
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
