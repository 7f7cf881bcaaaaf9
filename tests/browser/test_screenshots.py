"""Screenshots of the handoff in German and Arabic at desktop (1280×800) and phone (390×844)
width: the console's queue (several waiting, active and urgent conversations), a
conversation (user, bot and counsellor messages, an internal note, the transitions) and the
web chat with a counsellor's reply. The conversations are real: the other users talk to the
real app (real Rasa) through the chat service, the main one through the web chat page.
Arabic pages must be right-to-left; nothing may stick out sideways on a phone."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import func, select, update

from bot.core.types import Incoming
from bot.handoff.service import Counsellor
from bot.storage.models import Conversation, utcnow
from bot.web.keys import HANDOFFS, SERVICE
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    WAIT,
    Site,
    add_counsellor,
    console_language,
    go_online,
    log_in,
    no_sideways_scroll,
    onboard,
    person,
    say,
    shoot,
)

TEXTS = {
    "de": {
        "name": "Amal Haddad", "language": "Deutsch", "city": "Düsseldorf",
        "title": "Lotse-Konsole",
        "question": "Wie melde ich meine Wohnung an?",
        "human": "Ich möchte mit einem Menschen sprechen",
        "reply": "Guten Tag, ich bin Amal von der Beratung. Worum geht es genau?",
        "user": "Mein Vermieter gibt mir keine Wohnungsgeberbestätigung. Was kann ich tun?",
        "note": "Vermieter verweigert die Wohnungsgeberbestätigung – auf die Pflicht nach "
                "§ 19 BMG hinweisen, sonst Termin im Bürgerbüro vorschlagen.",
        "reply2": "Ihr Vermieter muss Ihnen die Bestätigung geben, das ist Pflicht. Ich schicke "
                  "Ihnen gleich die Adresse des Bürgerbüros, dort hilft man Ihnen weiter.",
    },
    "ar": {
        "name": "أمل حداد", "language": "العربية", "city": "دوسلدورف",
        "title": "لوحة تحكم لوتسه",
        "question": "كيف أسجل عنواني؟",
        "human": "أريد التحدث مع شخص حقيقي",
        "reply": "مرحبًا، أنا أمل من فريق الاستشارة. كيف يمكنني مساعدتك؟",
        "user": "صاحب البيت لا يعطيني تأكيد السكن. ماذا أفعل؟",
        "note": "المؤجر يرفض إعطاء تأكيد السكن – التذكير بأنه ملزم قانونيًا، وإلا اقتراح "
                "موعد في مكتب المواطنين.",
        "reply2": "صاحب البيت ملزم قانونيًا بإعطائك التأكيد. سأرسل لك الآن عنوان مكتب "
                  "المواطنين، وهناك سيساعدونك.",
    },
}
def onboarding(lang: str, city: str) -> tuple[str, ...]:
    return ("/start", f'/change_language{{"language":"{lang}"}}',
            f'/set_city{{"city":"{city}"}}')


async def talk(site: Site, channel: str, sender: str, lang: str, *messages: str) -> int:
    """A user's messages to the real app (a leading '/' is a button); the conversation id."""
    service = site.app[SERVICE]
    for message in messages:
        payload = message if message.startswith("/") else None
        await service.handle(Incoming(channel, sender, "" if payload else message, lang,
                                      payload=payload))
    async with site.db() as session:
        cid = await session.scalar(select(func.max(Conversation.id)))
    assert cid is not None
    return int(cid)


async def ago(site: Site, cid: int, minutes: int) -> None:
    """As if the conversation had been waiting or with a person for a while."""
    since = utcnow() - dt.timedelta(minutes=minutes)
    async with site.db() as session:
        await session.execute(update(Conversation).where(Conversation.id == cid)
                              .values(status_since=since, started_at=since))
        await session.commit()


async def other_conversations(site: Site, jonas: int) -> dict[int, str]:
    """Four more users in the queue: urgent, waiting, with another counsellor; their status."""
    handoffs = site.app[HANDOFFS]
    urgent = await talk(site, "telegram", "880001", "ar", *onboarding("ar", "duesseldorf"),
                        "/human_handoff", "زوجي عم يضربني وأنا خائفة على حياتي")
    await ago(site, urgent, 3)
    english = await talk(site, "web", "seed-en", "en", *onboarding("en", "leipzig"),
                         "How do I register my apartment?", "/human_handoff",
                         "I have an appointment next week but no confirmation from my landlord")
    await ago(site, english, 17)
    kita = await talk(site, "telegram", "880002", "de", *onboarding("de", "duesseldorf"),
                      "Wie finde ich einen Kita-Platz für meine Tochter?", "/human_handoff")
    assert await handoffs.claim(kita, Counsellor(jonas, "counsellor")) is None
    assert await handoffs.reply(kita, Counsellor(jonas, "counsellor"),
                                "Guten Tag, ich helfe Ihnen gern mit dem Kita-Gutschein.") is None
    await ago(site, kita, 42)
    course = await talk(site, "web", "seed-ar", "ar", *onboarding("ar", "leipzig"),
                        "أين أجد دورة لغة ألمانية؟", "/human_handoff")
    await ago(site, course, 6)
    await handoffs.seen(jonas, "away")
    async with site.db() as session:
        rows = await session.execute(select(Conversation.id, Conversation.status,
                                            Conversation.urgent))
        found = {cid: (status, is_urgent) for cid, status, is_urgent in rows}
    assert found[urgent] == ("waiting", True), found
    assert found[english] == ("waiting", False) and found[course] == ("waiting", False)
    assert found[kita] == ("human", False)
    return {cid: status for cid, (status, _urgent) in found.items()}


async def both_widths(page: Page, name: str, problems: list[str]) -> None:
    """Desktop, then phone: a screenshot each; sideways overflow on a phone is a problem."""
    await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    await shoot(page, f"{name}-desktop")
    await page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await shoot(page, f"{name}-phone")
    if (extra := await no_sideways_scroll(page)) > 0:
        problems.append(f"{name}: {extra} px wider than the phone's 390 px")
    await page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["de", "ar"])
async def test_handoff_screenshots(site: Site, chromium: Browser, lang: str) -> None:
    t = TEXTS[lang]
    direction = "rtl" if lang == "ar" else "ltr"
    amal = await add_counsellor(site.db, "amal", t["name"], language="en")
    jonas = await add_counsellor(site.db, "jonas", "Jonas Becker" if lang == "de"
                                 else "يوناس بيكر")
    await other_conversations(site, jonas)
    errors: list[str] = []
    problems: list[str] = []

    console = await person(chromium, errors)
    await console.goto(f"{site.url}/console/login?lang={lang}")
    assert await console.get_attribute("html", "dir") == direction  # before login: ?lang=
    await log_in(console, site.url, "amal", lang)
    assert await console.get_attribute("html", "lang") == "en"  # then the user's setting
    await console_language(console, lang)  # POST /console/language
    assert await console.get_attribute("html", "dir") == direction
    await go_online(console)

    chat = await person(chromium, errors)
    await onboard(chat, site.url, lang, t["language"], t["city"])
    assert await chat.get_attribute("html", "dir") == direction
    answer = await say(chat, t["question"])
    assert answer and answer[0]["custom"]["kind"] in ("faq", "office"), answer
    [waiting] = await say(chat, t["human"])
    assert waiting["custom"]["kind"] == "handoff"
    async with site.db() as session:
        cid = int(await session.scalar(select(func.max(Conversation.id))) or 0)

    row = console.locator(f"tr.row.status-waiting[data-conversation='{cid}']")
    await row.wait_for(timeout=WAIT)  # live
    await row.locator("a").first.click()
    await console.wait_for_url(f"**/console/conversations/{cid}")
    await console.click("#panel form[action$='/claim'] button[type=submit]")
    await console.locator("#reply-form").wait_for(timeout=WAIT)
    await console.fill("#reply-text", t["reply"])
    await console.click("#reply-form button[type=submit]")
    await chat.locator("li.bot.counsellor", has_text=t["reply"]).wait_for(timeout=WAIT)
    assert await say(chat, t["user"]) == []
    await console.locator(".line-user .bubble", has_text=t["user"]).wait_for(timeout=WAIT)
    await console.fill("#note-text", t["note"])
    await console.click(".note-form button[type=submit]")
    await console.locator(".line-note .bubble", has_text=t["note"]).wait_for(timeout=WAIT)
    await console.fill("#reply-text", t["reply2"])
    await console.click("#reply-form button[type=submit]")
    await console.locator(".line-counsellor .bubble", has_text=t["reply2"]).wait_for(
        timeout=WAIT)
    reply = chat.locator("li.bot.counsellor", has_text=t["reply2"])
    await reply.wait_for(timeout=WAIT)
    assert await reply.evaluate("n => getComputedStyle(n).direction") == direction
    assert await chat.locator(f"li.bot:has-text('{t['note'][:20]}')").count() == 0  # internal

    # the conversation: every kind of line, the note marked internal
    assert await console.get_attribute("html", "dir") == direction
    assert await console.locator(".line-system").count() >= 2  # asked, claimed
    assert await console.locator(".line-bot").count() >= 2
    assert await console.locator(".line-note .badge-note").count() == 1
    await both_widths(console, f"console-conversation-{lang}", problems)
    await both_widths(chat, f"chat-handoff-{lang}", problems)

    await console.goto(f"{site.url}/console/")
    assert await console.get_attribute("html", "dir") == direction
    assert await console.title() == f"(3) {t['title']}"  # three waiting
    assert await console.locator("tr.row").count() == 5
    assert await console.locator("tr.row.urgent").count() == 1
    assert await console.locator("tr.row.status-human").count() == 2
    assert await console.locator(f"tr.row.status-human[data-conversation='{cid}']").count() == 1
    await both_widths(console, f"console-queue-{lang}", problems)

    async with site.db() as session:
        mine = await session.scalar(select(Conversation.assignee_id).where(
            Conversation.id == cid))
    assert mine == amal
    assert errors == []
    assert problems == []
