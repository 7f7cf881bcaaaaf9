"""👍 / 👎 under FAQ answers (issue 12): the buttons, one rating per answer, the FAQ and the
language taken from the stored answer, the counsellor offer after 👎, forged presses refused,
and the counts for curation. The web chat of the real app with the real Rasa, on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from yarl import URL

from bot import feedback
from bot.core.types import Reply
from bot.curation.feedback import feedback_by_faq
from bot.nlu.client import RasaClient
from bot.storage.curation_models import Feedback
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.models import Conversation, Message, User
from tests.conftest import app_settings
from tests.test_web import Client, post, start

FAQ = "registration/register_address"
QUESTIONS = {"de": "Wie melde ich meine Wohnung an?", "ar": "كيف أسجل عنواني؟"}
ANOTHER = "Wie finde ich einen Deutschkurs?"  # another FAQ (language/…)
THANKS = {"de": "Danke für Ihre Rückmeldung!", "ar": "شكرًا على رأيك!"}
AGAIN = "Sie haben diese Antwort schon bewertet"
REFUSED = "Diese Bewertung konnte ich nicht speichern"
SORRY = {"de": "Formulieren Sie Ihre Frage gern anders, oder sprechen Sie mit einer Person.",
         "ar": "أعد صياغة سؤالك، أو تحدّث مع شخص."}
PERSON = {"de": "Mit einer Person sprechen", "ar": "التحدث مع شخص"}
PRESS = re.compile(r'^/feedback\{"message":(\d+),"value":(-?1)\}$')


@pytest.fixture
async def chat(database: str, tmp_path: Path, rasa: RasaClient) -> AsyncIterator[Client]:
    settings = app_settings(tmp_path, URL(rasa._url).port or 0)
    client = await start(settings.model_copy(update={"database_url": database}))
    yield client
    await client.close()


async def read(database: str, statement: Any) -> list[Any]:
    engine = create_engine(database)
    async with session_factory(engine)() as session:
        rows = list((await session.execute(statement)).all())
    await engine.dispose()
    return rows


async def ratings(database: str) -> list[tuple[int, str, str, int]]:
    rows = await read(database, select(Feedback.message_id, Feedback.faq, Feedback.language,
                                       Feedback.value).order_by(Feedback.message_id))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def ask(client: Client, sender: str, question: str, lang: str) -> tuple[int, str, str]:
    """An FAQ question; (the question's message id, the 👍 payload, the 👎 payload)."""
    replies = await post(client, sender, question, language=lang)
    answer = replies[-1]
    assert answer["custom"]["kind"] == "faq", answer["text"][:120]
    *_page, up, down = answer["buttons"]
    assert (up["title"], down["title"]) == ("👍", "👎")
    up_match, down_match = PRESS.match(up["payload"]), PRESS.match(down["payload"])
    assert up_match and down_match, answer["buttons"]
    assert up_match.group(1) == down_match.group(1)
    assert (up_match.group(2), down_match.group(2)) == ("1", "-1")
    return int(up_match.group(1)), up["payload"], down["payload"]


async def test_a_rating_is_stored_once_with_the_answers_faq_and_language(
        chat: Client, database: str) -> None:
    question_id, up, down = await ask(chat, "amal", QUESTIONS["de"], "de")
    [[text, direction]] = await read(database, select(Message.text, Message.direction)
                                     .where(Message.id == question_id))
    assert (text, direction) == (QUESTIONS["de"], "in")  # the buttons rate the question
    [state_before] = await read(database, select(Conversation.state, Conversation.status))

    [thanks] = await post(chat, "amal", up, language="de")
    assert (thanks["text"], thanks["custom"]["kind"]) == (THANKS["de"], "feedback")
    assert "buttons" not in thanks
    assert await ratings(database) == [(question_id, FAQ, "de", 1)]
    assert await read(database, select(Conversation.state, Conversation.status)) == \
        [state_before]  # the state machine did not move
    press = (await read(database, select(Message).where(Message.direction == "in")
                        .order_by(Message.id.desc()).limit(1)))[0][0]
    assert (press.text, press.extra, press.intent, press.status) == (
        "", {"payload": up}, "feedback", "answered")  # stored like every pressed button

    for again in (up, down):  # a second press: politely refused, no second row
        [reply] = await post(chat, "amal", again, language="de")
        assert reply["text"].startswith(AGAIN), reply
    assert await ratings(database) == [(question_id, FAQ, "de", 1)]

    other_id, _up, other_down = await ask(chat, "amal", ANOTHER, "de")
    [sorry] = await post(chat, "amal", other_down, language="de")
    assert SORRY["de"] in sorry["text"]
    assert sorry["buttons"] == [{"title": PERSON["de"], "payload": "/human_handoff"}]
    [[other_faq]] = await read(database, select(Feedback.faq)
                               .where(Feedback.message_id == other_id))
    assert other_faq.startswith("language/") and other_faq != FAQ
    assert len(await ratings(database)) == 2

    replies = await post(chat, "amal", "/human_handoff", language="de")  # the offer works
    assert any(r["custom"]["kind"] == "handoff" for r in replies), replies
    assert await read(database, select(Conversation.status)) == [("waiting",)]


async def test_thumbs_down_in_arabic_offers_a_person_in_arabic(chat: Client,
                                                               database: str) -> None:
    question_id, _up, down = await ask(chat, "samir", QUESTIONS["ar"], "ar")
    [sorry] = await post(chat, "samir", down, language="ar")
    assert sorry["text"].startswith("شكرًا") and SORRY["ar"] in sorry["text"]
    assert sorry["buttons"] == [{"title": PERSON["ar"], "payload": "/human_handoff"}]
    assert await ratings(database) == [(question_id, FAQ, "ar", -1)]


async def test_forged_presses_are_refused_politely_and_store_nothing(
        chat: Client, database: str) -> None:
    question_id, up, _down = await ask(chat, "amal", QUESTIONS["de"], "de")
    await post(chat, "mallory", "Hallo", language="de")
    [[greeting_id]] = await read(database, select(Message.id).where(Message.text == "Hallo"))
    forged = [
        up,  # amal's answer, pressed by another user
        feedback.payload(greeting_id, 1),  # mallory's own message, not answered by an FAQ
        feedback.payload(question_id + 10_000, 1),  # no such message
        '/feedback{"message":"abc","value":1}', f'/feedback{{"message":{question_id}}}',
        "/feedback",
    ]
    for payload in forged:
        [reply] = await post(chat, "mallory", payload, language="de")
        assert reply["text"].startswith(REFUSED), (payload, reply)
    [reply] = await post(chat, "amal", f'/feedback{{"message":{question_id},"value":5}}',
                         language="de")
    assert reply["text"].startswith(REFUSED)
    assert await ratings(database) == []
    [thanks] = await post(chat, "amal", up, language="de")  # amal's own press still counts
    assert thanks["text"] == THANKS["de"]
    assert await ratings(database) == [(question_id, FAQ, "de", 1)]


# --- without the web chat: two processes at once, the counts, the pure parts ------------

async def answered_questions(database: str, count: int) -> tuple[int, list[int]]:
    """A user with `count` questions, each answered by an FAQ; (user id, question ids)."""
    await upgrade(database)
    engine = create_engine(database)
    async with session_factory(engine)() as session:
        user = User(channel="web", pseudonym="p", language="de", city="duesseldorf")
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=user.id, state={})
        session.add(conversation)
        await session.flush()
        questions = []
        for i in range(count):
            question = Message(conversation_id=conversation.id, direction="in", text=f"q{i}",
                               language="de", status="answered")
            session.add(question)
            await session.flush()
            language = ("de", "en", "ar")[i % 3]
            session.add(Message(conversation_id=conversation.id, direction="out", text="a",
                                language=language, status="faq", reply_to_id=question.id,
                                extra={"ref": FAQ if i < 4 else "work/find_job"}))
            questions.append(question.id)
        await session.commit()
        user_id = user.id
    await engine.dispose()
    return user_id, questions


async def record_apart(database: str, user_id: int, press: feedback.Press) -> str:
    """One press on a connection (and engine) of its own, as another app process would."""
    engine = create_engine(database)
    try:
        async with session_factory(engine)() as session:
            outcome = await feedback.record(session, user_id, press)
            await session.commit()
            return outcome
    finally:
        await engine.dispose()


async def test_two_processes_pressing_at_once_store_one_rating(database: str) -> None:
    user_id, [question] = await answered_questions(database, 1)
    outcomes = await asyncio.gather(*(record_apart(database, user_id, feedback.Press(
        question, value)) for value in (1, -1, 1, 1)))
    assert sorted(outcomes) == ["again", "again", "again", "stored"]
    assert len(await ratings(database)) == 1


async def test_counts_per_faq_and_language(database: str) -> None:
    user_id, questions = await answered_questions(database, 6)
    for question, value in zip(questions, (1, 1, -1, 1, -1, 1), strict=True):
        assert await record_apart(database, user_id, feedback.Press(question, value)) == "stored"
    assert await record_apart(database, user_id + 1, feedback.Press(questions[0], 1)) == \
        "refused"  # another user
    engine = create_engine(database)
    async with session_factory(engine)() as session:
        counts = await feedback_by_faq(session)
    await engine.dispose()
    assert set(counts) == {FAQ, "work/find_job"}
    # answers 0–3 (de, en, ar, de) rate the registration FAQ, 4–5 (en, ar) find_job
    assert (counts[FAQ].up, counts[FAQ].down) == ({"de": 2, "en": 1, "ar": 0},
                                                  {"de": 0, "en": 0, "ar": 1})
    assert (counts[FAQ].total_up, counts[FAQ].total_down, counts[FAQ].total) == (3, 1, 4)
    assert (counts["work/find_job"].up, counts["work/find_job"].down) == (
        {"de": 0, "en": 0, "ar": 1}, {"de": 0, "en": 1, "ar": 0})


def test_the_buttons_go_under_faq_answers_only_in_the_one_payload_format() -> None:
    replies = [Reply("numbers", kind="emergency"), Reply("answer", kind="faq", ref=FAQ),
               Reply("office", kind="office", ref="housing")]
    offered = feedback.offer(replies, 42)
    assert [r.buttons for r in offered[::2]] == [[], []]
    assert [(b.title, b.payload) for b in offered[1].buttons] == [
        ("👍", '/feedback{"message":42,"value":1}'), ("👎", '/feedback{"message":42,"value":-1}')]
    assert replies[1].buttons == []  # the original is left as it was
    assert feedback.pressed(offered[1].buttons[1].payload) == feedback.Press(42, -1)
    assert json.loads(offered[1].buttons[0].payload[len("/feedback"):]) == {
        "message": 42, "value": 1}


@pytest.mark.parametrize(("data", "press"), [
    ("/residence", None), ("/feedback/x", None), ("hello", None), (None, None),
    ("/feedback", feedback.Press(None, None)),
    ('/feedback{"message":"1e3","value":1}', feedback.Press(None, 1)),
    ('/feedback{"message":7,"value":true}', feedback.Press(7, None)),
    ('/feedback{"message":7,"value":2}', feedback.Press(7, 2)),  # refused when recorded
])
def test_what_counts_as_a_press(data: str | None, press: feedback.Press | None) -> None:
    assert feedback.pressed(data) == press
