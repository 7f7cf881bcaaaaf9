"""How an answer reads on a phone (390×844), in German and Arabic: a registration answer and a
Welcome Point answer in the web chat of the real app (real Rasa). Sources are short named
links (never an internal id like "seed:002", never a bare URL), the date line says how old
the source is, and a Welcome Point is a compact card with a map button. Screenshots go to
var/screenshots/answer-*-phone.png; look at them."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, Locator, Page

from tests.browser.conftest import PHONE, Site, no_sideways_scroll, onboard, person, say, shoot

TEXTS = {
    "de": {"language": "Deutsch", "city": "Düsseldorf",
           "registration": "Wie melde ich meine Wohnung an?",
           "point": "Wo ist der nächste Welcome Point? Ich wohne in Bilk",
           "as_of": "Stand", "map": "Karte"},
    "ar": {"language": "العربية", "city": "دوسلدورف",
           "registration": "كيف أسجل عنواني؟",
           "point": "وين أقرب نقطة ترحيب؟ أنا ساكن في بيلك",
           "as_of": "تاريخ المعلومات", "map": "الخريطة"},
}
BARE_URL = re.compile(r"https?://|www\.")


async def last_bot(page: Page, count: int) -> Locator:
    """The last `count` bot messages once they are shown."""
    bots = page.locator("li.bot")
    total = await bots.count()
    return bots.nth(total - count)


async def check_sources(message: Locator, as_of: str, online: bool) -> None:
    """Named sources under the answer; `online`: at least one of them is a web page (a
    council document that is not online is named without a link)."""
    text = await message.inner_text()
    assert "seed:" not in text, text
    assert not BARE_URL.search(text), text  # links show names, not addresses
    assert as_of in text, text
    assert (await message.locator(".sources").inner_text()).strip(), text
    links = message.locator(".sources a[href^='https://']")
    assert await links.count() >= (1 if online else 0), text
    for i in range(await links.count()):
        label = (await links.nth(i).inner_text()).strip()
        assert label and not BARE_URL.search(label), label
        assert await links.nth(i).get_attribute("rel") == "noopener noreferrer"


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_answers_on_a_phone(site: Site, chromium: Browser, lang: str) -> None:
    t = TEXTS[lang]
    errors: list[str] = []
    chat = await person(chromium, errors, viewport=PHONE)
    await onboard(chat, site.url, lang, t["language"], t["city"])

    [answer] = await say(chat, t["registration"])
    assert answer["custom"]["kind"] == "faq", answer
    assert answer["custom"]["ref"] == "registration/register_address", answer
    message = await last_bot(chat, 1)
    await message.locator(".sources").wait_for()
    await shoot(chat, f"answer-registration-{lang}-phone")
    await check_sources(message, t["as_of"], online=True)

    replies = await say(chat, t["point"])
    cards = [r for r in replies if r["custom"]["kind"] == "welcome_point"]
    assert cards, replies
    card = await last_bot(chat, 1)
    await card.locator(".sources").wait_for()
    await shoot(chat, f"answer-welcome-point-{lang}-phone")
    await check_sources(card, t["as_of"], online=False)  # seed 002: a council text
    map_button = card.locator("a.link-button", has_text=t["map"])
    assert await map_button.count() == 1
    assert (await map_button.get_attribute("href") or "").startswith(
        "https://www.openstreetmap.org/")
    assert await no_sideways_scroll(chat) == 0
    assert errors == []
