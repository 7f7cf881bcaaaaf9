"""Hostile text arrives as text, never as markup (issue 13): in Telegram's HTML messages, in
the web chat's JSON (answers, pushed messages, the history of a reloaded page) and in the
console's pages (transcript, notes, the unanswered queue, knowledge records).

The hostile strings: a script, HTML entities, Telegram's own HTML tags and a link, the
right-to-left override and the other bidi controls, 10,000 combining marks on one letter,
NUL and other control characters. Each check compares the escaped form exactly, so a
template that lost its escaping (`|safe`, `Markup`, a forgotten `html.escape`) fails here.
The browser side (what Chromium shows, and that nothing injected runs) is
tests/browser/test_hostile_text.py.

Real components: the console on the real app (tests/console/conftest.py), the web chat
through aiohttp's test client with the session's real Rasa (as tests/test_web.py), Telegram
through real PTB against the local Bot API server (tests/telegram/harness.py), whose checks
reject a text that does not parse as Telegram HTML.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from yarl import URL

from bot.core.types import Button, Reply
from bot.handoff.service import Counsellor
from bot.nlu.client import RasaClient
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, Message, User, utcnow
from bot.telegram.render import TEXT_LIMIT, render, settle_choice
from bot.web.app import create_app
from bot.web.keys import DB, GENERATIONS, HANDOFFS
from tests.browser.conftest import add_counsellor
from tests.conftest import app_settings
from tests.console.conftest import PASSWORD, Console, console
from tests.console.conftest import Browser as ConsoleBrowser
from tests.telegram.apicheck import check_send, html_problem, utf16_length, visible
from tests.telegram.conftest import api, polling
from tests.telegram.harness import Chat, Harness
from tests.telegram.records import SEND_METHODS

__all__ = ["api", "console", "polling"]
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

# --- the hostile strings -----------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
ENTITIES = "&amp; & &lt;"
TAGS = '<b>fett</b> </code> <a href="tg://x">tg</a> <img src=x onerror=alert(2)>'
BIDI = ("\u202egnp.exe\u202c \u202alre\u202b rle\u202d lro \u2066lri\u2067rli\u2068fsi\u2069"
        " \u200elrm\u200frlm \u061calm end")
COMBINING = "a" + "\u0301" * 10_000  # 10,001 characters, 10,001 UTF-16 units
CONTROLS = "nul\x00bel\x07bs\x08vt\x0besc\x1b[31mus\x1fdel\x7fnel\x85csi\x9b end"
LINK = 'https://example.org/?q=<b>x</b>&r="y" javascript:alert(5)'  # addresses become links
HOSTILE = {"script": SCRIPT, "entities": ENTITIES, "tags": TAGS, "bidi": BIDI,
           "combining": COMBINING, "controls": CONTROLS, "link": LINK}
SHORT = {k: v for k, v in HOSTILE.items() if k != "combining"}  # fit a 4000-character form
COMBINING_4000 = "a" + "\u0301" * 3999  # the longest the console's reply form takes

# Jinja2's autoescape (markupsafe): & < > " ' — written out, not computed by the code under test
CONSOLE_ESCAPED = {
    "script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entities": "&amp;amp; &amp; &amp;lt;",
    "tags": "&lt;b&gt;fett&lt;/b&gt; &lt;/code&gt; &lt;a href=&#34;tg://x&#34;&gt;tg&lt;/a&gt; "
            "&lt;img src=x onerror=alert(2)&gt;",
    "bidi": BIDI, "combining": COMBINING, "controls": CONTROLS,  # nothing to escape in these
    "link": "https://example.org/?q=&lt;b&gt;x&lt;/b&gt;&amp;r=&#34;y&#34; javascript:alert(5)"}
# The transcript makes web addresses links (bot/console/render.py `linked`): up to `<` or `"`
TRANSCRIPT = {**CONSOLE_ESCAPED, "link": (
    '<a href="https://example.org/?q=" dir="ltr" rel="noopener noreferrer" target="_blank">'
    "https://example.org/?q=</a>&lt;b&gt;x&lt;/b&gt;&amp;r=&#34;y&#34; javascript:alert(5)")}
# Telegram HTML: & < > only (quotes may stay outside tags)
TELEGRAM_ESCAPED = {
    "script": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "entities": "&amp;amp; &amp; &amp;lt;",
    "tags": '&lt;b&gt;fett&lt;/b&gt; &lt;/code&gt; &lt;a href="tg://x"&gt;tg&lt;/a&gt; '
            "&lt;img src=x onerror=alert(2)&gt;",
    "bidi": BIDI, "combining": COMBINING, "controls": CONTROLS,
    "link": 'https://example.org/?q=&lt;b&gt;x&lt;/b&gt;&amp;r="y" javascript:alert(5)'}
# What must never appear unescaped in a page or an HTML message
RAW_MARKUP = ("<script>alert", "<b>fett", "<b>x", "</b> </code>", '<a href="tg:', "<img src=x")
# A user's message, a counsellor's reply and a note are stored cleaned (bot/core/text.py drops
# C0 controls except tab/newline/carriage return, DEL, C1, zero-width and bidi controls, the
# Arabic letter mark): what the hostile strings become.
CLEANED = {
    "script": SCRIPT, "entities": ENTITIES, "tags": TAGS,
    "bidi": "gnp.exe lre rle lro lrirlifsi lrmrlm alm end",
    "combining": "a" + "\u0301" * 3999,  # cut at LOTSE_MAX_MESSAGE_CHARS (4000)
    "controls": "nulbelbsvtesc[31musdelnelcsi end", "link": LINK}
KEPT_OF_COUNSELLOR = {**CLEANED, "combining": COMBINING}  # cleaned the same way, not cut


def assert_no_raw_markup(page: str, where: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in page, f"{raw!r} unescaped in {where}"


# --- the console: page sources -----------------------------------------------------------

LINE = re.compile(r'<li class="line line-(\w+)" data-kind="message"[^>]*>.*?'
                  r'<div class="bubble" dir="auto"(?: lang="(\w+)")?>(.*?)</div>', re.S)
SYSTEM = re.compile(r'<li class="line line-system"[^>]*>.*?<span>(.*?)</span>', re.S)
NAME = '<img src=x onerror=alert(3)> "Amal" & Co'  # a counsellor's display name
NAME_ESCAPED = "&lt;img src=x onerror=alert(3)&gt; &#34;Amal&#34; &amp; Co"


def bubbles(page: str) -> list[tuple[str, str]]:
    """(kind, the bubble's HTML) of the user's, counsellors' and notes' lines, in order (the
    bot's own notices left out)."""
    return [(m.group(1), m.group(3)) for m in LINE.finditer(page) if m.group(1) != "bot"]


async def test_console_transcript_notes_and_names_are_escaped(console: Console) -> None:
    """The user's messages (as stored, not cleaned: a row may come from anywhere), the
    counsellor's replies and internal notes sent through the console's forms, and a
    counsellor's display name in the transcript's state changes."""
    await console.user("amal", "counsellor", name=NAME)
    cid = await console.conversation("waiting", language="de")
    await console.add(*[Message(conversation_id=cid, direction="in", text=text, language="de",
                                status="forwarded") for text in HOSTILE.values()])
    amal = await console.as_user("amal")
    assert (await amal.post(f"/console/conversations/{cid}/claim")).status == 303
    for text in [*SHORT.values(), COMBINING_4000]:
        for action in ("reply", "note"):
            done = await amal.post(f"/console/conversations/{cid}/{action}", {"text": text})
            assert done.status == 303, (action, text[:40], await done.text())
    page = await (await amal.get(f"/console/conversations/{cid}")).text()

    expected = [("user", TRANSCRIPT[k]) for k in HOSTILE]
    for key in [*SHORT, "combining_4000"]:
        escaped = cleaned_transcript(key) if key in HOSTILE else COMBINING_4000
        expected += [("counsellor", escaped), ("note", escaped)]
    assert bubbles(page) == expected
    system = SYSTEM.findall(page)
    assert f"Claimed by {NAME_ESCAPED}" in system, system
    assert page.count(NAME_ESCAPED) >= 1 + len(expected) - len(HOSTILE)  # author of each line
    assert_no_raw_markup(page, "the transcript")

    fragment = await (await amal.get(f"/console/conversations/{cid}/transcript")).text()
    assert bubbles(fragment) == expected  # the live fragment the page appends
    assert_no_raw_markup(fragment, "the transcript fragment")


async def test_console_keeps_a_refused_draft_escaped(console: Console) -> None:
    """10,000 combining marks are too long for a reply: the page comes back with the draft
    in the text box, escaped, and the other hostile drafts likewise when the conversation is
    not the counsellor's."""
    await console.user("amal", "counsellor", name="Amal")
    await console.user("omar", "counsellor", name="Omar")
    cid = await console.conversation("waiting", language="ar")
    amal, omar = await console.as_user("amal"), await console.as_user("omar")
    assert (await amal.post(f"/console/conversations/{cid}/claim")).status == 303
    too_long = await amal.post(f"/console/conversations/{cid}/reply", {"text": COMBINING})
    assert too_long.status == 400
    page = await too_long.text()
    assert re.search(r'<textarea id="reply-text"[^>]*>' + re.escape(COMBINING) + "</textarea>",
                     page)
    for key, text in SHORT.items():
        refused = await omar.post(f"/console/conversations/{cid}/reply", {"text": text})
        assert refused.status == 409
        page = await refused.text()
        assert (f'<div class="bubble" dir="auto" lang="ar">{CONSOLE_ESCAPED[key]}</div>'
                in page), key  # the draft is kept, as text
        assert_no_raw_markup(page, f"the refused draft {key}")


async def unanswered_message(console: Console, text: str, minutes_ago: int) -> int:
    """A user's message the bot could not answer (its reply fell back)."""
    async with console.db() as session:
        user = User(channel="web", pseudonym=f"hostile-{minutes_ago}", language="de",
                    city="duesseldorf")
        session.add(user)
        await session.flush()
        talk = Conversation(user_id=user.id, state={"language": "de"}, status="bot")
        session.add(talk)
        await session.flush()
        at = utcnow() - dt.timedelta(minutes=minutes_ago)
        question = Message(conversation_id=talk.id, direction="in", text=text, language="de",
                           status="answered", intent="nlu_fallback", confidence=0.2,
                           created_at=at)
        session.add(question)
        await session.flush()
        session.add(Message(conversation_id=talk.id, direction="out", text="…", language="de",
                            status="out_of_scope", reply_to_id=question.id, created_at=at))
        await session.commit()
        return question.id


async def test_unanswered_queue_is_escaped(console: Console) -> None:
    """Staff see the unanswered messages masked; whatever survives the masking is text, in
    the message and in the editable training example."""
    ids = {key: await unanswered_message(console, text, minutes_ago=i + 1)
           for i, (key, text) in enumerate(HOSTILE.items())}
    await console.user("sara", "staff", name="Sara")
    sara = await console.as_user("sara")
    page = await (await sara.get("/console/unanswered")).text()
    for key, message_id in ids.items():
        escaped = CONSOLE_ESCAPED[key]
        shown = re.search(rf'<p class="hint" id="message-{message_id}">.*?'
                          r'<p class="bubble" dir="auto" lang="de">(.*?)</p>', page, re.S)
        box = re.search(rf'<textarea id="text-{message_id}"[^>]*>(.*?)</textarea>', page, re.S)
        assert shown and box, key
        assert shown.group(1) == escaped and box.group(1) == escaped, (key, shown.group(1)[:80])
    assert_no_raw_markup(page, "the unanswered queue")


# --- the console: knowledge records ----------------------------------------------------------

FAQ_KEY = "registration/register_address"
FAQ = f"/console/knowledge/faq/{FAQ_KEY}"
FIELD = re.compile(r'<(?:textarea|input)[^>]* name="([a-z_.]+)"[^>]*?'
                   r'(?:value="([^"]*)"[^>]*>|>(.*?)</textarea>)', re.S)
FAQ_PARTS = ("script", "entities", "tags", "bidi", "controls", "link")
FAQ_ANSWER = "\n".join(SHORT[k] for k in FAQ_PARTS)


def form_values(page: str) -> dict[str, str]:
    """The record form's fields as the browser would submit them."""
    values = {}
    for match in FIELD.finditer(page.split('action="' + FAQ + '/edit"', 1)[1].split("</form>")[0]):
        name, value, text = match.groups()
        if name != "csrf_token":
            values[name] = html.unescape(value if value is not None else text or "")
    return values


async def edit_answer(browser: Any, language: str, answer: str) -> aiohttp.ClientResponse:
    """Staff change one language's answer of FAQ_KEY through the record form."""
    page = await (await browser.get(FAQ)).text()
    values = form_values(page)
    assert f"answer.{language}" in values and "source" in values, sorted(values)
    values.pop("verified", None)
    return await browser.post(FAQ + "/edit", {**values, f"answer.{language}": answer})


async def test_knowledge_record_changes_and_search_are_escaped(console: Console) -> None:
    await console.user("sara", "staff", name=NAME)
    sara = await console.as_user("sara")
    saved = await edit_answer(sara, "en", "Register within two weeks.\n" + FAQ_ANSWER)
    assert saved.status == 303, await saved.text()
    faq = console.server.app[GENERATIONS].current.knowledge.faqs[FAQ_KEY]
    assert faq.answer["en"] == "Register within two weeks.\n" + FAQ_ANSWER  # live, verbatim

    page = await (await sara.get(FAQ)).text()
    box = re.search(r'<textarea id="f-answer.en"[^>]*>(.*?)</textarea>', page, re.S)
    assert box and box.group(1) == "Register within two weeks.\n" + "\n".join(
        CONSOLE_ESCAPED[k] for k in FAQ_PARTS)
    assert NAME_ESCAPED in page  # who changed it, in the record's history
    assert_no_raw_markup(page, "the FAQ record")

    listing = await (await sara.get("/console/knowledge?topic=registration")).text()
    assert "Register within two weeks.\n" + CONSOLE_ESCAPED["script"] in listing  # preview
    assert_no_raw_markup(listing, "the FAQ list")
    changes = await (await sara.get("/console/knowledge/changes")).text()
    assert CONSOLE_ESCAPED["script"] in changes and NAME_ESCAPED in changes
    assert_no_raw_markup(changes, "the audit log")
    search = await (await sara.get("/console/knowledge", params={"q": SCRIPT})).text()
    assert f'value="{CONSOLE_ESCAPED["script"]}"' in search
    assert_no_raw_markup(search, "the FAQ search")


async def test_a_refused_knowledge_edit_shows_what_was_typed_escaped(console: Console) -> None:
    """10,000 combining marks are longer than an answer may be: refused, and the form shows
    the value again as text, next to the reason."""
    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    refused = await edit_answer(sara, "de", COMBINING + TAGS)
    assert refused.status == 400
    page = await refused.text()
    box = re.search(r'<textarea id="f-answer.de"[^>]*>(.*?)</textarea>', page, re.S)
    assert box and box.group(1) == COMBINING + CONSOLE_ESCAPED["tags"]
    assert 'id="e-answer' in page
    assert_no_raw_markup(page, "the refused record form")


# --- Telegram: rendering ---------------------------------------------------------------------

WORDS = {"tg:share_location": "📍 Standort", "sources_label": "Quellen:"}.__getitem__


def telegram_parts(texts: list[str]) -> str:
    """What the user reads of these HTML messages, together; each must parse as Telegram
    HTML (the local Bot API server's checks) and fit 4096 UTF-16 units."""
    shown = []
    for text in texts:
        problem, content = check_send("sendmessage", {"chat_id": 1, "text": text,
                                                      "parse_mode": "HTML"})
        assert problem is None, (problem, text[:80])
        assert utf16_length(content["text"]) <= TEXT_LIMIT
        shown.append(content["text"])
    return "".join(shown)


@pytest.mark.parametrize("key", list(HOSTILE))
def test_telegram_render_escapes_exactly(key: str) -> None:
    text = HOSTILE[key]
    calls = render(Reply(text, [Button(text[:20], "/deny")]), WORDS)
    assert all(c.method == "sendMessage" and c.params["parse_mode"] == "HTML" for c in calls)
    sent = [c.params["text"] for c in calls]
    if key == "combining":  # 10,001 UTF-16 units: three messages, cut between characters
        assert [len(t) for t in sent] == [4096, 4096, 1809]
    else:
        assert sent == [TELEGRAM_ESCAPED[key]]
    assert telegram_parts(sent) == text  # shown literally, nothing lost or added
    # a button's label is plain text for Telegram (no parse mode applies to it)
    assert calls[-1].params["reply_markup"]["inline_keyboard"] == [
        [{"text": text[:20], "callback_data": "/deny"}]]


@pytest.mark.parametrize("key", list(SHORT))
def test_telegram_settled_choice_escapes_the_pressed_label(key: str) -> None:
    """A pressed button's label is added to its (already HTML) message as text."""
    call = settle_choice(7, "Wähle &lt;eins&gt; <b>zwei</b>:", HOSTILE[key])
    assert call.params["text"] == f"Wähle &lt;eins&gt; <b>zwei</b>:\n\n✓ {TELEGRAM_ESCAPED[key]}"
    assert html_problem(call.params["text"]) is None
    assert visible(call.params["text"], "HTML").endswith(f"✓ {HOSTILE[key]}")


# --- the console of a running app (Telegram harness, web chat) ------------------------------

class Address:
    """What tests.console.conftest.Browser needs of a server: its addresses."""

    def __init__(self, base: str) -> None:
        self.base = URL(base)

    def make_url(self, path: str) -> URL:
        return self.base.join(URL(path))


@asynccontextmanager
async def console_user(app: web.Application, base: str, username: str, name: str,
                       role: str = "counsellor") -> AsyncIterator[ConsoleBrowser]:
    """A console user of `app`, logged in over HTTP (CSRF tokens as a browser has them)."""
    await add_counsellor(app[DB], username, name, role=role)
    browser = ConsoleBrowser(Address(base))  # type: ignore[arg-type]
    try:
        response = await browser.login(username, PASSWORD)
        assert response.status == 303, await response.text()
        await browser.get("/console/")
        yield browser
    finally:
        await browser.http.close()


def base_of(harness: Harness) -> str:
    return f"http://{harness.settings.host}:{harness.settings.port}"


def running(harness: Harness) -> web.Application:
    assert harness._runner is not None
    return harness._runner.app


async def conversation_of(db: Any, channel: str) -> int:
    async with db() as session:
        found = await session.scalar(select(Conversation.id).join(User)
                                     .where(User.channel == channel))
    assert found is not None
    return int(found)


def cleaned_transcript(key: str) -> str:
    """The transcript's HTML of a user's hostile message as the bot stored it (cleaned)."""
    return TRANSCRIPT[key] if CLEANED[key] == HOSTILE[key] else CLEANED[key]


def failed_sends(harness: Harness, chat: Chat) -> list[str]:
    """Bot API calls for this chat that the server refused (e.g. HTML that does not parse)."""
    return [f"{a.method}: {a.outcome}" for a in harness.api.attempts_to(chat.chat_id)
            if a.method in SEND_METHODS and a.outcome != "ok"]


# --- Telegram, end to end --------------------------------------------------------------------

async def test_telegram_user_sends_hostile_text(polling: Harness) -> None:
    """Every reply to hostile messages parses as Telegram HTML; the console shows what the
    user wrote (as stored) as text."""
    chat = polling.chat(9_130_001, "de")
    await chat.text("/start")
    for key, text in HOSTILE.items():
        assert await chat.text(text), key
    assert failed_sends(polling, chat) == []
    for sent in chat.sent:
        assert html_problem(sent.text) is None and utf16_length(
            visible(sent.text, "HTML")) <= TEXT_LIMIT
    rows = await polling.query(select(Message.text).where(Message.direction == "in")
                               .order_by(Message.id))
    assert [text for (text,) in rows][-len(HOSTILE):] == list(CLEANED.values())

    app, cid = running(polling), await conversation_of(running(polling)[DB], "telegram")
    async with console_user(app, base_of(polling), "amal", "Amal") as amal:
        page = await (await amal.get(f"/console/conversations/{cid}")).text()
    users = [bubble for kind, bubble in bubbles(page) if kind == "user"]
    assert users[-len(HOSTILE):] == [cleaned_transcript(k) for k in HOSTILE]
    assert_no_raw_markup(page, "the Telegram user's transcript")


async def test_telegram_counsellor_replies_arrive_as_text(polling: Harness) -> None:
    """What a counsellor writes in the console reaches the Telegram user exactly as written:
    escaped once in the HTML message, within 4096 per message."""
    app = running(polling)
    chat = polling.chat(9_130_002, "de")
    await chat.text("/human")
    cid = await conversation_of(app[DB], "telegram")
    async with console_user(app, base_of(polling), "amal", NAME) as amal:
        assert (await amal.post(f"/console/conversations/{cid}/claim")).status == 303
        await polling.api.wait_for(lambda: any("im Gespräch" in s.text for s in chat.sent),
                                   20, "the joined notice")
        for key, text in [*SHORT.items(), ("combining_4000", COMBINING_4000)]:
            mark = len(chat.sent)
            done = await amal.post(f"/console/conversations/{cid}/reply", {"text": text})
            assert done.status == 303, await done.text()
            await polling.api.wait_for(lambda mark=mark: len(chat.sent) > mark, 20, key)
            [sent] = chat.sent[mark:]
            assert sent.params["parse_mode"] == "HTML"
            kept = CLEANED.get(key, text)  # stored (and sent) cleaned, as the user's
            assert sent.text == (TELEGRAM_ESCAPED[key] if kept == text and key in HOSTILE
                                 else kept), key
            assert telegram_parts([sent.text]) == kept
    # longer than the console's form takes: through the handoff service itself
    async with app[DB]() as session:
        amal_id = await session.scalar(select(ConsoleUser.id).where(
            ConsoleUser.username == "amal"))
    mark = len(chat.sent)
    assert await app[HANDOFFS].reply(cid, Counsellor(int(amal_id or 0), "counsellor"),
                                     COMBINING) is None
    await polling.api.wait_for(lambda: len(chat.sent) >= mark + 3, 20, "10,001 characters")
    parts = [s.text for s in chat.sent[mark:]]
    assert len(parts) == 3 and telegram_parts(parts) == COMBINING
    assert failed_sends(polling, chat) == []


async def test_telegram_faq_answer_written_by_staff_is_text(polling: Harness) -> None:
    """Staff write markup into an answer in the console; the Telegram user reads it as text."""
    app = running(polling)
    async with console_user(app, base_of(polling), "sara", "Sara", role="staff") as sara:
        saved = await edit_answer(sara, "de", "Melden Sie sich an.\n" + FAQ_ANSWER)
        assert saved.status == 303, await saved.text()
    chat = polling.chat(9_130_003, "de")
    await chat.text("/start")
    sent = await chat.press(f"/{FAQ_KEY}")  # the FAQ's own button (allow-listed payload)
    answers = [s for s in sent if "Melden Sie sich an." in s.text]
    assert len(answers) == 1, (failed_sends(polling, chat), [s.text[:80] for s in sent])
    [answer] = answers
    expected = "Melden Sie sich an.\n" + "\n".join(TELEGRAM_ESCAPED[k] for k in FAQ_PARTS)
    assert answer.text.startswith(expected), answer.text[:300]
    assert visible(answer.text, "HTML").startswith("Melden Sie sich an.\n" + FAQ_ANSWER)
    assert failed_sends(polling, chat) == []


# --- the web chat: JSON answers, pushed messages, the history of a reloaded page --------------

Client = TestClient[web.Request, web.Application]
# Jinja's |tojson in the page (\u003c etc.: a `</script>` cannot end the data island)
ISLAND = {
    "script": r'"\u003cscript\u003ealert(1)\u003c/script\u003e"',
    "entities": r'"\u0026amp; \u0026 \u0026lt;"',
    "tags": r'"\u003cb\u003efett\u003c/b\u003e \u003c/code\u003e \u003ca href=\"tg://x\"\u003etg'
            r'\u003c/a\u003e \u003cimg src=x onerror=alert(2)\u003e"',
    "link": r'"https://example.org/?q=\u003cb\u003ex\u003c/b\u003e\u0026r=\"y\" '
            r'javascript:alert(5)"'}


@pytest.fixture
async def web_chat(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Client]:
    settings = app_settings(tmp_path, URL(rasa._url).port or 0, handoff_tick_seconds=3600)
    client: Client = TestClient(TestServer(create_app(settings)))
    await client.start_server()
    yield client
    await client.close()


async def say(client: Client, text: str, sender: str = SCRIPT) -> list[dict[str, Any]]:
    response = await client.post("/webhooks/rest/webhook", json={
        "sender": sender, "message": text, "metadata": {"language": "de"}})
    assert response.status == 200, await response.text()
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    replies: list[dict[str, Any]] = await response.json()
    assert all(r["recipient_id"] == sender for r in replies)  # echoed as data only
    return replies


def island_of(page: str) -> str:
    return page.split('<script type="application/json" id="history">', 1)[1].split(
        "</script>", 1)[0]


async def pushed(client: Client, count: int) -> list[dict[str, Any]]:
    """The first `count` counsellor's messages of the web chat's push stream (the notices
    of the handoff come the same way, and are left out)."""
    events: list[dict[str, Any]] = []
    response = await client.get("/chat/events?after=0")
    assert response.status == 200 and response.content_type == "text/event-stream"
    try:
        deadline = time.monotonic() + 20
        while len(events) < count:
            line = await asyncio.wait_for(response.content.readline(),
                                          deadline - time.monotonic())
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event.get("custom", {}).get("kind") == "counsellor":
                    events.append(event)
    finally:
        response.close()
    return events


async def test_web_chat_keeps_hostile_text_as_data(web_chat: Client) -> None:
    await say(web_chat, "/start")
    for key, text in HOSTILE.items():
        replies = await say(web_chat, text)
        assert replies, key
    page = await (await web_chat.get("/")).text()
    assert_no_raw_markup(page, "the chat page")
    island = island_of(page)
    for key, escaped in ISLAND.items():
        assert f'"text": {escaped}' in island, key  # the exact form in the page source
    history = json.loads(island)
    users = [item["text"] for item in history if item.get("who") == "user"]
    assert users[-len(HOSTILE):] == list(CLEANED.values())

    # a counsellor answers with every hostile string: the push stream carries them as stored
    await say(web_chat, "/human")
    app = web_chat.server.app
    amal = await add_counsellor(app[DB], "amal", "Amal")
    cid = await conversation_of(app[DB], "web")
    assert await app[HANDOFFS].claim(cid, Counsellor(amal, "counsellor")) is None
    for text in HOSTILE.values():
        assert await app[HANDOFFS].reply(cid, Counsellor(amal, "counsellor"), text) is None
    events = await pushed(web_chat, len(HOSTILE))
    assert [e["text"] for e in events] == list(KEPT_OF_COUNSELLOR.values())
    page = await (await web_chat.get("/")).text()
    assert_no_raw_markup(page, "the chat page with the counsellor's replies")
    history = json.loads(island_of(page))
    counsellor = [item["text"] for item in history
                  if item.get("custom", {}).get("kind") == "counsellor"]
    assert counsellor == list(KEPT_OF_COUNSELLOR.values())


async def test_web_chat_my_data_download_is_a_json_file(web_chat: Client) -> None:
    """The user's own data (GET /chat/mydata) holds the hostile texts: as a JSON download
    that a browser neither renders nor sniffs as a page."""
    for text in SHORT.values():
        await say(web_chat, text)
    response = await web_chat.get("/chat/mydata")
    assert response.status == 200
    assert response.content_type == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    strings: list[str] = []
    pending = [json.loads(await response.text())]
    while pending:  # every string in the document
        item = pending.pop()
        if isinstance(item, dict):
            pending += item.values()
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str):
            strings.append(item)
    assert all(CLEANED[key] in strings for key in SHORT)  # verbatim, as data
