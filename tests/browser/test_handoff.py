"""The counsellor handoff with a real browser on the counsellor's side: a web chat user (a
second browser context) or a Telegram user (the local Bot API server) asks for a person;
the counsellor sees the request arrive in the queue live, claims it, answers; the answer
reaches the user without a reload; the user's next message reaches the console live and not
the bot; after the release the bot answers again."""

from __future__ import annotations

from playwright.async_api import Browser
from sqlalchemy import select

from bot.storage.handoff_models import HandoffTransition
from bot.storage.models import Conversation, Message
from bot.web.keys import DB
from tests.browser.conftest import (
    WAIT,
    Site,
    add_counsellor,
    go_online,
    log_in,
    mark,
    onboard,
    person,
    same_page,
    say,
)
from tests.telegram.harness import Harness

HUMAN = "Ich möchte mit einem Menschen sprechen"
WAITING = "Eine Person antwortet Ihnen hier"  # handoff_waiting (someone is online)
JOINED = "ist jetzt im Gespräch"  # handoff_joined
RELEASED = "hat das Gespräch beendet"  # handoff_released
REPLY = "Guten Tag, ich bin Amal von der Beratung. Worum geht es?"
FOLLOW_UP = "Ich brauche Hilfe mit meinem Brief vom Jobcenter"
QUESTION = "Wie melde ich meine Wohnung an?"


async def test_web_chat_and_console_in_two_browser_contexts(site: Site,
                                                            chromium: Browser) -> None:
    amal = await add_counsellor(site.db, "amal", "Amal Haddad")
    errors: list[str] = []

    # B, the counsellor: logs in and goes online before anybody asks
    console = await person(chromium, errors)
    await log_in(console, site.url, "amal")
    assert await console.get_attribute("html", "dir") == "ltr"
    await go_online(console)
    await mark(console)

    # A, the newcomer: onboarding with the buttons, then asks for a person
    chat = await person(chromium, errors)
    await onboard(chat, site.url, "de", "Deutsch", "Düsseldorf")
    assert (await chat.locator("li.bot").first.inner_text()).startswith("Willkommen bei Lotse")
    [notice] = await say(chat, HUMAN)
    assert notice["custom"]["kind"] == "handoff" and WAITING in notice["text"]
    assert notice["buttons"] == [{"title": "Zurück zum Bot", "payload": "/cancel_handoff"}]
    await chat.locator("li.bot", has_text=WAITING).wait_for(timeout=WAIT)

    # B: the request appears in the queue without a reload
    row = console.locator("tr.row.status-waiting")
    await row.wait_for(timeout=WAIT)
    assert await same_page(console), "the queue was reloaded instead of updated"
    assert await console.title() == "(1) Lotse-Konsole"
    cid = int(await row.get_attribute("data-conversation") or 0)
    assert "Web-Chat" in await row.inner_text()
    await row.locator(f"a[href='/console/conversations/{cid}']").first.click()
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await console.locator(".line-user .bubble", has_text=HUMAN).wait_for(timeout=WAIT)
    await console.click("#panel form[action$='/claim'] button[type=submit]")
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await console.locator("#reply-form").wait_for(timeout=WAIT)
    await chat.locator("li.bot", has_text=JOINED).wait_for(timeout=WAIT)  # pushed

    # B answers; A sees it without a reload, marked as the counsellor's
    await mark(chat)
    await console.fill("#reply-text", REPLY)
    await console.click("#reply-form button[type=submit]")
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await console.locator(".line-counsellor .bubble", has_text=REPLY).wait_for(timeout=WAIT)
    reply = chat.locator("li.bot.counsellor", has_text=REPLY)
    await reply.wait_for(timeout=WAIT)
    assert await reply.locator(".author").inner_text() == "Beratung"
    assert await same_page(chat), "the chat page was reloaded"

    # A writes again: the console shows it live, the bot stays quiet
    await mark(console)
    bot_lines = await chat.locator("li.bot").count()
    assert await say(chat, FOLLOW_UP) == []
    await console.locator(".line-user .bubble", has_text=FOLLOW_UP).wait_for(timeout=WAIT)
    assert await same_page(console), "the transcript was reloaded instead of updated"
    assert await chat.locator("li.bot").count() == bot_lines

    # B gives the conversation back to the bot; A is told; the bot answers again
    await console.click("#panel form[action$='/release'] button[type=submit]")
    await console.wait_for_url("**/console/")
    await console.locator(f"tr[data-conversation='{cid}']").wait_for(state="detached",
                                                                     timeout=WAIT)
    await chat.locator("li.bot", has_text=RELEASED).wait_for(timeout=WAIT)
    assert await same_page(chat), "the chat page was reloaded"
    answer = await say(chat, QUESTION)
    assert answer and answer[0]["custom"]["kind"] in ("faq", "office"), answer
    await chat.locator("li.bot").nth(bot_lines + 1).wait_for(timeout=WAIT)

    async with site.db() as session:
        messages = list(await session.scalars(select(Message).where(
            Message.conversation_id == cid).order_by(Message.id)))
        changes = list(await session.scalars(select(HandoffTransition).where(
            HandoffTransition.conversation_id == cid).order_by(HandoffTransition.id)))
        status = await session.scalar(select(Conversation.status).where(
            Conversation.id == cid))
    assert status == "bot"
    assert ("in", "forwarded", FOLLOW_UP) in [(m.direction, m.status, m.text) for m in messages]
    assert [(m.text, m.author_id) for m in messages if m.status == "counsellor"] == [
        (REPLY, amal)]
    assert [(c.from_status, c.to_status, c.actor, c.reason) for c in changes] == [
        ("bot", "waiting", "user", "user_request"), ("waiting", "human", "counsellor", "claimed"),
        ("human", "bot", "counsellor", "released")]
    assert errors == []


async def test_telegram_user_and_counsellor_in_the_browser(polling: Harness,
                                                           chromium: Browser) -> None:
    assert polling._runner is not None
    base = f"http://{polling.settings.host}:{polling.settings.port}"
    db = polling._runner.app[DB]
    await add_counsellor(db, "jonas", "Jonas Becker")
    api, errors = polling.api, []
    console = await person(chromium, errors)
    await log_in(console, base, "jonas")
    await go_online(console)
    await mark(console)

    chat = polling.chat(7301, "de")
    [waiting] = await chat.text("/human")
    assert WAITING in waiting.text
    assert [title for title, _data in waiting.buttons] == ["Zurück zum Bot"]

    row = console.locator("tr.row.status-waiting")
    await row.wait_for(timeout=WAIT)
    assert await same_page(console), "the queue was reloaded instead of updated"
    assert "Telegram" in await row.inner_text()
    cid = int(await row.get_attribute("data-conversation") or 0)
    await row.locator("form[action$='/claim'] button[type=submit]").click()  # from the queue
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await api.wait_for(lambda: any(JOINED in s.text for s in chat.sent), WAIT / 1000,
                       "the joined notice in the Telegram chat")

    text = "Hallo, hier ist Jonas von der Beratung. Wie kann ich helfen?"
    await console.fill("#reply-text", text)
    await console.click("#reply-form button[type=submit]")
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await api.wait_for(lambda: any(s.text == text for s in chat.sent), WAIT / 1000,
                       "the counsellor's reply in the Telegram chat")

    await mark(console)
    follow_up = "Mein Vermieter will die Kaution nicht zurückzahlen"
    assert await chat.text(follow_up) == []  # for the person, not for the bot
    await console.locator(".line-user .bubble", has_text=follow_up).wait_for(timeout=WAIT)
    assert await same_page(console), "the transcript was reloaded instead of updated"

    await console.click("#panel form[action$='/release'] button[type=submit]")
    await console.wait_for_url("**/console/")
    await api.wait_for(lambda: any(RELEASED in s.text for s in chat.sent), WAIT / 1000,
                       "the release notice in the Telegram chat")
    answer = await chat.text(QUESTION)
    assert answer and not any(RELEASED in s.text or WAITING in s.text for s in answer)
    rows = await polling.query(select(Message.direction, Message.status, Message.text)
                               .where(Message.conversation_id == cid).order_by(Message.id))
    assert ("in", "forwarded", follow_up) in rows
    assert ("out", "counsellor", text) in rows
    assert rows[-1][:2] in (("out", "faq"), ("out", "office")), rows[-3:]
    assert errors == []


async def test_console_transcript_shows_no_empty_bubbles_for_pressed_buttons(
        site: Site, chromium: Browser) -> None:
    """The onboarding buttons (language, city) are stored as messages without text; the
    console must not show them as empty user bubbles (the web chat hides them on a reload)."""
    await add_counsellor(site.db, "amal", "Amal Haddad")
    errors: list[str] = []
    chat = await person(chromium, errors)
    await onboard(chat, site.url, "de", "Deutsch", "Düsseldorf")
    await say(chat, HUMAN)
    async with site.db() as session:
        cid = await session.scalar(select(Conversation.id))
    console = await person(chromium, errors)
    await log_in(console, site.url, "amal")
    await console.goto(f"{site.url}/console/conversations/{cid}")
    await console.locator(".line-user .bubble", has_text=HUMAN).wait_for(timeout=WAIT)
    shown = [text.strip() for text in
             await console.locator(".line-user .bubble").all_inner_texts()]
    assert "" not in shown, f"empty user bubbles in the transcript: {shown}"
    assert errors == []
