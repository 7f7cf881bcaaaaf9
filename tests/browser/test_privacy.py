"""Privacy in the web chat, in Chromium (German and Arabic, desktop and phone width): the
link under the chat opens the notice (how long, how to delete, Telegram is not end-to-end
encrypted) with "my data" and "delete my data"; the download is a JSON file of this chat's
messages; deletion asks first, then the page shows only the confirmation — and the
counsellor's open conversation page turns into "deleted by the user" by itself.

Screenshots: var/screenshots/privacy-{de,ar}-{desktop,phone}.png, privacy-deleted-*.png and
console-deleted-{de,ar}-{desktop,phone}.png.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import select

from bot.storage.models import Conversation, User
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    WAIT,
    Site,
    add_counsellor,
    log_in,
    no_sideways_scroll,
    onboard,
    person,
    say,
    shoot,
)

TEXTS = {
    "de": {"language": "Deutsch", "city": "Leipzig", "question": "Wo melde ich mich an?",
           "link": "Datenschutz und Ihre Daten", "notice": "nicht Ende-zu-Ende-verschlüsselt",
           "days": "90 Tage", "mine": "Meine Daten", "download": "Meine Daten herunterladen",
           "delete": "Meine Daten löschen", "yes": "Ja, alles löschen", "done": "Erledigt",
           "deleted": "Gespräch gelöscht"},
    "ar": {"language": "العربية", "city": "لايبزيغ", "question": "أين أسجل عنواني؟",
           "link": "الخصوصية وبياناتك", "notice": "ليست مشفّرة من طرف إلى طرف",
           "days": "90 يومًا", "mine": "بياناتي", "download": "تنزيل بياناتي",
           "delete": "احذف بياناتي", "yes": "نعم، احذف كل شيء", "done": "حُذف كل ما كان",
           "deleted": "حُذفت المحادثة"},
}


async def last_bot(page: Page, has_text: str) -> None:
    await page.locator("li.bot", has_text=has_text).last.wait_for(timeout=WAIT)


async def counsellor_watching(site: Site, chromium: Browser, lang: str,
                              ) -> tuple[Page, list[str]]:
    """A counsellor with the newcomer's conversation open in the console."""
    await add_counsellor(site.db, f"cara_{lang}", "Cara", language=lang)
    errors: list[str] = []
    page = await person(chromium, errors)
    await log_in(page, site.url, f"cara_{lang}", lang)
    async with site.db() as session:
        cid = await session.scalar(select(Conversation.id).order_by(Conversation.id.desc()))
    await page.goto(f"{site.url}/console/conversations/{cid}")
    await page.locator("#transcript").wait_for(timeout=WAIT)
    return page, errors


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_privacy_notice_my_data_and_deletion(site: Site, chromium: Browser, lang: str,
                                                   tmp_path: Path) -> None:
    t = TEXTS[lang]
    errors: list[str] = []
    chat = await person(chromium, errors)
    await onboard(chat, site.url, lang, t["language"], t["city"])
    await say(chat, t["question"])
    await chat.click("#privacy")
    await last_bot(chat, t["notice"])
    notice = chat.locator("li.bot", has_text=t["notice"]).last
    assert t["days"] in await notice.inner_text()
    await notice.scroll_into_view_if_needed()
    await shoot(chat, f"privacy-{lang}-desktop")
    await chat.set_viewport_size(PHONE)
    await notice.scroll_into_view_if_needed()
    await shoot(chat, f"privacy-{lang}-phone")
    assert await no_sideways_scroll(chat) == 0

    await notice.locator("button", has_text=t["mine"]).first.click()
    link = chat.locator("li.bot a.link-button[download]").last
    await link.wait_for(timeout=WAIT)
    assert t["download"] in await link.inner_text()
    async with chat.expect_download() as info:
        await link.click()
    download = await info.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    said = [m["text"] for c in data["conversations"] for m in c["messages"] if m["from"] == "you"]
    assert t["question"] in said and data["channel"] == "web"

    console, console_errors = await counsellor_watching(site, chromium, lang)
    await chat.set_viewport_size(DESKTOP)
    await notice.locator("button", has_text=t["delete"]).click()
    await chat.locator("li.bot button", has_text=t["yes"]).last.click()
    await last_bot(chat, t["done"])
    assert await chat.locator("#log li").count() == 1  # nothing of it is shown any more
    await shoot(chat, f"privacy-deleted-{lang}-desktop")
    await chat.set_viewport_size(PHONE)
    await shoot(chat, f"privacy-deleted-{lang}-phone")

    await console.locator("h1", has_text=t["deleted"]).wait_for(timeout=WAIT)  # live
    await shoot(console, f"console-deleted-{lang}-desktop")
    await console.set_viewport_size(PHONE)
    await shoot(console, f"console-deleted-{lang}-phone")
    assert await no_sideways_scroll(console) == 0
    assert all(e.startswith("410 ") for e in console_errors), console_errors
    async with site.db() as session:
        assert (await session.scalars(select(User))).all() == []
    await chat.reload()  # a new beginning: the welcome again, as a new user
    await chat.locator("li.bot").first.wait_for(timeout=WAIT)
    assert errors == []
