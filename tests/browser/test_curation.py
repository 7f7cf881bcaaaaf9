"""Staff in Chromium: an Arabic answer edited in the console reaches the web chat of another
app worker (same database) within seconds; the FAQ editor and the lists in Arabic and German
at desktop and phone width, without CSP violations (screenshots in var/screenshots/)."""

from __future__ import annotations

import time

from aiohttp import web
from playwright.async_api import Browser

from bot.curation import edits
from bot.curation.documents import Actor
from bot.curation.records import RecordRef
from bot.web.app import create_app
from bot.web.keys import SETTINGS
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    STAFF_VIEWS,
    WAIT,
    Site,
    add_counsellor,
    add_two_staff,
    log_in,
    no_sideways_scroll,
    onboard,
    person,
    say,
    shoot,
)
from tests.conftest import free_port

FAQ = "/console/knowledge/faq/registration/register_address"
NEW_ANSWER = ("سجّل عنوانك في مكتب خدمة المواطنين خلال أسبوعين من الانتقال. "
              "هذه إجابة عدّلها فريق العمل للتجربة.")


async def test_an_arabic_edit_reaches_another_worker_within_seconds(
        site: Site, chromium: Browser) -> None:
    settings = site.app[SETTINGS].model_copy(update={"port": free_port()})
    worker = web.AppRunner(create_app(settings), shutdown_timeout=5)  # a second app worker
    await worker.setup()
    await web.TCPSite(worker, "127.0.0.1", settings.port).start()
    other = f"http://127.0.0.1:{settings.port}"
    try:
        await add_counsellor(site.db, "salma", "سلمى", language="ar", role="staff")
        errors: list[str] = []
        staff = await person(chromium, errors, viewport=DESKTOP)
        await log_in(staff, site.url, "salma", "ar")
        await staff.goto(site.url + FAQ)
        answer = staff.locator("textarea[name='answer.ar']")
        assert await answer.get_attribute("dir") == "rtl"
        assert await staff.get_attribute("html", "dir") == "rtl"
        await shoot(staff, "knowledge-faq-ar-desktop")

        chat = await person(chromium, errors, viewport=PHONE)
        await onboard(chat, other, "ar", "العربية", "دوسلدورف")
        [before] = await say(chat, "كيف أسجل عنواني؟")
        assert before["custom"]["ref"] == "registration/register_address", before
        assert NEW_ANSWER not in before["text"]

        await answer.fill(NEW_ANSWER)
        await staff.click("form[action$='/edit'] button[type=submit]")
        await staff.locator("p.notice").wait_for(timeout=WAIT)
        saved = time.monotonic()
        seconds = None
        while time.monotonic() - saved < 10:
            [reply] = await say(chat, "كيف أسجل عنواني؟")
            if NEW_ANSWER in reply["text"]:
                seconds = time.monotonic() - saved
                break
        assert seconds is not None, "the other worker still answers with the old text"
        print(f"\nthe edit reached the other worker's chat after {seconds:.1f} s")
        await chat.locator("li.bot", has_text="هذه إجابة عدّلها").last.wait_for(timeout=WAIT)
        await shoot(chat, "knowledge-edit-in-chat-ar-phone")
        assert errors == []
    finally:
        await worker.cleanup()


async def test_the_knowledge_screens_in_arabic_and_german(site: Site, chromium: Browser) -> None:
    await add_two_staff(site.db)
    async with site.db() as session:  # two changes, so the audit log has rows to show
        stefan = Actor(None, "Stefan")
        await edits.verify(session, RecordRef("office", "registration_office", "leipzig"),
                           stefan)
        await edits.edit(session, RecordRef("faq", "registration/register_address"),
                         {("answer", "en"): "Register your address within two weeks."},
                         stefan)
        await session.commit()
    errors: list[str] = []
    for username, lang, viewport, kind in STAFF_VIEWS:
        page = await person(chromium, errors, viewport=viewport)
        await log_in(page, site.url, username, lang)
        for path, name in ((FAQ, "faq"), ("/console/knowledge", "faqs"),
                           ("/console/knowledge/welcome_point/duesseldorf/dus-wp-1", "point"),
                           ("/console/knowledge/places", "places"),
                           ("/console/knowledge/changes", "changes")):
            await page.goto(site.url + path)
            assert await page.get_attribute("html", "lang") == lang
            await shoot(page, f"knowledge-{name}-{lang}-{kind}")
            if kind == "phone" and name in ("faq", "point"):
                assert await no_sideways_scroll(page) == 0, path
        await page.context.close()
    assert errors == []
