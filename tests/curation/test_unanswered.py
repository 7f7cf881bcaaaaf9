"""The unanswered queue: messages that ended in the fallback or a clarification and answers
rated 👎, masked before staff see them; adding one as a training example (one NLU document
changes, audited), out of scope, dismiss; only staff and admins; CSRF. The query on SQLite
and PostgreSQL; screenshots in Arabic (desktop) and German (phone)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from playwright.async_api import Browser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.curation.documents import documents, live_revision
from bot.curation.unanswered import queue
from bot.storage.curation_models import Feedback, KnowledgeChange, UnansweredReview
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, Message, User, utcnow
from tests.conftest import SCREENSHOTS
from tests.console.conftest import PASSWORD, Console, console

__all__ = ["console"]
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")

PAGE = "/console/unanswered"
# What sticks out of the viewport sideways (named in the failure).
WIDER_THAN_THE_PAGE = """[...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
      || e.getBoundingClientRect().left < -1).slice(0, 8).map(
    e => e.tagName + '.' + e.className + '#' + e.id)"""
RAW_DE = ("Hallo, ich bin Ahmad Al-Hassan, meine Nummer ist 0176 12345678. "
          "Wie lange dauert die Verlängerung vom Aufenthaltstitel in Eller?")
RAW_AR = "اسمي أحمد، رقمي 00963 944 123 456، كيف أسجل عنواني في بيلك؟"
RAW_EN = "my name is John Smith, mail john.smith@example.org – where is the Ausländerbehörde?"
SECRETS = ("Ahmad", "Hassan", "12345678", "0176", "أحمد", "944 123", "John", "Smith",
           "example.org")


async def conversation(db: async_sessionmaker[AsyncSession], language: str) -> int:
    async with db() as session:
        user = User(channel="web", pseudonym=f"p-{utcnow().timestamp()}", language=language,
                    city="duesseldorf")
        session.add(user)
        await session.flush()
        talk = Conversation(user_id=user.id, state={"language": language}, status="bot")
        session.add(talk)
        await session.commit()
        return talk.id


async def exchange(db: async_sessionmaker[AsyncSession], text: str, language: str,
                   reply_kind: str, *, topic: str | None = None, intent: str | None = None,
                   rated: tuple[str, int] | None = None, minutes_ago: int = 0) -> int:
    """A user's message and the bot's reply of `reply_kind` (and a rating); the message id."""
    cid = await conversation(db, language)
    at = utcnow() - dt.timedelta(minutes=minutes_ago)
    async with db() as session:
        question = Message(conversation_id=cid, direction="in", text=text, language=language,
                           status="answered", topic=topic, intent=intent, confidence=0.3,
                           created_at=at)
        session.add(question)
        await session.flush()
        session.add(Message(conversation_id=cid, direction="out", text="…", language=language,
                            status=reply_kind, reply_to_id=question.id, created_at=at))
        if rated is not None:
            session.add(Feedback(message_id=question.id, conversation_id=cid, faq=rated[0],
                                 language=language, value=rated[1]))
        await session.commit()
        return question.id


@pytest.fixture
async def messages(console: Console) -> dict[str, int]:
    db = console.db
    return {
        "de": await exchange(db, RAW_DE, "de", "out_of_scope", topic="residence",
                             intent="nlu_fallback", minutes_ago=30),
        "ar": await exchange(db, RAW_AR, "ar", "clarify", topic="registration", minutes_ago=20),
        "en": await exchange(db, RAW_EN, "en", "faq", intent="residence/permit_extend",
                             rated=("residence/permit_extend", -1), minutes_ago=10),
        "liked": await exchange(db, "Wie melde ich mich an?", "de", "faq", topic="registration",
                                rated=("registration/register_address", 1)),
        "answered": await exchange(db, "Wo ist das Jobcenter?", "de", "faq", topic="work"),
    }


async def staff(console: Console, language: str = "en") -> Any:
    await console.user("sara", "staff", name="Sara Staff")
    if language != "en":
        async with console.db() as session:
            user = await session.scalar(select(ConsoleUser).where(ConsoleUser.username == "sara"))
            assert user is not None
            user.language = language
            await session.commit()
    return await console.as_user("sara")


async def test_the_queue_shows_masked_texts_only(console: Console,
                                                 messages: dict[str, int]) -> None:
    browser = await staff(console)
    response = await browser.get(PAGE)
    assert response.status == 200
    html = await response.text()
    for secret in SECRETS:
        assert secret not in html, secret
    assert "[NAME]" in html and "[PHONE]" in html and "[EMAIL]" in html
    assert "Wie lange dauert die Verlängerung vom Aufenthaltstitel in Eller?" in html
    assert "كيف أسجل عنواني في بيلك؟" in html
    for key in ("de", "ar", "en"):
        assert f'action="/console/unanswered/{messages[key]}/example"' in html
    for key in ("liked", "answered"):
        assert f"/console/unanswered/{messages[key]}/" not in html
    assert 'dir="auto"' in html
    assert "Not understood" in html and "Asked to clarify" in html and "Rated 👎" in html
    assert "Unknown topic" in html  # the rated English question has no topic
    assert html.index('id="topic-residence"') < html.index('id="topic-unknown"')
    assert '<option value="residence/permit_extend">' in html
    assert '<option value="greet">' in html


async def test_add_as_training_example(console: Console, messages: dict[str, int]) -> None:
    browser = await staff(console)
    await browser.get(PAGE)
    async with console.db() as session:
        before, revision = await documents(session), await live_revision(session)
    example = "wie lange dauert die verlängerung vom aufenthaltstitel, ich bin [NAME]"
    response = await browser.post(f"{PAGE}/{messages['de']}/example",
                                  {"intent": "residence/permit_extend", "text": example})
    assert response.status == 303 and response.headers["Location"] == PAGE
    async with console.db() as session:
        after = await documents(session)
        change = await session.scalar(select(KnowledgeChange).where(
            KnowledgeChange.id > revision))
        decision = await session.get(UnansweredReview, messages["de"])
    changed = [p for p in after if after[p] != before.get(p)]
    assert changed == ["nlu/data/residence.yml"]
    blocks = [b for b in yaml.safe_load(after[changed[0]])["nlu"]
              if b["intent"] == "residence/permit_extend" and b["metadata"]["language"] == "de"]
    assert [b["examples"].splitlines()[-1] for b in blocks] == [f"- {example}"]
    assert change is not None and change.kind == "example"
    assert change.target == "intent residence/permit_extend" and change.field == "examples.de"
    assert change.path == "nlu/data/residence.yml" and change.new_value == example
    assert change.actor_name == "Sara Staff"
    assert decision is not None and decision.decision == "example"
    assert decision.intent == "residence/permit_extend"
    html = await (await browser.get(PAGE)).text()
    assert f"/console/unanswered/{messages['de']}/" not in html
    assert "It takes effect with the next" in html  # the notice of the added example


async def test_out_of_scope_and_dismiss(console: Console, messages: dict[str, int]) -> None:
    browser = await staff(console)
    await browser.get(PAGE)
    response = await browser.post(f"{PAGE}/{messages['ar']}/out_of_scope",
                                  {"intent": "", "text": "ما هو أفضل مطعم شاورما في المدينة"})
    assert response.status == 303
    async with console.db() as session:
        docs = await documents(session)
        revision = await live_revision(session)
        kinds = list(await session.scalars(select(KnowledgeChange.kind)))
    parsed = yaml.safe_load(docs["nlu/data/out_of_scope.yml"])["nlu"]
    assert parsed == [{"intent": "out_of_scope", "metadata": {"language": "ar"},
                       "examples": "- ما هو أفضل مطعم شاورما في المدينة\n"}]
    assert kinds[-1] == "out_of_scope"
    await browser.get(PAGE)
    response = await browser.post(f"{PAGE}/{messages['en']}/dismiss")
    assert response.status == 303
    async with console.db() as session:
        assert await live_revision(session) == revision  # no document changed
        decisions = {r.message_id: (r.decision, r.intent)
                     for r in await session.scalars(select(UnansweredReview))}
    assert decisions == {messages["ar"]: ("out_of_scope", "out_of_scope"),
                         messages["en"]: ("dismissed", None)}
    html = await (await browser.get(PAGE)).text()
    assert "Dismissed." in html
    assert f"/console/unanswered/{messages['en']}/" not in html
    again = await browser.post(f"{PAGE}/{messages['en']}/dismiss")  # already reviewed
    assert again.status == 303
    assert "already been reviewed" in await (await browser.get(PAGE)).text()


async def test_refusals_keep_the_message(console: Console, messages: dict[str, int]) -> None:
    browser = await staff(console)
    await browser.get(PAGE)
    async with console.db() as session:
        revision = await live_revision(session)
    for data, notice in (({"intent": "no/such_intent", "text": "etwas"}, "choose an intent"),
                         ({"intent": "residence/permit_extend", "text": "  "}, "is empty"),
                         ({"intent": "greet", "text": "hallo"}, "already exists")):
        response = await browser.post(f"{PAGE}/{messages['de']}/example", data)
        assert response.status == 303
        html = await (await browser.get(PAGE)).text()
        assert notice in html, notice
        assert f"/console/unanswered/{messages['de']}/example" in html
    async with console.db() as session:
        assert await live_revision(session) == revision
        assert await session.get(UnansweredReview, messages["de"]) is None


async def test_counsellors_and_strangers_are_refused(console: Console,
                                                     messages: dict[str, int]) -> None:
    await console.user("carl", "counsellor")
    counsellor = await console.as_user("carl")
    assert (await counsellor.get(PAGE)).status == 403
    response = await counsellor.post(f"{PAGE}/{messages['de']}/dismiss")
    assert response.status == 403
    stranger = console.browser()
    response = await stranger.get(PAGE)
    assert response.status == 302 and response.headers["Location"] == "/console/login"
    assert (await stranger.post(f"{PAGE}/{messages['de']}/dismiss")).status == 401
    await console.user("ada", "admin")
    assert (await (await console.as_user("ada")).get(PAGE)).status == 200
    async with console.db() as session:
        assert await session.get(UnansweredReview, messages["de"]) is None


async def test_csrf_missing_or_wrong_is_refused(console: Console,
                                                messages: dict[str, int]) -> None:
    browser = await staff(console)
    await browser.get(PAGE)
    for token in ("", "forged"):
        response = await browser.post(f"{PAGE}/{messages['de']}/example",
                                      {"intent": "residence/permit_extend", "text": "neu"},
                                      csrf=token)
        assert response.status == 403
    async with console.db() as session:
        assert await session.get(UnansweredReview, messages["de"]) is None


# --- the query on both databases -------------------------------------------------------

@pytest.fixture
def db(migrated: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    return migrated


async def test_query_groups_newest_first_with_counts(
        db: async_sessionmaker[AsyncSession]) -> None:
    first = await exchange(db, "eins", "de", "out_of_scope", topic="housing", minutes_ago=50)
    second = await exchange(db, "zwei", "de", "clarify", topic="housing", minutes_ago=40)
    third = await exchange(db, "drei", "ar", "clarify", topic="school", minutes_ago=30)
    unknown = await exchange(db, "vier", "en", "out_of_scope", minutes_ago=20)
    rated = await exchange(db, "fünf", "de", "faq", topic="housing", minutes_ago=10,
                           rated=("housing/rent", -1))
    await exchange(db, "sechs", "de", "faq", topic="housing", rated=("housing/rent", 1))
    await exchange(db, "", "de", "clarify", topic="housing")  # a button press: no text
    reviewed = await exchange(db, "sieben", "de", "clarify", topic="housing")
    async with db() as session:
        session.add(UnansweredReview(message_id=reviewed, decision="dismissed"))
        await session.commit()
        groups = await queue(session)
        limited = await queue(session, limit=2)
    shape = [(g.topic, g.count, [i.id for i in g.items]) for g in groups]
    assert shape == [("housing", 3, [rated, second, first]), ("school", 1, [third]),
                     (None, 1, [unknown])]
    by_id = {i.id: i for g in groups for i in g.items}
    assert by_id[rated].reasons == ("rated_down",) and by_id[rated].faq == "housing/rent"
    assert by_id[first].reasons == ("fallback",) and by_id[second].reasons == ("clarify",)
    assert [(g.topic, g.count, len(g.items)) for g in limited] == [
        ("housing", 3, 1), ("school", 1, 0), (None, 1, 1)]


# --- screenshots ------------------------------------------------------------------------

async def test_screenshots(console: Console, messages: dict[str, int],
                           chromium: Browser) -> None:
    await console.user("sara", "staff", name="سارة")
    await console.user("jonas", "staff", name="Jonas")
    async with console.db() as session:
        for name, language in (("sara", "ar"), ("jonas", "de")):
            user = await session.scalar(select(ConsoleUser).where(ConsoleUser.username == name))
            assert user is not None
            user.language = language
        await session.commit()
    errors: list[str] = []
    for username, width, height, name in (("sara", 1280, 800, "unanswered-ar-desktop"),
                                          ("jonas", 390, 844, "unanswered-de-phone")):
        page = await chromium.new_page(viewport={"width": width, "height": height})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(str(console.server.make_url("/console/login")))
        await page.fill("#username", username)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit].primary")
        await page.wait_for_url("**/console/")
        await page.goto(str(console.server.make_url(PAGE)))
        expected = "rtl" if username == "sara" else "ltr"
        assert await page.get_attribute("html", "dir") == expected
        html = await page.content()
        assert all(secret not in html for secret in SECRETS)
        await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert await page.evaluate(WIDER_THAN_THE_PAGE) == [], name
        assert await page.evaluate("document.documentElement.scrollWidth") <= width, name
        await page.close()
    assert errors == []
