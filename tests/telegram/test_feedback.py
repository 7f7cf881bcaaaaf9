"""👍 / 👎 on Telegram: inline buttons under an FAQ answer, the callback accepted by the
allow-list, the answer's keyboard settled after the press, one rating stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import feedback
from bot.kb.model import Knowledge
from bot.storage.curation_models import Feedback
from bot.telegram.callbacks import CallbackValidator
from tests.telegram.apicheck import visible
from tests.telegram.harness import Harness
from tests.telegram.test_journey import start_and_choose, texts


def validator(knowledge: Knowledge) -> CallbackValidator:
    return CallbackValidator(knowledge.cities, knowledge.faqs)


@pytest.mark.parametrize("data", [
    feedback.payload(1, 1), feedback.payload(123456, -1),
    feedback.payload(999_999_999_999_999_999, 1),  # 18 digits: 49 bytes
])
def test_feedback_callback_data_is_allowed(knowledge: Knowledge, data: str) -> None:
    assert validator(knowledge).parse(data) == data


@pytest.mark.parametrize("data", [
    '/feedback{"message":1234567890123456789,"value":1}',  # 19 digits
    '/feedback{"message":' + "1" * 44 + ',"value":1}',  # over 64 bytes
    '/feedback{"message":12,"value":0}', '/feedback{"message":12,"value":2}',
    '/feedback{"message":12,"value":+1}', '/feedback{"message":12,"value":"1"}',
    '/feedback{"message":12,"value":-1.0}',  # wrong values
    '/feedback{"message":"12","value":1}', '/feedback{"message":abc,"value":1}',
    '/feedback{"message":-12,"value":1}', '/feedback{"message":0,"value":1}',
    '/feedback{"message":012,"value":1}', '/feedback{"message":1e3,"value":1}',  # not an id
    '/feedback{"message": 12, "value": 1}', '/feedback{"value":1,"message":12}',
    '/feedback{"message":12,"value":1,"x":1}', '/feedback{"message":12}', "/feedback",
    '/feedback{"message":12,"value":1} ', '/feedback{"message":12,"value":1}\n',
])
def test_malformed_feedback_callback_data_is_refused(knowledge: Knowledge, data: str) -> None:
    assert validator(knowledge).parse(data) is None


async def test_a_press_is_stored_once_and_settles_the_answer(polling: Harness) -> None:
    chat = polling.chat(1201, "de")
    await start_and_choose(chat, "de")
    sent = await chat.text("Wie melde ich meine Wohnung an?")
    answer = sent[-1]
    ratings = [(title, data) for title, data in answer.buttons if data.startswith("/feedback")]
    assert [title for title, _data in ratings] == ["👍", "👎"], texts(sent)
    question_id = feedback.pressed(ratings[0][1])
    assert question_id is not None and question_id.value == 1

    [thanks] = await chat.press(ratings[0][1])
    assert thanks.text == "Danke für Ihre Rückmeldung!"
    now = chat.now(answer)  # the answer shows the choice and has no 👍 / 👎 left
    assert now.method == "editmessagetext" and now.buttons == [], now
    assert visible(now.text, "HTML") == f"{visible(answer.text, 'HTML')}\n\n✓ 👍"
    rows = await polling.query(select(Feedback.message_id, Feedback.faq, Feedback.language,
                                      Feedback.value))
    assert rows == [(question_id.message_id, "registration/register_address", "de", 1)]
    await polling.api.wait_for(lambda: len(polling.api.callback_answers) >= 3,
                               what="answerCallbackQuery")  # language, city, 👍

    [again] = await chat.press(ratings[1][1])  # a second tap (the buttons are gone)
    assert again.text.startswith("Sie haben diese Antwort schon bewertet")
    assert len(await polling.query(select(Feedback.message_id))) == 1
