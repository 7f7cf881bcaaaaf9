"""Browser tests of the counsellor handoff: the real app (real Rasa NLU, SQLite in tmp_path)
served with `web.AppRunner` on a free port, Debian's Chromium driven by Playwright; one
browser per test, one context (own cookies) per person. Screenshots go to var/screenshots/.
The Telegram test uses the local Bot API server and its harness (`polling`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography.fernet import Fernet
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console.auth import hash_password
from bot.nlu.client import RasaClient
from bot.storage.handoff_models import ConsoleUser
from bot.web.app import create_app
from bot.web.keys import DB
from tests.conftest import SCREENSHOTS, app_settings, free_port
from tests.console.conftest import PASSWORD
from tests.telegram.conftest import api, polling, rasa_port

__all__ = ["PASSWORD", "Site", "api", "polling", "site"]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
WAIT = 15_000  # ms: how long a live update may take before the test fails
WEBHOOK = "/webhooks/rest/webhook"
FAVICON = "/favicon.ico"  # the chat page names none, so Chromium asks for this one (404)
MARK = "window.__lotseSamePage"  # set on a page; gone after any reload or navigation


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """aiohttp-session 2.12 stores its request keys as strings (aiohttp warns)."""
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.filterwarnings(
                "ignore::aiohttp.web_exceptions.NotAppKeyWarning"))


@dataclass
class Site:
    """The running app: its address and its database."""

    url: str
    app: web.Application

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        return self.app[DB]


async def add_counsellor(db: async_sessionmaker[AsyncSession], username: str, name: str,
                         language: str = "de", role: str = "counsellor") -> int:
    """A console user with the known PASSWORD (argon2, as the admin CLI stores it)."""
    async with db() as session:
        user = ConsoleUser(username=username, display_name=name, role=role, active=True,
                           language=language, presence="away", failed_logins=0,
                           password_hash=await hash_password(PASSWORD))
        session.add(user)
        await session.commit()
        return user.id


def _key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
async def site(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Site]:
    port = free_port()
    settings = app_settings(tmp_path, rasa_port(rasa), port=port, handoff_tick_seconds=3600,
                            console_session_key=_key(), chat_cookie_key=_key(),
                            contact_key=_key())
    runner = web.AppRunner(create_app(settings), shutdown_timeout=5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield Site(f"http://127.0.0.1:{port}", runner.app)
    await runner.cleanup()


# --- helpers for the tests --------------------------------------------------------------

# two staff members, Arabic and German, each at both widths: (username, lang, viewport, kind)
STAFF_VIEWS = (("salma", "ar", PHONE, "phone"), ("salma", "ar", DESKTOP, "desktop"),
               ("stefan", "de", DESKTOP, "desktop"), ("stefan", "de", PHONE, "phone"))


async def add_two_staff(db: async_sessionmaker[AsyncSession]) -> None:
    """The staff members of STAFF_VIEWS."""
    await add_counsellor(db, "salma", "سلمى", language="ar", role="staff")
    await add_counsellor(db, "stefan", "Stefan", language="de", role="staff")


async def person(browser: Browser, errors: list[str], viewport: dict[str, int] = DESKTOP,
                 ) -> Page:
    """A new context (own cookies) and its page; JavaScript errors, console errors and CSP
    violations are collected in `errors`."""
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}")
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith(FAVICON) else None)
    return page


async def mark(page: Page) -> None:
    await page.evaluate(f"{MARK} = true")


async def same_page(page: Page) -> bool:
    """True when the page was not reloaded or left since `mark`."""
    return bool(await page.evaluate(f"{MARK} === true"))


async def log_in(page: Page, base: str, username: str, lang: str = "de") -> None:
    await page.goto(f"{base}/console/login?lang={lang}")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit].primary")
    await page.wait_for_url("**/console/")


async def console_language(page: Page, lang: str) -> None:
    """The user's own setting (POST /console/language through the header form)."""
    await page.select_option("#console-language", lang)
    await page.click("form[action='/console/language'] button[type=submit]")
    await page.locator(f"html[lang={lang}]").wait_for(state="attached", timeout=WAIT)


async def go_online(page: Page) -> None:
    await page.click("form[action='/console/presence'] button[type=submit]")
    await page.locator(".account .presence-online").wait_for(timeout=WAIT)


async def onboard(page: Page, base: str, lang: str, language: str, city: str) -> None:
    """Open the web chat; the welcome comes by itself; press the language and city buttons
    until the topic menu is shown."""
    await page.goto(f"{base}/?lang={lang}")
    bots = page.locator("li.bot")
    await bots.first.wait_for(timeout=WAIT)
    await bots.first.locator(".buttons button", has_text=language).click()
    await bots.nth(1).locator(".buttons button", has_text=city).click()
    await bots.nth(2).locator(".buttons button").first.wait_for(timeout=WAIT)


async def say(page: Page, text: str) -> list[dict[str, Any]]:
    """Type a message in the web chat and send it; the bot's answer (the REST reply)."""
    async with page.expect_response(lambda r: r.url.endswith(WEBHOOK)
                                    and r.request.method == "POST") as info:
        await page.fill("#message", text)
        await page.press("#message", "Enter")
    response = await info.value
    assert response.status == 200, await response.text()
    replies: list[dict[str, Any]] = await response.json()
    return replies


async def no_sideways_scroll(page: Page) -> int:
    """How far the page is wider than the viewport (0: nothing sticks out sideways)."""
    return int(await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"))


async def shoot(page: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
