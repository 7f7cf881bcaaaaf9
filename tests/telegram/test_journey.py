"""A newcomer's journey on Telegram, per language: real PTB (long polling) against the local
Bot API server, real Rasa, real SQLite. /start, language, city, the topic menu, a question of
each card topic, the nearest Welcome Point by location and by postcode, clarification."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.dialogue import LANGUAGE_LABELS
from tests.telegram.apicheck import visible
from tests.telegram.botapi import Sent
from tests.telegram.harness import Chat, Harness

LABEL = {"de": "Zuständig:", "en": "Responsible office:", "ar": "الجهة المختصة:"}
SOURCE = {"de": "Quellen:", "en": "Sources:", "ar": "المصادر:"}
CITY_SET = {"de": "Düsseldorf – gespeichert.", "en": "Düsseldorf – noted.",
            "ar": "دوسلدورف – تم الحفظ."}
QUESTIONS = {
    "de": {"residence": "Mein Aufenthaltstitel läuft bald ab, was muss ich tun?",
           "housing": "Wie finde ich eine Wohnung?",
           "school": "Wie melde ich mein Kind in der Schule an?",
           "work": "Wie finde ich Arbeit?"},
    "en": {"residence": "My residence permit expires soon, what should I do?",
           "housing": "How do I find a flat?",
           "school": "How do I enrol my child in school?",
           "work": "How do I find a job?"},
    "ar": {"residence": "إقامتي ستنتهي قريبًا، ماذا أفعل؟",
           "housing": "أبحث عن شقة للإيجار",
           "school": "كيف أسجل ابني في المدرسة؟",
           "work": "أبحث عن عمل"},
}
WELCOME_POINT = {"de": "Wo ist der nächste Welcome Point?",
                 "en": "where is the nearest welcome point?",
                 "ar": "أين أقرب مركز استشارة؟"}
DISTANCE = {"de": "Entfernung:", "en": "Distance:", "ar": "المسافة:"}
SHARE = {"de": "📍 Meinen Standort teilen", "en": "📍 Share my location", "ar": "📍 مشاركة موقعي"}
# Messages that leave the topic open; the first that gets the clarification step is used.
UNCLEAR = {"de": ["hmm", "zzzz", "?", "Antrag", "ich habe einen Brief bekommen", "Formular"],
           "en": ["zzzz", "hmm", "?", "application", "I got a letter", "a form"],
           "ar": ["سؤال", "سسس", "?", "طلب", "وصلتني رسالة", "ورقة"]}
TOPIC_COUNT = 10


def texts(sent: list[Sent]) -> str:
    return "\n---\n".join(s.text for s in sent)


async def start_and_choose(chat: Chat, lang: str) -> None:
    [welcome] = await chat.text("/start")
    assert "/privacy" in welcome.text  # the one-paragraph notice points to the full one
    assert [data for _title, data in welcome.buttons] == [
        f'/change_language{{"language":"{code}"}}' for code in ("de", "en", "ar")]
    sent = await chat.press(f'/change_language{{"language":"{lang}"}}')
    assert_settled(chat, welcome, LANGUAGE_LABELS[lang])
    assert [data for _t, data in sent[-1].buttons] == [
        '/set_city{"city":"duesseldorf"}', '/set_city{"city":"leipzig"}']
    [menu] = await chat.press('/set_city{"city":"duesseldorf"}')
    assert_settled(chat, sent[-1], "Düsseldorf" if lang != "ar" else "دوسلدورف")
    assert CITY_SET[lang] in menu.text
    assert len(menu.buttons) == TOPIC_COUNT


def assert_settled(chat: Chat, question: Sent, choice: str) -> None:
    """The pressed message shows the choice and has no buttons left to press again."""
    now = chat.now(question)
    assert now.method == "editmessagetext" and now.buttons == [], now
    shown = visible(now.text, "HTML")
    assert shown == f"{visible(question.text, 'HTML')}\n\n✓ {choice}"


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
async def test_journey(polling: Harness, lang: str) -> None:
    chat = polling.chat({"de": 1001, "en": 1002, "ar": 1003}[lang], lang)
    await start_and_choose(chat, lang)

    for topic, question in QUESTIONS[lang].items():
        sent = await chat.text(question)
        answer = sent[-1].text
        assert LABEL[lang] in answer and SOURCE[lang] in answer, (topic, answer[:200])

    [ask] = await chat.text(WELCOME_POINT[lang])
    assert ask.keyboard == [{"text": SHARE[lang], "request_location": True}]
    sent = await chat.location(51.2093, 6.8341)
    assert map_buttons(sent), texts(sent)  # the Welcome Point card opens a map
    assert DISTANCE[lang] in texts(sent)
    assert sent[0].params["reply_markup"] == {"remove_keyboard": True}

    sent = await chat.text("40595")
    assert "Telleringstraße 56" in texts(sent)

    clarification = await unclear_message(chat, lang)
    topic_data = clarification.buttons[0][1]
    assert topic_data.startswith("/") and len(clarification.buttons) == 3
    sent = await chat.press(topic_data)
    assert LABEL[lang] in texts(sent)
    assert_settled(chat, clarification, clarification.buttons[0][0])


async def unclear_message(chat: Chat, lang: str) -> Sent:
    for text in UNCLEAR[lang]:
        sent = await chat.text(text)
        if sent and len(sent[-1].buttons) == 3 and sent[-1].buttons[-1][1] == "/out_of_scope":
            markup = sent[-1].params["reply_markup"]["inline_keyboard"]
            assert all(len(row) == 1 for row in markup)  # one choice per row
            return sent[-1]
    raise AssertionError(f"no clarification for any of {UNCLEAR[lang]}")


async def test_topic_menu_button_answers_with_the_office(polling: Harness) -> None:
    chat = polling.chat(1004, "en")
    await start_and_choose(chat, "en")
    menu = chat.sent[-1]
    sent = await chat.press("/housing")
    assert LABEL["en"] in texts(sent) and SOURCE["en"] in texts(sent)
    assert chat.now(menu) == menu  # the menu is not settled: it stays for the next topic
    sent = await chat.press("/work")
    assert LABEL["en"] in texts(sent)


async def test_language_code_is_the_first_guess(polling: Harness) -> None:
    chat = polling.chat(1005, "ar")
    [welcome] = await chat.text("/start")
    assert "لوتسه" in welcome.text
    user, _state = await polling.user(1005)
    assert user.language == "ar"
    sent = await chat.location(51.2093, 6.8341)  # no text to detect a language from
    assert "المسافة" in texts(sent)


def map_buttons(sent: list[Any]) -> list[str]:
    """The addresses of the map buttons under the messages sent."""
    return [button["url"] for s in sent
            for row in (s.params.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row if button.get("url", "").startswith("https://www.openstreetmap.org/")]
