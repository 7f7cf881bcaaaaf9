"""The dashboard in Chromium (Debian's, through Playwright): German at desktop width,
Arabic at desktop and phone width, with enough rows that the charts have bars of 5 and
more and pale "< 5" bands. No CSP violation or script error; Arabic right-to-left;
nothing sticks out sideways on a phone. Screenshots: var/screenshots/analytics-*.png."""

from __future__ import annotations

import datetime as dt

from playwright.async_api import Browser, Page

from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, Message, User, utcnow
from tests.analytics import data
from tests.conftest import SCREENSHOTS
from tests.console.conftest import PASSWORD, Console

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TOPICS = ("residence", "registration", "housing", "work", "language", "health")


async def a_month_of_messages(console: Console) -> None:
    """Besides the known rows: 0 to 12 messages a day over 30 days, in three languages
    and six topics, so that the days chart has both kinds of bars."""
    now = utcnow()
    async with console.db() as session:
        user = User(channel="telegram", pseudonym="month", language="ar", city="leipzig")
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=user.id, state={})
        session.add(conversation)
        await session.flush()
        for day in range(30):
            for n in range((day * 5) % 13):
                session.add(Message(
                    conversation_id=conversation.id, direction="in", text="...",
                    language=("ar", "de", "en")[n % 3], topic=TOPICS[(day + n) % 6],
                    status="answered", created_at=now - dt.timedelta(days=day, minutes=n)))
        await session.commit()


async def staff_page(console: Console, chromium: Browser, errors: list[str], language: str,
                     viewport: dict[str, int]) -> Page:
    username = f"staff-{language}-{viewport['width']}"
    user_id = await console.user(username, "staff", name="Nora Staff")
    async with console.db() as session:
        (await session.get_one(ConsoleUser, user_id)).language = language
        await session.commit()
    context = await chromium.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(str(console.server.make_url(f"/console/login?lang={language}")))
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await page.wait_for_url("**/console/")
    await page.goto(str(console.server.make_url("/console/analytics")))
    return page


async def outside(page: Page) -> list[str]:
    """The elements (not inside a chart) that reach beyond the viewport: for the message."""
    found: list[str] = await page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(n => !n.closest('svg') && (n.getBoundingClientRect().left < 0
                || n.getBoundingClientRect().right > document.documentElement.clientWidth))
        .map(n => n.tagName + '.' + n.className)""")
    return found


async def sideways(page: Page) -> int:
    return int(await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))


async def test_dashboard_screenshots(console: Console, chromium: Browser) -> None:
    await data.seed(console.db, utcnow())
    await a_month_of_messages(console)
    errors: list[str] = []
    shots = (("de", DESKTOP, "analytics-de-desktop"), ("ar", DESKTOP, "analytics-ar-desktop"),
             ("ar", PHONE, "analytics-ar-phone"))
    for language, viewport, name in shots:
        page = await staff_page(console, chromium, errors, language, viewport)
        assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        assert await page.locator("svg.analytics-chart").count() == 6
        assert await page.locator("svg.analytics-chart .rect.suppressed").count() > 0
        box = await page.locator("svg.analytics-chart").first.bounding_box()
        assert box is not None and box["width"] > 300  # drawn, not collapsed
        fill = await page.locator("svg.analytics-chart .rect:not(.suppressed)").first.evaluate(
            "n => getComputedStyle(n).fill")
        assert fill == "rgb(11, 92, 173)"  # analytics.css applies (pygal's style is gone)
        await page.locator("details summary").click()  # the days table too
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert await sideways(page) == 0, f"{name}: {await outside(page)} stick out sideways"
        await page.context.close()
    assert errors == []
