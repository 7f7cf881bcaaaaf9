"""The glossary `knowledge/glossary.yml`: one English and one Arabic rendering per German
administrative term. Loading validates it; a broken file raises `KnowledgeError` (file, line,
field). `Glossary.problems` checks one German/Arabic text pair against it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.kb.source import KnowledgeError, Node, read_yaml

FIELDS = {"term", "de_forms", "en", "ar", "ar_forms", "note", "ar_variants_refused"}
_ARABIC_LETTER = re.compile("[\u0621-\u064a]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_MARKS = re.compile("[\u0610-\u061a\u0640\u064b-\u065f\u0670]")  # diacritics and tatweel
_ARTICLE = re.compile(r"(?<!\w)ال(?=\w)")
_SPACE = re.compile(r"\s+")


def normalise_arabic(text: str) -> str:
    """Arabic text for comparing: no diacritics or tatweel, no article ال at a word's start."""
    return _SPACE.sub(" ", _ARTICLE.sub("", _MARKS.sub("", text)))


@dataclass(frozen=True)
class GlossaryTerm:
    term: str                              # the German term, e.g. "Ausländerbehörde"
    de_forms: tuple[str, ...]              # other German forms that count as the term
    en: str
    ar: str                                # the one Arabic rendering
    ar_forms: tuple[str, ...]              # plural or possessive forms of the same rendering
    note: str
    ar_variants_refused: tuple[str, ...]   # renderings no Arabic text may use
    where: str                             # "glossary.yml:12"

    @property
    def german_pattern(self) -> re.Pattern[str]:
        """The term or a form at the start of a word; the word may go on ("Bürgerbüros")."""
        forms = sorted((self.term, *self.de_forms), key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + ")")

    def in_german(self, text: str) -> bool:
        return self.german_pattern.search(text) is not None

    def in_arabic(self, text: str) -> bool:
        plain = normalise_arabic(text)
        return any(normalise_arabic(form) in plain for form in (self.ar, *self.ar_forms))

    def refused_in(self, text: str) -> list[str]:
        plain = normalise_arabic(text)
        return [v for v in self.ar_variants_refused if normalise_arabic(v) in plain]


@dataclass(frozen=True)
class Glossary:
    terms: tuple[GlossaryTerm, ...]

    def get(self, term: str) -> GlossaryTerm | None:
        return next((t for t in self.terms if t.term == term), None)

    def problems(self, de: str, ar: str) -> list[str]:
        """What is wrong with the Arabic `ar` of the German `de` (empty when nothing)."""
        found = [f"'{t.term}' is in the German text but '{t.ar}' is not in the Arabic"
                 for t in self.terms if t.in_german(de) and not t.in_arabic(ar)]
        found += [f"refused rendering '{variant}' (of '{t.term}'; use '{t.ar}')"
                  for t in self.terms for variant in t.refused_in(ar)]
        return found


def load_glossary(path: Path) -> Glossary:
    """Read and validate the glossary; raises KnowledgeError naming file, line and field."""
    if not path.exists():
        raise KnowledgeError(path, 0, "(file)", "the glossary file is missing")
    doc = read_yaml(path)
    terms: list[GlossaryTerm] = []
    seen: dict[str, str] = {}
    for item in doc.nodes("terms"):
        term = _term(item)
        for form in (term.term, *term.de_forms):
            if form in seen:
                raise item.fail("term", f"'{form}' is already listed at {seen[form]}")
            seen[form] = term.where
        terms.append(term)
    if not terms:
        raise doc.fail("terms", "at least one term is required")
    for term, item in zip(terms, doc.nodes("terms"), strict=True):
        _check_refused(term, item, terms)
    return Glossary(tuple(terms))


def _term(item: Node) -> GlossaryTerm:
    unknown = sorted(set(item) - FIELDS)
    if unknown:
        raise item.fail(unknown[0], f"unknown field (known: {', '.join(sorted(FIELDS))})")
    term = GlossaryTerm(
        term=item.text("term"), de_forms=item.strings("de_forms", required=False),
        en=item.text("en"), ar=item.text("ar"),
        ar_forms=item.strings("ar_forms", required=False), note=item.text("note"),
        ar_variants_refused=item.strings("ar_variants_refused", required=False),
        where=f"{item.path.name}:{item.line}",
    )
    if _ARABIC_LETTER.search(term.term + term.en) or any(map(_ARABIC_LETTER.search, term.de_forms)):
        raise item.fail("term", "the German term and the English rendering must not be Arabic")
    for key, texts in (("ar", (term.ar,)), ("ar_forms", term.ar_forms),
                       ("ar_variants_refused", term.ar_variants_refused)):
        for text in texts:
            if not _ARABIC_LETTER.search(text) or _LATIN_LETTER.search(text):
                raise item.fail(key, f"'{text}' is not Arabic (Arabic letters only; the German "
                                     "name goes in parentheses in the answers, not here)")
    return term


def _check_refused(term: GlossaryTerm, item: Node, terms: list[GlossaryTerm]) -> None:
    """A refused variant must not forbid any term's own rendering."""
    for other in terms:
        for rendering in (other.ar, *other.ar_forms):
            for variant in term.refused_in(rendering):
                raise item.fail("ar_variants_refused",
                                f"'{variant}' would refuse '{rendering}', the rendering of "
                                f"'{other.term}'")
