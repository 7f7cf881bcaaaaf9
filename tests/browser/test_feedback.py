"""👍 / 👎 under an FAQ answer in the web chat (Arabic on a phone, German on a desktop): the
buttons have names for screen readers, one press disables both, the thanks follows.
Screenshots: var/screenshots/feedback-ar-phone.png and feedback-de-desktop.png; look at them
(the emoji need Debian's fonts-noto-color-emoji, which `./lotse test` installs)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    WAIT,
    Site,
    no_sideways_scroll,
    onboard,
    person,
    say,
    shoot,
)

TEXTS: dict[str, dict[str, Any]] = {
    "de": {"language": "Deutsch", "city": "Düsseldorf",
           "question": "Wie melde ich meine Wohnung an?",
           "labels": ["Hilfreich", "Nicht hilfreich"], "thanks": "Danke für Ihre Rückmeldung!",
           "viewport": DESKTOP, "shot": "feedback-de-desktop"},
    "ar": {"language": "العربية", "city": "دوسلدورف", "question": "كيف أسجل عنواني؟",
           "labels": ["مفيد", "غير مفيد"], "thanks": "شكرًا على رأيك!",
           "viewport": PHONE, "shot": "feedback-ar-phone"},
}


@pytest.mark.parametrize("lang", ["ar", "de"])
async def test_rating_an_answer_in_the_web_chat(site: Site, chromium: Browser, lang: str) -> None:
    t = TEXTS[lang]
    errors: list[str] = []
    chat = await person(chromium, errors, viewport=t["viewport"])
    await onboard(chat, site.url, lang, t["language"], t["city"])
    [answer] = await say(chat, t["question"])
    assert answer["custom"]["kind"] == "faq", answer

    bots = chat.locator("li.bot")
    message = bots.nth(await bots.count() - 1)  # the answer (not whatever comes last later)
    rating = message.locator(".buttons.feedback button")
    await rating.first.wait_for(timeout=WAIT)
    assert await rating.all_inner_texts() == ["👍", "👎"]
    assert [await rating.nth(i).get_attribute("aria-label") for i in range(2)] == t["labels"]
    assert [await rating.nth(i).get_attribute("title") for i in range(2)] == t["labels"]
    assert await message.locator("a.link-button").count() == 1  # the office page stays apart
    await message.scroll_into_view_if_needed()
    await shoot(chat, t["shot"])

    await rating.first.click()
    await chat.locator("li.bot", has_text=t["thanks"]).wait_for(timeout=WAIT)
    assert [await rating.nth(i).is_disabled() for i in range(2)] == [True, True]
    assert await rating.first.get_attribute("aria-pressed") == "true"
    assert await no_sideways_scroll(chat) == 0
    assert errors == []
