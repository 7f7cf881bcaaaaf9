"""One normalisation of names and texts, and one gazetteer lookup, shared by everything that
compares what a user typed with what we know: the gazetteer inside the NLU model (built and
matched in the Rasa environment), the app's city names, and the data checks.

Pure standard library, and Python 3.10 compatible: the Rasa environment imports this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Arabic letter variants people use interchangeably: hamza forms of alef, taa marbuta,
# alef maqsura, hamza on waw/yaa, the tatweel; Persian/Urdu forms of kaf and yaa.
_ARABIC_FOLD = str.maketrans({
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي",
    "ـ": None, "ک": "ك", "ی": "ي",
})
# Umlauts and their spelt-out forms fold to the plain vowel: "Düsseldorf", "Duesseldorf" and
# "Dusseldorf" are one name.
_GERMAN_FOLD = (("ß", "ss"), ("ä", "a"), ("ö", "o"), ("ü", "u"), ("ae", "a"), ("oe", "o"),
                ("ue", "u"))
_WORD = re.compile(r"\w+")
MAX_NAME_WORDS = 5
# Arabic prepositions and the article written together with the next word ("بإيلر" = "in
# Eller"): a name may start after one of them. Longest first.
_ARABIC_CLITICS = ("وبال", "وال", "بال", "لل", "ال", "وب", "ب", "ل", "و", "ف")


def fold(text: str) -> str:
    """Lower case; ß as ss, umlauts and ae/oe/ue as plain vowels; accents, Arabic vowel marks
    and letter variants folded; Arabic-Indic digits as ASCII digits. Punctuation is kept."""
    folded = unicodedata.normalize("NFKC", text).lower()
    for letter, spelt in _GERMAN_FOLD:
        folded = folded.replace(letter, spelt)
    folded = unicodedata.normalize("NFKD", folded)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.translate(_ARABIC_FOLD)
    return "".join(str(unicodedata.digit(c)) if c.isdigit() and not c.isascii() else c
                   for c in folded)


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation and underscores dropped."""
    return _WORD.findall(fold(text).replace("_", " "))


def normalise(text: str) -> str:
    """The folded words joined by single spaces: equal for equal names."""
    return " ".join(words(text))


@dataclass(frozen=True)
class NameMatch:
    label: str  # "district", "city", "postcode", "office"
    ref: str  # the id of what was named, e.g. "duesseldorf:eller"
    start: int  # character offsets in the original text
    end: int


@dataclass(frozen=True)
class NamePattern:
    label: str
    name: str
    ref: str


def _spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Folded words with their offsets in the original text."""
    for match in _WORD.finditer(text):
        for word in words(match.group()):
            yield word, match.start(), match.end()


class NameIndex:
    """Names (all spellings) -> what they name; finds them inside free text, longest first."""

    def __init__(self, patterns: Iterable[NamePattern]) -> None:
        self._names: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        for pattern in patterns:
            key = tuple(words(pattern.name))
            if key and (pattern.label, pattern.ref) not in self._names.get(key, []):
                self._names.setdefault(key, []).append((pattern.label, pattern.ref))

    def __len__(self) -> int:
        return len(self._names)

    def find(self, text: str) -> list[NameMatch]:
        """Every non-overlapping name in the text, the longest at each position winning."""
        spans = list(_spans(text))
        found: list[NameMatch] = []
        position = 0
        while position < len(spans):
            size, first = self._longest_at(spans, position)
            if size == 0:
                position += 1
                continue
            key = (first, *(w for w, _s, _e in spans[position + 1:position + size]))
            for label, ref in self._names[key]:
                found.append(NameMatch(label, ref, spans[position][1],
                                       spans[position + size - 1][2]))
            position += size
        return found

    def _longest_at(self, spans: list[tuple[str, int, int]], position: int) -> tuple[int, str]:
        """How many words the longest name starting here has (0: none), and its first word."""
        for size in range(min(MAX_NAME_WORDS, len(spans) - position), 0, -1):
            rest = tuple(w for w, _s, _e in spans[position + 1:position + size])
            for first in _first_word_forms(spans[position][0]):
                if (first, *rest) in self._names:
                    return size, first
        return 0, ""


def _first_word_forms(word: str) -> list[str]:
    """The word, and the word without a glued Arabic preposition or article."""
    forms = [word]
    for clitic in _ARABIC_CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 3:
            forms.append(word[len(clitic):])
    return forms
