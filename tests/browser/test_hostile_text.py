"""Hostile text in a real browser (issue 13): Debian's Chromium shows it literally in the web
chat and in the console, and nothing injected runs — no dialog opens, no element is created
from it, no CSP violation is reported, no script error. The page sources are checked in
tests/test_hostile_text.py; the strings and their escaped forms are defined there.

An HTML page cannot carry NUL: the HTML parser drops it from text and makes it U+FFFD in a
text box (the HTML standard, not an escaping fault), so the console's pages are compared
with that; the web chat builds its DOM from JSON and keeps even NUL.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, Page

from bot.handoff.service import Counsellor
from bot.storage.models import Message
from bot.web.keys import BUS, HANDOFFS
from tests.browser.conftest import (
    WAIT,
    Site,
    add_counsellor,
    log_in,
    onboard,
    person,
    say,
    shoot,
)
from tests.console.conftest import Console, console
from tests.test_hostile_text import (
    CLEANED,
    COMBINING_4000,
    FAQ_ANSWER,
    FAQ_KEY,
    HOSTILE,
    KEPT_OF_COUNSELLOR,
    NAME,
    SHORT,
    console_user,
    conversation_of,
    edit_answer,
    unanswered_message,
)

__all__ = ["console"]

# What the chat's text box holds of each (it takes 4000 characters)
TYPED = [text if key != "combining" else COMBINING_4000 for key, text in HOSTILE.items()]
# Elements a hostile string would create if it were parsed as HTML (anywhere on a page), and
# what may be inside a message's text: nothing but the text and links to web addresses
INJECTED = "script:not(#history):not([src]), img, b, a[href^='tg:'], a[href^='javascript:']"
NOT_TEXT = "*:not(a[href^='https://'])"


async def watch(page: Page) -> list[str]:
    """Dialogs (alert) and CSP violations on this page, from now on (also after a reload)."""
    seen: list[str] = []

    async def dialog(d: Any) -> None:
        seen.append(f"dialog: {d.message}")
        await d.dismiss()

    page.on("dialog", dialog)
    await page.add_init_script("""document.addEventListener("securitypolicyviolation",
        e => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));""")
    return seen


async def texts(page: Page, selector: str) -> list[str]:
    """textContent (not innerText: no layout, every character) of each match."""
    return list(await page.locator(selector).evaluate_all("ns => ns.map(n => n.textContent)"))


async def injected(page: Page, within: str, elements: str = INJECTED) -> list[str]:
    """The outer HTML of each `elements` inside each `within`."""
    return list(await page.locator(within).evaluate_all(
        f"ns => ns.flatMap(n => [...n.querySelectorAll(\"{elements}\")].map(e => e.outerHTML))"))


async def nothing_injected(page: Page, texts: str) -> None:
    assert await injected(page, "body") == []
    assert await injected(page, texts, NOT_TEXT) == []


def parsed(text: str) -> str:
    """What the HTML parser makes of text in an element (NUL dropped)."""
    return text.replace("\x00", "")


# --- the web chat ------------------------------------------------------------------------------

async def test_web_chat_shows_hostile_text_literally(site: Site, chromium: Browser) -> None:
    errors: list[str] = []
    chat = await person(chromium, errors)
    alerts = await watch(chat)
    await onboard(chat, site.url, "de", "Deutsch", "Düsseldorf")
    for typed in TYPED:
        assert await say(chat, typed), typed[:40]
    shown = await texts(chat, "li.user .text")  # drawn at once from the text box's value
    assert shown[-len(HOSTILE):] == TYPED, [s[:40] for s in shown]

    # a counsellor answers with every hostile string; the answers arrive pushed, as text
    await say(chat, "/human")
    amal = await add_counsellor(site.db, "amal", "Amal")
    cid = await conversation_of(site.db, "web")
    handoffs = site.app[HANDOFFS]
    assert await handoffs.claim(cid, Counsellor(amal, "counsellor")) is None
    for text in HOSTILE.values():
        assert await handoffs.reply(cid, Counsellor(amal, "counsellor"), text) is None
    bubbles = chat.locator("li.bot.counsellor .text")
    await bubbles.nth(len(HOSTILE) - 1).wait_for(timeout=WAIT)
    assert await texts(chat, "li.bot.counsellor .text") == list(KEPT_OF_COUNSELLOR.values())
    links = await chat.locator("li.bot.counsellor .text a").evaluate_all(
        "ns => ns.map(n => n.getAttribute('href'))")
    assert links == ['https://example.org/?q=<b>x</b>&r="y"']  # the address, as an address
    await nothing_injected(chat, "#log .text")
    await shoot(chat, "hostile-web-chat")

    await chat.reload()  # the history comes from the page's data island
    await chat.locator("li.bot.counsellor").nth(len(HOSTILE) - 1).wait_for(timeout=WAIT)
    users = [text for text in await texts(chat, "li.user .text") if text != "/human"]
    assert users[-len(HOSTILE):] == list(CLEANED.values())  # as the server stored them
    assert await texts(chat, "li.bot.counsellor .text") == list(KEPT_OF_COUNSELLOR.values())
    await nothing_injected(chat, "#log .text")
    assert await chat.evaluate("document.scripts.length") == 2  # the data island and chat.js
    assert alerts == [] and errors == []


async def test_web_chat_shows_a_staff_written_answer_literally(site: Site,
                                                              chromium: Browser) -> None:
    """Staff put markup into an FAQ answer in the console; the web chat shows it as text."""
    async with console_user(site.app, site.url, "sara", NAME, role="staff") as sara:
        saved = await edit_answer(sara, "de", "Melden Sie sich an.\n" + FAQ_ANSWER)
        assert saved.status == 303, await saved.text()
    errors: list[str] = []
    chat = await person(chromium, errors)
    alerts = await watch(chat)
    await onboard(chat, site.url, "de", "Deutsch", "Düsseldorf")
    [answer] = await say(chat, f"/{FAQ_KEY}")  # the FAQ's own button payload
    assert answer["text"].startswith("Melden Sie sich an.\n" + FAQ_ANSWER)
    bubble = chat.locator("li.bot .text", has_text="Melden Sie sich an.")
    await bubble.wait_for(timeout=WAIT)
    assert (await bubble.text_content() or "").startswith("Melden Sie sich an.\n" + FAQ_ANSWER)
    await nothing_injected(chat, "#log .text")
    assert alerts == [] and errors == []


# --- the console ---------------------------------------------------------------------------------

async def console_page(console: Console, chromium: Browser, username: str,
                       errors: list[str]) -> tuple[Page, list[str]]:
    page = await person(chromium, errors)
    alerts = await watch(page)
    await log_in(page, str(console.server.make_url("")).rstrip("/"), username, "en")
    return page, alerts


async def test_console_shows_hostile_text_literally(console: Console, chromium: Browser) -> None:
    """The transcript (also what the live update appends), the counsellor's name, the
    unanswered queue and an FAQ record, in Chromium."""
    await console.user("amal", "admin", name=NAME)  # counsellor and staff screens
    cid = await console.conversation("waiting", language="de")
    await console.add(*[Message(conversation_id=cid, direction="in", text=text, language="de",
                                status="forwarded") for text in HOSTILE.values()])
    amal = await console.as_user("amal")
    assert (await amal.post(f"/console/conversations/{cid}/claim")).status == 303
    for text in SHORT.values():
        assert (await amal.post(f"/console/conversations/{cid}/note", {"text": text})).status \
            == 303
    errors: list[str] = []
    page, alerts = await console_page(console, chromium, "amal", errors)
    await page.goto(str(console.server.make_url(f"/console/conversations/{cid}")))
    assert await texts(page, ".line-user .bubble") == [parsed(t) for t in HOSTILE.values()]
    assert await texts(page, ".line-note .bubble") == [parsed(CLEANED[k]) for k in SHORT]
    system = " ".join(await texts(page, ".line-system"))
    assert f"Claimed by {NAME}" in system
    assert await texts(page, ".line-note .who") == [NAME] * len(SHORT)

    # live: a new message is fetched as an HTML fragment and placed by console.js
    await console.add(Message(conversation_id=cid, direction="in", text=HOSTILE["tags"],
                              language="de", status="forwarded"))
    await console.server.app[BUS].publish({"kind": "conversation", "id": cid,
                                           "status": "human"})
    await page.locator(".line-user .bubble").nth(len(HOSTILE)).wait_for(timeout=WAIT)
    assert (await texts(page, ".line-user .bubble"))[-1] == HOSTILE["tags"]
    links = await page.locator("#transcript a").evaluate_all(
        "ns => ns.map(n => n.getAttribute('href'))")
    assert links == ["https://example.org/?q="] * 2  # the user's and the note's address
    await nothing_injected(page, "#transcript .bubble")
    await shoot(page, "hostile-console-transcript")

    ids = [await unanswered_message(console, text, minutes_ago=i + 1)
           for i, text in enumerate(HOSTILE.values())]
    await page.goto(str(console.server.make_url("/console/unanswered")))
    for message_id, text in zip(ids, HOSTILE.values(), strict=True):
        card = page.locator(f"article[aria-labelledby='message-{message_id}']")
        assert await card.locator(".bubble").text_content() == parsed(text)
        # a text box's value: NUL becomes U+FFFD in the parser, the rest stays
        assert await card.locator("textarea").input_value() == text.replace("\x00", "\ufffd")
    await nothing_injected(page, "main .bubble")

    saved = await edit_answer(amal, "en", "Register.\n" + FAQ_ANSWER)
    assert saved.status == 303, await saved.text()
    await page.goto(str(console.server.make_url(f"/console/knowledge/faq/{FAQ_KEY}")))
    value = await page.locator("#f-answer\\.en").input_value()
    assert value == ("Register.\n" + FAQ_ANSWER).replace("\x00", "\ufffd")
    assert NAME in (await page.locator(".history").text_content() or "")
    await nothing_injected(page, ".history li span[dir=auto], .record-form textarea")
    await page.goto(str(console.server.make_url("/console/knowledge/changes")))
    assert NAME in (await page.locator("table.changes").text_content() or "")
    await nothing_injected(page, "table.changes .value")
    assert alerts == [] and errors == []
