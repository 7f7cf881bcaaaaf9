"""Names in a user's message, for `bot.curation.masking`: after a cue ("mein Name ist",
"my name is", "اسمي", "Frau", "ich bin"), and capitalised Latin words that are not known
words. Pure standard library (and `bot.core.names.fold`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.names import fold

WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


_SENTENCE_END = ".!?…\n؟"
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "prof", "nr", "str", "bzw", "ca", "usw",
                            "z.b", "vgl", "st", "hr", "fr", "no", "tel"})
_ARABIC_CLITICS = ("وبال", "وال", "بال", "لل", "ال", "وب", "ب", "ل", "و", "ف", "ك")

# Cues before a name, as folded words. "strong": the next word is a name unless it is a
# function word; "title": unless it is a known word; "weak": only a capitalised unknown word
# (Arabic: an unknown word).
_CUE_WORDS = {
    "strong": ("mein name ist", "mein name lautet", "mein vorname ist", "mein nachname ist",
               "ich heiße", "ich heisse", "ich heise", "my name is", "my name's", "my name’s",
               "my first name is", "my last name is", "my surname is", "اسمي", "اسمي هو",
               "إسمي", "اسمى", "انا اسمي"),
    "title": ("mein name", "my name", "herr", "frau", "mr", "mrs", "ms", "miss", "dr", "prof",
              "call me", "grüße", "gruß", "lg", "mfg", "vg", "regards", "sincerely", "cheers",
              "السيد", "السيدة", "الاستاذ", "الأستاذ", "الدكتور", "الدكتورة", "تحياتي",
              "انا", "أنا", "معك", "معكم"),
    "weak": ("ich bin", "i am", "i'm", "i’m", "this is", "it's", "it’s", "hier ist",
             "hier spricht"),
}
_CUES = tuple(sorted(((tuple(fold(cue).split()), strength)
                      for strength, cues in _CUE_WORDS.items() for cue in cues),
                     key=lambda cue: -len(cue[0])))
_TITLES = _folded("herr frau mr mrs ms dr prof")
# Never a name right after a strong cue ("mein Name ist" … "is", "my name is not …").
_FUNCTION = _folded(
    "ist is lautet der die das the a an und and not nicht auf in on at von of for für mit with "
    "hier here ما هو هي على في من عن مع لا مش مو غير بدون و او")
# Arabic words that end a name after "اسمي" (Arabic has no capitals to tell).
_ARABIC_STOP = _folded(
    "من في ما هو هي لا مش مو الى إلى عن مع او أو انا أنا انت هل كيف وين اين أين شو ماذا متى "
    "لماذا ليش عم رح بدي بدنا عندي عمري ساكن ساكنة اسكن أسكن لازم ممكن اريد أريد ابغى حابب "
    "جديد جديدة وانا وأنا يا هذا هذه الذي التي")
_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "abd", "von", "van", "de", "da",
                        "di", "le", "la", "zu", "ben", "bint"})
# Words never masked as a name (besides the vocabulary): "I", days, months, languages.
_COMMON = _folded(
    "I I'm I've I'll I'd OK Okay Hi Hallo Hello Hey Mo Di Mi Do Fr Sa So Montag Dienstag "
    "Mittwoch Donnerstag Freitag Samstag Sonntag Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday Januar Februar März April Mai Juni Juli August September Oktober "
    "November Dezember January February March May June July October December Deutsch "
    "Deutschland German Germany English Englisch Arabic Arabisch Europa Europe EU "
    "Bitte Danke Please Thanks Thank Grüße Grüßen Gruß Regards WhatsApp Telegram Google "
    "Internet App Online PDF Email E-Mail Mail SMS Euro EUR IBAN BIC PLZ Tel Nr Dr Prof Mr "
    "Mrs Ms Miss Herr Frau")
# Endings of nouns and other words, not of names: an unknown word starting a sentence with
# one of them is left ("Zwangsräumung droht"); other unknown words there are masked.
_WORD_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "sion", "itat", "ismus", "ment")
# "meine Frau weint": after these, "Frau"/"Herr" is the wife, husband or gentleman.
_POSSESSIVES = _folded(
    "mein meine meiner meinem meinen dein deine sein seine seiner seinem ihr ihre ihrer ihrem "
    "unser unsere unserer euer eure die der dem den eine einer einem my his her our your the "
    "a an")


@dataclass
class _Token:
    word: str
    start: int
    end: int
    folded: str
    initial: bool  # starts a sentence


def _tokens(text: str, taken: list[tuple[int, int]]) -> list[_Token]:
    tokens: list[_Token] = []
    for match in WORD.finditer(text):
        if any(match.start() < end and start < match.end() for start, end in taken):
            continue
        word = match.group()
        tokens.append(_Token(word, match.start(), match.end(), fold(word),
                             _starts_sentence(text, match.start())))
    return tokens


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'„“”«»‚‘(–—-*•")
    if not before or "\n" in text[len(before):start]:
        return True
    if before[-1] not in _SENTENCE_END:
        return False
    if before[-1] == ".":  # "Mr. Smith", "A. Müller", "z.B. Düsseldorf" go on
        previous = re.search(r"([^\W\d]+(?:\.[^\W\d]+)*)\.$", before)
        if previous and (len(previous.group(1)) == 1
                         or previous.group(1).lower() in _ABBREVIATIONS):
            return False
    return True


def _known(token: _Token, known: frozenset[str]) -> bool:
    lower, folded = token.word.lower(), token.folded
    if lower in known or folded in known or folded in _COMMON:
        return True
    for suffix in ("'s", "’s", "s"):  # a genitive: "Düsseldorfs"
        if folded.endswith(suffix) and folded.removesuffix(suffix) in known:
            return True
    parts = [p for p in re.split(r"['’\-]", folded) if p]
    if len(parts) > 1 and all(p in known or p in _COMMON for p in parts):
        return True
    if _arabic(token.word):
        return any(folded.startswith(c) and folded[len(c):] in known
                   for c in _ARABIC_CLITICS if len(folded) > len(c) + 1)
    return _compound(folded, known)


def _compound(folded: str, known: frozenset[str]) -> bool:
    """A German compound of known words ("Handynummer"): a known head of at least five
    letters after a known first part (with a linking s, n or en)."""
    for cut in range(3, len(folded) - 4):
        head, first = folded[cut:], folded[:cut]
        if head in known and any(first.removesuffix(link) in known
                                 for link in ("", "s", "n", "en") if len(first) > len(link) + 2):
            return True
    return False


def _word_like(folded: str) -> bool:
    return folded.endswith(_WORD_ENDINGS) or (folded.endswith("ing") and len(folded) > 6)


def _arabic(word: str) -> bool:
    return any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f"
               or "\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufeff" for c in word)


def _capitalised(token: _Token) -> bool:
    return token.word[0].isupper() and len(token.word) > 1


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    """Only spaces (or a hyphen) between two words: one name goes on."""
    return re.fullmatch(r"[ \t\-]{1,3}", text[left.end:right.start]) is not None


def names(text: str, known: frozenset[str], taken: list[tuple[int, int]],
          ) -> list[tuple[int, int]]:
    """The (start, end) of every word of `text` outside `taken` that is (part of) a name."""
    tokens = _tokens(text, taken)
    masked = [False] * len(tokens)
    for i, token in enumerate(tokens):  # at a sentence's start too, unless it looks a noun
        if not _capitalised(token) or _known(token, known) or _arabic(token.word):
            continue
        masked[i] = not token.initial or not _word_like(token.folded)
    for i, token in enumerate(tokens):  # "Ahmad Al-Hassan hier", "Fatima": the first too
        if not token.initial or not _capitalised(token) or _known(token, known):
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if after is None or after.initial or (masked[i + 1] and _adjacent(text, token, after)):
            masked[i] = True
    for i in range(len(tokens)):
        strength = _cue_before(text, tokens, i)
        if strength == "title" and i >= 2 and tokens[i - 2].folded in _POSSESSIVES:
            continue  # "meine Frau weint"
        if strength and _name_after_cue(tokens[i], known, strength):
            masked[i] = True
            _continue_name(text, tokens, i, known, masked)
    return [(t.start, t.end) for t, hidden in zip(tokens, masked, strict=True) if hidden]


def _cue_before(text: str, tokens: list[_Token], i: int) -> str | None:
    """The strength of the cue that tokens[:i] end with (in the same sentence), if any."""
    for cue, strength in _CUES:
        n = len(cue)
        if i < n or tuple(t.folded for t in tokens[i - n:i]) != cue:
            continue
        gap = r"[\s,:;.\-–]*" if cue[-1] in _TITLES else r"[\s,:;\-–]*"  # "Dr. Smith"
        gaps = [text[tokens[k].end:tokens[k + 1].start] for k in range(i - n, i)]
        if all(re.fullmatch(gap, g) and g.count("\n") <= 1 for g in gaps):
            return strength
    return None


def _name_after_cue(token: _Token, known: frozenset[str], strength: str) -> bool:
    if token.folded in _FUNCTION:
        return False
    if strength == "strong":
        return True
    if strength == "title" or _arabic(token.word):
        return not _known(token, known) and len(token.folded) > 1
    return _capitalised(token) and not _known(token, known)


def _continue_name(text: str, tokens: list[_Token], i: int, known: frozenset[str],
                   masked: list[bool]) -> None:
    """Up to two more words of the same name: unknown words, or a particle ("al", "von")
    before one."""
    last, added = i, 0
    for j in range(i + 1, min(i + 4, len(tokens))):
        if added == 2 or not _adjacent(text, tokens[last], tokens[j]):
            return
        token = tokens[j]
        particle = (token.folded in _PARTICLES and j + 1 < len(tokens)
                    and not _known(tokens[j + 1], known))
        if _arabic(token.word):  # "اسمي محمد علي": علي is also a preposition
            if token.folded in _ARABIC_STOP or (token.folded.startswith("و")
                                                 and _known(token, known)):
                return
        elif not particle and _known(token, known):
            return
        masked[j], last, added = True, j, added + 1
