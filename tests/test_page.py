"""The chat page in a real browser (Debian's Chromium driven by Playwright)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, async_playwright
from yarl import URL

from bot.nlu.client import RasaClient
from bot.web.app import create_app
from tests.conftest import app_settings, free_port

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def site(tmp_path: Path, rasa: RasaClient) -> AsyncIterator[str]:
    port = free_port()
    runner = web.AppRunner(create_app(app_settings(tmp_path, URL(rasa._url).port or 0)))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


async def test_chat_in_german_then_arabic_right_to_left(site: str, browser: Browser,
                                                        tmp_path: Path) -> None:
    page = await browser.new_page()
    await page.goto(f"{site}/?lang=de")
    await page.fill("#message", "Hallo")
    await page.press("#message", "Enter")
    bot_reply = page.locator("li.bot").first
    await bot_reply.wait_for(timeout=20_000)
    assert (await bot_reply.inner_text()).startswith("Hallo! Ich bin Lotse")
    buttons = page.locator("li.bot .buttons button")
    assert await buttons.count() == 10
    await buttons.first.click()  # "Aufenthalt"
    await page.locator("li.bot").nth(1).wait_for(timeout=20_000)
    await page.screenshot(path=str(tmp_path / "chat-de.png"))

    await page.click("a[data-lang=ar]")
    await page.wait_for_url(f"{site}/?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.fill("#message", "مرحبا")
    await page.press("#message", "Enter")
    reply = page.locator("li.bot").first
    await reply.wait_for(timeout=20_000)
    text = await reply.inner_text()
    assert text.startswith("مرحبًا")
    direction = await reply.evaluate("node => getComputedStyle(node).direction")
    assert direction == "rtl"
    await asyncio.sleep(0)
    await page.screenshot(path=str(tmp_path / "chat-ar.png"))
    await page.close()
