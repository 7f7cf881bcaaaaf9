"""The German/English detector behind `bot.core.language`: lingua, helped on very short texts.

Lingua (offline, models shipped in the wheel) is reliable from a few words on. On one or
two words ("Hallo", "danke", "ok") it guesses. For those we consult the vocabulary of our
own language-labelled NLU training data: when every known word of the message occurs in
the examples of only one language, that language wins.
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

    def confidences(self, text: str) -> dict[str, float]:
        tokens = words(text)
        if tokens and len(tokens) <= SHORT_TEXT_WORDS:
            known = [self._vocab[t] for t in tokens if t in self._vocab]
            agreed = set.intersection(*known) if known else set()
            if len(agreed) == 1 and all(len(k) == 1 for k in known):
                return {agreed.pop(): 1.0}
        return self._by_word_share(text) or {
            _CODES[v.language]: v.value
            for v in self._lingua.compute_language_confidence_values(text)
            if v.language in _CODES
        }

    def _by_word_share(self, text: str) -> dict[str, float]:
        """Mixed texts ("where is the Ausländerbehörde"): the share of words per language."""
        counts: dict[str, int] = defaultdict(int)
        for span in self._lingua.detect_multiple_languages_of(text):
            counts[_CODES[span.language]] += span.word_count
        total = sum(counts.values())
        return {lang: n / total for lang, n in counts.items()} if total else {}
