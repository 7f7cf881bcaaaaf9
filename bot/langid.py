"""The German/English detector behind `bot.core.language`: lingua, helped on very short texts.

Lingua (offline, models shipped in the wheel) is reliable on clean sentences, but it guesses
on one or two words ("Hallo" -> English) and labels English sentences with one German
office name as German. So the words of our own language-labelled NLU training data vote
first; lingua decides when they do not.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_WORD = re.compile(r"[a-zäöüß]+")
_CODES = {Language.GERMAN: "de", Language.ENGLISH: "en"}
SHORT_TEXT_WORDS = 3
MIN_VOTE_SHARE = 0.75
# Languages the sentence encoder understands besides de/en/ar (see bot.core.foreign).
_FOREIGN = {Language.TURKISH: "tr", Language.RUSSIAN: "ru", Language.FRENCH: "fr",
            Language.SPANISH: "es", Language.ITALIAN: "it", Language.POLISH: "pl",
            Language.PORTUGUESE: "pt", Language.DUTCH: "nl", Language.CHINESE: "zh",
            Language.JAPANESE: "ja", Language.KOREAN: "ko", Language.THAI: "th"}
FOREIGN_MIN_CONFIDENCE = 0.9
FOREIGN_MIN_LETTERS = 12  # a few words: "ok", "Bus" or one name never count


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def vocabulary_from_nlu(nlu_dir: Path) -> dict[str, set[str]]:
    """word -> languages whose training examples use it (de/en only)."""
    vocab: dict[str, set[str]] = defaultdict(set)
    for path in sorted((nlu_dir / "data").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            lang = (block.get("metadata") or {}).get("language")
            if lang not in ("de", "en"):
                continue
            for line in str(block.get("examples") or "").splitlines():
                for word in words(line.lstrip("- ")):
                    vocab[word].add(lang)
    return dict(vocab)


class LinguaDetector:
    def __init__(self, vocabulary: dict[str, set[str]] | None = None) -> None:
        self._lingua: LanguageDetector = (
            LanguageDetectorBuilder.from_languages(*_CODES).with_preloaded_language_models().build()
        )
        self._vocab = vocabulary or {}
        self._all: LanguageDetector = (
            LanguageDetectorBuilder.from_languages(*_CODES, *_FOREIGN).with_low_accuracy_mode()
            .with_preloaded_language_models().build())

    def foreign(self, text: str) -> str | None:
        """tr/ru/fr/... when lingua is sure the text is in one of those languages."""
        if sum(c.isalpha() for c in text) < FOREIGN_MIN_LETTERS or self._by_vocabulary(
                words(text)):
            return None
        values = self._all.compute_language_confidence_values(text)
        if not values or values[0].value < FOREIGN_MIN_CONFIDENCE:
            return None
        return _FOREIGN.get(values[0].language)

    def confidences(self, text: str) -> dict[str, float]:
        return self._by_vocabulary(words(text)) or {
            _CODES[v.language]: v.value
            for v in self._lingua.compute_language_confidence_values(text)
            if v.language in _CODES
        }

    def _by_vocabulary(self, tokens: list[str]) -> dict[str, float]:
        """Votes of the words that only one language's training examples use.

        Decides mixed texts ("I need help with my Anmeldung": five English words against a
        German noun that both languages' examples use) and one-word greetings.
        """
        votes: dict[str, int] = defaultdict(int)
        for token in tokens:
            languages = self._vocab.get(token, set())
            if len(languages) == 1:
                votes[next(iter(languages))] += 1
        total = sum(votes.values())
        if not total:
            return {}
        best = max(votes, key=lambda lang: votes[lang])
        share = votes[best] / total
        enough = votes[best] >= 2 or len(tokens) <= SHORT_TEXT_WORDS
        return {best: share} if share >= MIN_VOTE_SHARE and enough else {}
