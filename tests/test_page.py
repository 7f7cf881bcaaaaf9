"""The chat page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser
from yarl import URL

from bot.nlu.client import RasaClient
from bot.web.app import create_app
from tests.conftest import SCREENSHOTS, app_settings, free_port


@pytest.fixture
async def site(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[str]:
    port = free_port()
    runner = web.AppRunner(create_app(app_settings(tmp_path, URL(rasa._url).port or 0)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_chat_in_german_then_arabic_right_to_left(site: str, chromium: Browser) -> None:
    page = await chromium.new_page()
    await page.goto(f"{site}/?lang=de")
    welcome = page.locator("li.bot").first  # first visit: welcome, privacy, language
    await welcome.wait_for(timeout=20_000)
    assert (await welcome.inner_text()).startswith("Willkommen bei Lotse")
    await page.locator("li.bot .buttons button", has_text="Deutsch").click()
    await page.locator("li.bot .buttons button", has_text="Düsseldorf").click()
    menu = page.locator("li.bot").nth(2)
    await menu.wait_for(timeout=20_000)
    assert await menu.locator(".buttons button").count() == 10
    await page.fill("#message", "Hallo")
    await page.press("#message", "Enter")
    greeting = page.locator("li.bot").nth(3)
    await greeting.wait_for(timeout=20_000)
    assert (await greeting.inner_text()).startswith("Hallo! Ich bin Lotse")
    await greeting.locator(".buttons button").first.click()  # "Aufenthalt"
    await page.locator("li.bot").nth(4).wait_for(timeout=20_000)
    await page.screenshot(path=str(SCREENSHOTS / "chat-de.png"), full_page=True)

    await page.click("a[data-lang=ar]")
    await page.wait_for_url(f"{site}/?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    history = await page.locator("li").count()  # a reload keeps the conversation …
    assert history >= 6  # welcome, city, menu, "Hallo", greeting, the topic's answer
    texts = await page.locator("li").all_inner_texts()
    assert "Hallo" in texts and all(t.strip() for t in texts)  # … without pressed buttons
    await page.fill("#message", "مرحبا")
    await page.press("#message", "Enter")
    await page.locator("li").nth(history + 1).wait_for(timeout=20_000)
    reply = page.locator("li").nth(history + 1)
    assert (await reply.inner_text()).startswith("مرحبًا")
    direction = await reply.evaluate("node => getComputedStyle(node).direction")
    assert direction == "rtl"
    await asyncio.sleep(0)
    await page.screenshot(path=str(SCREENSHOTS / "chat-ar.png"), full_page=True)
    await page.close()
