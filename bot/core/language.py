"""Which language to answer in. Pure logic: the statistical detector is injected.

Order of precedence:
1. a language the user picked explicitly (button, /language, "english please");
2. Arabic script in the message -> Arabic;
3. the detector's guess for German vs English, when it is confident (a single Latin word
   such as "ok" does not switch a running conversation);
4. the conversation's current language, else the channel's hint, else the default.
A message clearly written in another language the NLU understands (Turkish, Russian, ...)
is answered in English, unless the user chose a language (see `bot.core.foreign`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from bot.core.types import LANGUAGES

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
_LATIN = re.compile(r"[A-Za-zÄÖÜäöüß]")


class Detector(Protocol):
    def confidences(self, text: str) -> dict[str, float]:
        """Probability per language code (de, en) for a Latin-script text."""
        ...

    def foreign(self, text: str) -> str | None:
        """The code of another language the NLU understands (tr, ru, fr, ...) when the text
        is clearly written in it; None otherwise."""
        ...


@dataclass(frozen=True)
class LanguageChoice:
    language: str
    detected: str | None  # what the message itself looked like, None when unclear
    foreign: str | None = None  # written in a language Lotse understands but does not answer in


def script_language(text: str) -> str | None:
    """'ar' when a third or more of the words are in Arabic script (Arabic speakers often
    write German office names in Latin letters), 'latin' for Latin, None otherwise."""
    words = text.split()
    arabic = sum(1 for w in words if _ARABIC.search(w))
    latin = sum(1 for w in words if _LATIN.search(w) and not _ARABIC.search(w))
    if arabic == 0 and latin == 0:
        return None
    return "ar" if arabic * 2 >= latin else "latin"


def normalise_hint(hint: object) -> str | None:
    """'de-DE' -> 'de'; anything not supported (also a number or a list) -> None."""
    if not isinstance(hint, str) or not hint:
        return None
    code = hint.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def detect(text: str, detector: Detector, min_confidence: float) -> str | None:
    script = script_language(text)
    if script != "latin":
        return script
    scores = detector.confidences(text)
    if not scores:
        return None
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= min_confidence else None


def choose_language(
    text: str,
    *,
    current: str | None,
    explicit: bool,
    hint: str | None,
    default: str,
    detector: Detector,
    min_confidence: float = 0.75,
) -> LanguageChoice:
    chosen = explicit and current in LANGUAGES
    foreign = None if chosen or script_language(text) == "ar" else detector.foreign(text)
    if foreign is not None:  # understood, answered in English with a line in that language
        return LanguageChoice("en", None, foreign)
    detected = detect(text, detector, min_confidence)
    if explicit and current in LANGUAGES:
        return LanguageChoice(current, detected)
    one_latin_word = detected in ("de", "en") and len(text.split()) < 2
    if current in LANGUAGES and one_latin_word:  # "ok" must not flip a German conversation
        return LanguageChoice(current, detected)
    if detected is not None:
        return LanguageChoice(detected, detected)
    fallback = current if current in LANGUAGES else normalise_hint(hint) or default
    return LanguageChoice(fallback, None)
