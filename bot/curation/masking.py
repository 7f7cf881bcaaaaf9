"""Personal data masked before staff see a user's message (the unanswered queue).

`mask(text, known_words)` replaces, in this order: e-mail addresses `[EMAIL]`, IBANs
`[IBAN]`, dates with a year `[DATE]` (12.03.1990, 1990-03-12, 12/03/1990, 12. März 1990),
street addresses with a house number `[ADDRESS]` (Kölner Straße 12a, Königsallee 1,
Am Wehrhahn 12, 12 Baker Street, شارع … 12), phone numbers `[PHONE]` (libphonenumber,
German default region, also +963…, 00963…, Arabic-Indic digits), any other run of at least
six digits `[NUMBER]` (ids, file numbers, Aktenzeichen; a five-digit postcode stays) and
names `[NAME]` (bot/curation/masking_names.py):
- after a strong cue, whatever the case: "ich heiße X", "mein Name ist X", "my name is X",
  Arabic "اسمي X", "اسمي هو X": the next word unless it is a function word, and up to two
  more words of the same name;
- after a title or a greeting: "Herr/Frau/Mr/Mrs/Dr X", "call me X", "Viele Grüße X",
  "LG X", "regards X", Arabic "السيد X", "الدكتور X", "انا X", "معك X": the next word if it
  is not a known word (Arabic: also not with a glued preposition or article);
- after a weak cue only when the word looks like a name: "ich bin X", "I am X", "I'm X",
  "this is X", "hier ist X" (X capitalised and not a known word);
- any capitalised Latin word that is not a known word, also at the start of a sentence
  ("Yusuf braucht …") unless it ends like a noun there (-ung, -heit, -keit, -schaft, -tion:
  "Zwangsräumung droht"). German capitalises nouns: the known words (the vocabulary of the
  NLU training data and the knowledge, lower case and folded, `vocabulary`, plus the names
  of countries, months and weekdays; also compounds of them, "Handynummer") tell nouns,
  places and offices from names. Masking too much is accepted (an unknown noun becomes
  `[NAME]`: about 4 % of the held-out NLU test questions lose a word); missing an obvious
  name is not.

What it cannot catch (staff must still read with care):
- Arabic names without a cue ("أحمد يسأل عن الإقامة"): Arabic has no capital letters, so a
  name is only found after "اسمي", "انا", "معك" and the like; also names in Latin letters
  written in lower case without a cue ("frag ahmad", "meine frau fatima"); transliterated
  Arabic in Latin letters is only as good as its capitals.
- Names that are also known words: ordinary words of the vocabulary (Koch, Fischer, Essen,
  Amal = "hope" in Arabic), places (a surname like "Berlin"), countries and months used as
  first names (Jordan, Georgia, April, June).
- Addresses without a house number or without a street word ("ich wohne bei der Moschee"),
  a house number written as a word, postcodes with the city (kept on purpose: a district is
  not a person), descriptions that identify someone without any name ("the only Syrian
  doctor in Eller"), nationalities, ages and health details.
- Numbers shorter than six digits (a short file number), dates without a year, e-mail
  addresses written out ("ahmad at gmail dot com"), user names of messengers, car plates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import phonenumbers
from babel import Locale
from phonenumbers import Leniency, PhoneNumberMatcher

from bot.core.names import fold
from bot.curation.masking_names import WORD, names
from bot.kb.model import Knowledge

PHONE, EMAIL, IBAN, DATE = "[PHONE]", "[EMAIL]", "[IBAN]", "[DATE]"
ADDRESS, NUMBER, NAME = "[ADDRESS]", "[NUMBER]", "[NAME]"
PLACEHOLDERS = (NAME, PHONE, EMAIL, ADDRESS, NUMBER, IBAN, DATE)

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){3,7}"
                   r"(?:[ -]?[A-Za-z0-9]{1,3})?(?![A-Za-z0-9])")
_MONTHS = (
    "januar|jänner|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|"
    "november|dezember|january|february|march|may|june|july|october|december|"
    "jan|feb|mär|mar|apr|jun|jul|aug|sep|sept|okt|oct|nov|dez|dec|"
    "يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|اغسطس|سبتمبر|أكتوبر|اكتوبر|"
    "نوفمبر|ديسمبر|كانون الثاني|شباط|آذار|اذار|نيسان|أيار|ايار|حزيران|تموز|آب|اب|أيلول|"
    "ايلول|تشرين الأول|تشرين الاول|تشرين الثاني|كانون الأول|كانون الاول")
_DATE = re.compile(
    r"(?<!\d)(?:\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})"
    r"|\d{4}\s?[./-]\s?\d{1,2}\s?[./-]\s?\d{1,2}"
    rf"|\d{{1,2}}\.?\s*(?i:{_MONTHS})\.?,?\s*\d{{4}}"
    rf"|(?i:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})(?!\d)")
_SUFFIX = (r"straße|strasse|str\.|str|weg|platz|allee|gasse|ring|damm|ufer|chaussee|berg|"
           r"markt|steig|pfad|wall|graben|kamp|feld|hof|brücke|promenade")
_STREET_WORD = (r"(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Berg|"
                r"Markt|Steig|Pfad|Wall|Graben|Kamp|Feld|Hof|Brücke)")
_UPPER = r"[A-ZÄÖÜ]"
_HOUSE = (r"\s*\d{1,3}(?!\d)\s?[a-zA-Z]?(?:\s?[-/]\s?\d{1,3}(?!\d)\s?[a-zA-Z]?)?"
          r"(?![.:,]?\d)(?![^\W\d_])")
_PREFIX = (r"(?:Am|An\s+der|An\s+den|An\s+dem|Im|In\s+der|In\s+den|Auf\s+dem|Auf\s+der|"
           r"Auf\s+den|Zum|Zur|Unter\s+den|Hinter\s+der|Hinter\s+dem|Vor\s+dem|Bei\s+der|"
           r"Alte[rn]?|Neue[rn]?|Großer|Kleiner|An|Auf)")
_ADDRESS = re.compile(
    # Kölner Straße 12a, Graf-Adolf-Str. 1, Königsallee 1-3, Am Alten Markt 4
    rf"(?:(?:{_UPPER}[\w.-]*\s+){{0,2}}{_STREET_WORD}"
    rf"|\b[^\W\d_][\w-]*?(?i:{_SUFFIX})|\b[^\W\d_][\w-]*\s+(?i:straße|strasse|str\.)"
    # Am Wehrhahn 12, An der Icklack 5 (a capitalised name after the prefix, not "Jahr")
    rf"|\b{_PREFIX}\s+(?!Jahr\b|Monat\b|Alter\b|(?i:{_MONTHS})\b)"
    rf"{_UPPER}[\w-]+(?:\s+{_UPPER}[\w-]+)?)"
    rf"{_HOUSE}"
    # 12 Baker Street, 221b Baker St.
    r"|\b\d{1,4}[a-zA-Z]?\s+(?:[A-Z][\w-]+\s+){1,2}(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|"
    r"Lane|Drive|Way|Close|Square)"
    # شارع الملك فيصل 12, كولنر شتراسه 12
    r"|(?:شارع|ش\.)\s+\S+(?:\s+\S+){0,2}?\s*\d{1,4}(?!\d)"
    r"|\S+\s?(?:شتراسه|شتراسة|شتراسي|فيغ|بلاتس)\s*\d{1,4}(?!\d)")
_DIGITS = re.compile(r"(?<!\d)\+?\d(?:[ /.\-]?\d){5,}(?!\d)")


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    label: str


def vocabulary(nlu_texts: Iterable[str], knowledge_words: Iterable[str]) -> frozenset[str]:
    """The known words, lower case (and folded: umlauts, ß, Arabic letter variants), of the
    NLU training examples and the knowledge (names of places and offices, answers), and the
    names of countries, months and weekdays."""
    texts = (*nlu_texts, *knowledge_words, *_locale_words())
    seen = {word for text in texts for word in WORD.findall(text)}
    forms = seen | {part for word in seen for part in re.split(r"['’\-]", word) if part}
    return frozenset({form.lower() for form in forms} | {fold(form) for form in forms})


@cache
def _locale_words() -> tuple[str, ...]:
    """Countries and regions, months and weekdays in German, English and Arabic (CLDR, from
    Babel): "Syrien", "Eritrea", "سوريا" are not personal."""
    words: list[str] = []
    for language in ("de", "en", "ar"):
        locale = Locale(language)
        words += locale.territories.values()
        for width in ("wide", "abbreviated"):
            words += locale.months["format"][width].values()
            words += locale.days["format"][width].values()
    return tuple(words)


def knowledge_words(knowledge: Knowledge) -> Iterator[str]:
    """The texts of the knowledge whose words are not personal: names and aliases of cities,
    districts, quarters, offices and Welcome Points, the FAQ answers, the emergency lines."""
    for city in knowledge.cities.values():
        yield from (*city.name.values(), *city.aliases)
        for district in city.districts.values():
            yield from (*district.name.values(), *district.aliases)
            for quarter in district.quarters:
                yield from (*quarter.name.values(), *quarter.aliases)
        for office in city.offices.values():
            yield from (*office.name.values(), *(w for b in office.bring.values() for w in b))
        for point in city.welcome_points:
            yield from (*point.name.values(), point.operator, *point.description.values())
    for faq in knowledge.faqs.values():
        yield from faq.answer.values()
        for answer in faq.city_answer.values():
            yield from answer.values()
    yield from knowledge.emergency.intro.values()
    for line in knowledge.emergency.numbers:
        yield from (*line.label.values(), *line.when.values())
    for source in knowledge.sources.values():
        yield from (*source.publisher.values(), *source.title.values())


def mask(text: str, known_words: frozenset[str]) -> str:
    """The text with personal data replaced by the placeholders (see the module's doc)."""
    spans: list[_Span] = []
    finders = (_found(_EMAIL, text, EMAIL), _found(_IBAN, text, IBAN), _found(_DATE, text, DATE),
               _found(_ADDRESS, text, ADDRESS), _phones(text), _found(_DIGITS, text, NUMBER))
    for finder in finders:
        for span in finder:
            if not any(span.start < s.end and s.start < span.end for s in spans):
                spans.append(span)
    taken = [(s.start, s.end) for s in spans]
    spans.extend(_Span(start, end, NAME) for start, end in names(text, known_words, taken))
    return _render(text, sorted(spans, key=lambda s: s.start))


def _found(pattern: re.Pattern[str], text: str, label: str) -> Iterator[_Span]:
    for match in pattern.finditer(text):
        if label == IBAN:
            yield from _iban(match)
        else:
            yield _Span(match.start(), match.end(), label)


def _iban(match: re.Match[str]) -> Iterator[_Span]:
    """An IBAN has at least ten digits; trailing groups of letters are a following word."""
    value = match.group()
    trimmed = re.sub(r"(?:[ -][A-Za-z]{1,4})+$", "", value)
    if sum(c.isdigit() for c in trimmed) >= 10:
        yield _Span(match.start(), match.start() + len(trimmed), IBAN)


def _phones(text: str) -> Iterator[_Span]:
    for found in PhoneNumberMatcher(text, "DE", leniency=Leniency.VALID):
        if sum(c.isdigit() for c in found.raw_string) >= 6:
            yield _Span(found.start, found.end, PHONE)
    for match in _DIGITS.finditer(text):  # +963…, 0176…: a phone libphonenumber doubts
        value = match.group()
        if value.startswith(("+", "0")) and sum(c.isdigit() for c in value) >= 8:
            number = "+" + value[1:] if value.startswith("00") else value
            if _possible(number):
                yield _Span(match.start(), match.end(), PHONE)


def _possible(value: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(value, "DE"))
    except phonenumbers.NumberParseException:
        return False


def _render(text: str, spans: list[_Span]) -> str:
    parts: list[str] = []
    position = 0
    for span in spans:
        gap = text[position:span.start]
        if span.label == NAME and parts and parts[-1] == NAME and re.fullmatch(r"[ \t\-]*", gap):
            position = span.end  # "Ahmad Al-Hassan" is one [NAME]
            continue
        parts.extend((gap, span.label))
        position = span.end
    parts.append(text[position:])
    return "".join(parts)
