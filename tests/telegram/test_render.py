"""Rendering and validation without a network: splitting, escaping, keyboards, callback data,
what is stored of an update. The test server's own Bot API checks judge the output."""

from __future__ import annotations

import html

import pytest

from bot.core.dialogue import Policy, clarify, language_buttons, topic_buttons
from bot.core.machine import CANCEL_PAYLOAD
from bot.core.types import (
    TOPICS,
    Button,
    ConversationState,
    Link,
    ParseResult,
    Reply,
)
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.telegram import callbacks
from bot.telegram.callbacks import CallbackValidator, fits
from bot.telegram.inbox import describe, minimise
from bot.telegram.render import (
    TEXT_LIMIT,
    render,
    render_all,
    settle_choice,
    split_text,
    telegram_length,
)
from tests.telegram import updates
from tests.telegram.apicheck import check_send

WORDS = {"tg:share_location": "📍 Standort", "sources_label": "Quellen:"}.__getitem__


def validator(knowledge: Knowledge) -> CallbackValidator:
    return CallbackValidator(knowledge.cities, knowledge.faqs)


def test_short_text_is_one_message_and_escaped() -> None:
    [call] = render(Reply("Fristen <3 & Termine > alles"), WORDS)
    assert call.params["text"] == "Fristen &lt;3 &amp; Termine &gt; alles"
    assert call.params["parse_mode"] == "HTML"
    assert check_send("sendmessage", {"chat_id": 1, **call.params})[0] is None


def test_long_text_splits_at_paragraphs_and_keeps_order() -> None:
    paragraphs = [f"Absatz {i}: " + "Wohnung & Miete <wichtig> " * 60 for i in range(12)]
    text = "\n\n".join(paragraphs)
    assert telegram_length(text) > TEXT_LIMIT
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(telegram_length(c) <= TEXT_LIMIT for c in chunks)
    assert "\n\n".join(chunks) == text.strip()  # cut only between paragraphs, nothing lost
    assert all(c.startswith("Absatz") for c in chunks)


def test_a_single_huge_paragraph_splits_at_lines_then_words() -> None:
    text = "\n".join(["Zeile " + "ä" * 50] * 200) + "\n" + "Wort " * 2000
    chunks = split_text(text)
    assert all(telegram_length(c) <= TEXT_LIMIT for c in chunks)
    assert "".join(chunks).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")


def test_length_counts_utf16_and_escapes() -> None:
    assert telegram_length("😀") == 2 and telegram_length("&") == 5
    emoji_text = "😀" * 3000  # 6000 UTF-16 units
    assert all(telegram_length(c) <= TEXT_LIMIT for c in split_text(emoji_text))


def test_buttons_go_on_the_last_part_and_the_server_accepts_every_part() -> None:
    reply = Reply("\n\n".join(["x" * 3000] * 3), [Button("Wohnen", "/housing")])
    calls = render(reply, WORDS)
    assert len(calls) == 3
    assert "reply_markup" not in calls[0].params
    assert calls[-1].params["reply_markup"]["inline_keyboard"] == [
        [{"text": "Wohnen", "callback_data": "/housing"}]]
    for call in calls:
        assert check_send("sendmessage", {"chat_id": 7, **call.params})[0] is None


def test_ask_location_gets_a_request_location_keyboard() -> None:
    [ask] = render(Reply("Wo wohnen Sie?", kind="ask_location"), WORDS)
    assert ask.params["reply_markup"]["keyboard"] == [
        [{"text": "📍 Standort", "request_location": True}]]


def test_sources_are_named_html_links_and_page_buttons_open_their_address() -> None:
    reply = Reply("Welcome Point 3\nAdresse: Kölner Straße 265", kind="welcome_point",
                  buttons=[Button("🗺 Karte", url="https://www.openstreetmap.org/search?q=a&b=c"),
                           Button("Weiter", "/deny")],
                  links=[Link("Stadt Düsseldorf: Welcome Points (2019)",
                              "https://www.duesseldorf.de/wp?a=1&b=2"),
                         Link("Stadt <Düsseldorf> & Rat: Antrag (2016)")])
    [call] = render(reply, WORDS)
    text = call.params["text"]
    assert text.endswith('Quellen: <a href="https://www.duesseldorf.de/wp?a=1&amp;b=2">'
                         'Stadt Düsseldorf: Welcome Points (2019)</a> · '
                         'Stadt &lt;Düsseldorf&gt; &amp; Rat: Antrag (2016)'), text
    assert "https://" not in text.split("<a href=")[0]  # no bare address in the text
    assert call.params["reply_markup"]["inline_keyboard"] == [[
        {"text": "🗺 Karte", "url": "https://www.openstreetmap.org/search?q=a&b=c"},
        {"text": "Weiter", "callback_data": "/deny"}]]
    assert check_send("sendmessage", {"chat_id": 7, **call.params})[0] is None


def test_sources_go_to_their_own_message_when_the_text_is_full() -> None:
    long_text = "x" * (TEXT_LIMIT - 10)
    calls = render(Reply(long_text, links=[Link("BAMF: Integrationskurs (2026)",
                                                "https://www.bamf.de/x")]), WORDS)
    assert [c.params["text"][:8] for c in calls] == ["x" * 8, "Quellen:"]
    for call in calls:
        assert check_send("sendmessage", {"chat_id": 7, **call.params})[0] is None


def test_remove_keyboard_goes_on_the_first_message_without_a_keyboard() -> None:
    calls = render_all([Reply("a", [Button("b", "/deny")]), Reply("c"), Reply("d")], WORDS, True)
    assert calls[1].params["reply_markup"] == {"remove_keyboard": True}
    assert "reply_markup" not in calls[2].params


def test_a_button_over_64_bytes_is_dropped() -> None:
    [call] = render(Reply("t", [Button("ok", "/deny"), Button("long", "/" + "x" * 64)]), WORDS)
    assert call.params["reply_markup"]["inline_keyboard"] == [
        [{"text": "ok", "callback_data": "/deny"}]]


def test_every_button_payload_the_app_creates_fits_and_validates(
        knowledge: Knowledge, translators: dict[str, Translator]) -> None:
    check = validator(knowledge)
    for _ in translators.values():
        parse = ParseResult("nlu_fallback", 0.3, (("housing", 0.3), ("school", 0.2)))
        buttons = [*topic_buttons(_, list(TOPICS)), *language_buttons(),
                   *clarify(parse, ConversationState(), _, Policy()).replies[0].buttons,
                   Button("", "/affirm"), Button("", "/deny"), Button("", CANCEL_PAYLOAD)]
        buttons += [Button("", callbacks.city(city)) for city in knowledge.cities]
        for button in buttons:
            assert fits(button.payload), button.payload
            assert check.parse(button.payload) is not None, button.payload
    longest = max(len(f"/{key}".encode()) for key in knowledge.faqs)
    assert longest <= 64


@pytest.mark.parametrize("data", [
    None, "", "/residence ", "/emergency", '/change_language{"language":"fr"}',
    '/change_language{"language":"ar","x":1}', "lang:xx", "city:berlin", "city:",
    "/" + "a" * 70, "menu", "<script>", "/residence/../../etc",
])
def test_unknown_or_tampered_callback_data_is_refused(knowledge: Knowledge,
                                                      data: str | None) -> None:
    assert validator(knowledge).parse(data) is None


def test_valid_callback_data(knowledge: Knowledge) -> None:
    check = validator(knowledge)
    assert check.parse("/residence") == "/residence"
    assert check.parse('/change_language{"language":"ar"}') is not None
    assert check.parse('/set_city{"city":"leipzig"}') == '/set_city{"city":"leipzig"}'
    assert check.parse(CANCEL_PAYLOAD) == CANCEL_PAYLOAD
    # the buttons of earlier versions, still in users' chats
    assert check.parse("lang:ar") == '/change_language{"language":"ar"}'
    assert check.parse("city:leipzig") == '/set_city{"city":"leipzig"}'


def test_stored_updates_keep_no_names_or_phone_numbers() -> None:
    update = {"update_id": 1, **updates.text(42, "Hallo", "ar")}
    update["message"]["contact"] = {"phone_number": "+49 170 123", "first_name": "Amal"}
    stored = minimise(update)
    flat = repr(stored)
    assert "Amal" not in flat and "user42" not in flat and "+49" not in flat
    assert stored["message"]["from"]["language_code"] == "ar"
    assert describe(update) == (42, "text")


@pytest.mark.parametrize(("update", "expected"), [
    (updates.text(5, "/start"), (5, "command")),
    (updates.location(5, 51.0, 6.0), (5, "location")),
    (updates.media(5, "voice"), (5, "voice")),
    (updates.media(5, "photo"), (5, "photo")),
    (updates.callback(5, "/housing"), (5, "callback")),
    (updates.group_text(5, "Hallo"), (None, "text")),
    ({"edited_message": {}}, (None, "edited_message")),
])
def test_describe(update: dict[str, object], expected: tuple[int | None, str]) -> None:
    assert describe({"update_id": 1, **update}) == expected


def test_escaping_is_reversible() -> None:
    text = "a < b & c > d \"quoted\" 'single'"
    [call] = render(Reply(text), WORDS)
    assert html.unescape(call.params["text"]) == text


def test_a_settled_choice_is_marked_escaped_and_loses_its_buttons() -> None:
    call = settle_choice(42, "Wähle &lt;bitte&gt;:", "A & B")
    assert call.method == "editMessageText" and call.params["message_id"] == 42
    assert call.params["text"] == "Wähle &lt;bitte&gt;:\n\n✓ A &amp; B"
    assert "reply_markup" not in call.params  # an edit without markup removes the keyboard
    assert check_send("editmessagetext", {"chat_id": 1, **call.params})[0] is None


def test_a_settled_choice_too_long_for_a_mark_keeps_its_text() -> None:
    text = "x" * TEXT_LIMIT
    call = settle_choice(7, text, "English")
    assert call.params["text"] == text
    assert check_send("editmessagetext", {"chat_id": 1, **call.params})[0] is None
