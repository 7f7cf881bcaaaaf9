"""The console in Chromium: live queue and transcript over SSE, canned replies, Arabic
right-to-left at phone width, and no CSP violation (screenshots in var/screenshots/)."""

from __future__ import annotations

from playwright.async_api import Browser, Page

from bot.storage.models import Message
from bot.web.keys import BUS
from tests.conftest import SCREENSHOTS
from tests.console.conftest import PASSWORD, Console


async def logged_in(console: Console, chromium: Browser, username: str, width: int,
                    errors: list[str]) -> Page:
    page = await chromium.new_page(viewport={"width": width, "height": 800})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(str(console.server.make_url("/console/login")))
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await page.wait_for_url("**/console/")
    return page


async def test_live_queue_in_arabic_at_phone_width(console: Console, chromium: Browser) -> None:
    await console.user("amal", "counsellor", name="أمل")
    async with console.db() as session:
        from bot.storage.handoff_models import ConsoleUser

        (await session.get(ConsoleUser, 1)).language = "ar"
        await session.commit()
    errors: list[str] = []
    page = await logged_in(console, chromium, "amal", 390, errors)
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.title() == "لوحة تحكم لوتسه"
    cid = await console.conversation("waiting", urgent=True)
    await console.server.app[BUS].publish({"kind": "conversation", "id": cid,
                                           "status": "waiting"})
    await page.locator(f'tr[data-conversation="{cid}"]').wait_for(timeout=10_000)
    assert await page.title() == "(1) لوحة تحكم لوتسه"
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "nothing sticks out sideways on a phone"
    await page.screenshot(path=str(SCREENSHOTS / "console-queue-ar-390.png"), full_page=True)
    assert errors == []


async def test_conversation_live_with_canned_reply(console: Console, chromium: Browser) -> None:
    await console.user("amal", "counsellor", name="Amal")
    cid = await console.conversation("waiting", language="ar")
    errors: list[str] = []
    page = await logged_in(console, chromium, "amal", 1280, errors)
    await page.click(f'tr[data-conversation="{cid}"] button')
    await page.wait_for_url(f"**/console/conversations/{cid}")
    await page.select_option("#canned", label="Greeting")
    assert (await page.input_value("#reply-text")).startswith("مرحبًا! معك أحد أعضاء")
    await page.click("#reply-form button[type=submit]")
    await page.wait_for_url(f"**/console/conversations/{cid}")
    await page.locator(".line-counsellor .bubble").wait_for()

    await console.add(Message(conversation_id=cid, direction="in", text="شكرًا جزيلًا",
                              language="ar", status="forwarded"))
    await console.server.app[BUS].publish({"kind": "conversation", "id": cid,
                                           "status": "human"})
    bubble = page.locator(".line-user .bubble", has_text="شكرًا جزيلًا")
    await bubble.wait_for(timeout=10_000)  # appended without a reload
    assert await bubble.evaluate("n => getComputedStyle(n).direction") == "rtl"
    assert await page.get_attribute("html", "dir") == "ltr"
    await page.screenshot(path=str(SCREENSHOTS / "console-conversation-en.png"),
                          full_page=True)
    assert errors == []
