"""Language choice: Arabic script, German vs English on short texts, explicit choice wins."""

from __future__ import annotations

import pytest

from bot.core.foreign import foreign_notice
from bot.core.language import choose_language, normalise_hint, script_language
from bot.langid import LinguaDetector


@pytest.mark.parametrize(("text", "expected"), [
    ("Hallo", "de"), ("Hello", "en"), ("مرحبا", "ar"), ("danke", "de"), ("thanks", "en"),
    ("wo ist die Ausländerbehörde", "de"), ("where is the Ausländerbehörde please", "en"),
    ("ich brauche eine wohnung", "de"), ("my residence permit expires next month", "en"),
    ("وين الـ Bürgerbüro", "ar"), ("كيف أجدد الإقامة", "ar"),
])
def test_detected_language(text: str, expected: str, detector: LinguaDetector) -> None:
    choice = choose_language(text, current=None, explicit=False, hint=None, default="de",
                             detector=detector)
    assert choice.language == expected


def test_explicit_choice_wins_over_detection(detector: LinguaDetector) -> None:
    choice = choose_language("Hello, how are you", current="ar", explicit=True, hint=None,
                             default="de", detector=detector)
    assert choice.language == "ar"
    assert choice.detected == "en"


def test_unclear_text_keeps_the_conversation_language(detector: LinguaDetector) -> None:
    choice = choose_language("40595", current="en", explicit=False, hint="de", default="de",
                             detector=detector)
    assert choice.language == "en"


def test_channel_hint_is_the_first_guess(detector: LinguaDetector) -> None:
    choice = choose_language("👍", current=None, explicit=False, hint="ar-SY", default="de",
                             detector=detector)
    assert choice.language == "ar"


def test_helpers() -> None:
    assert normalise_hint("en_GB") == "en"
    assert normalise_hint("fr") is None
    assert script_language("12345") is None
    assert script_language("مرحبا hello") == "ar"


def test_one_word_does_not_flip_a_running_conversation(detector: LinguaDetector) -> None:
    choice = choose_language("ok", current="de", explicit=False, hint=None, default="de",
                             detector=detector)
    assert choice.language == "de"
    choice = choose_language("my permit expires", current="de", explicit=False, hint=None,
                             default="de", detector=detector)
    assert choice.language == "en"


@pytest.mark.parametrize(("text", "code"), [
    ("Oturma iznimi nasıl uzatabilirim?", "tr"),
    ("Как продлить вид на жительство?", "ru"),
    ("Comment prolonger mon titre de séjour ?", "fr"),
    ("¿Dónde puedo aprender alemán gratis?", "es"),
])
def test_another_language_the_nlu_understands_is_answered_in_english(
        text: str, code: str, detector: LinguaDetector) -> None:
    choice = choose_language(text, current="de", explicit=False, hint=None, default="de",
                             detector=detector)
    assert (choice.language, choice.foreign) == ("en", code)
    assert foreign_notice(code)
    chosen = choose_language(text, current="ar", explicit=True, hint=None, default="de",
                             detector=detector)
    assert (chosen.language, chosen.foreign) == ("ar", None)  # the user's choice wins


@pytest.mark.parametrize("text", ["Wie verlängere ich meinen Aufenthaltstitel?", "ok",
                                  "how do I extend my residence permit", "Anmeldung Bürgeramt",
                                  "Termin", "كيف أجدد الإقامة"])
def test_german_english_arabic_and_short_texts_are_not_foreign(
        text: str, detector: LinguaDetector) -> None:
    assert choose_language(text, current="de", explicit=False, hint=None, default="de",
                           detector=detector).foreign is None
