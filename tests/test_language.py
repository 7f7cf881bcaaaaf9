"""Language choice: Arabic script, German vs English on short texts, explicit choice wins."""

from __future__ import annotations

import pytest

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
