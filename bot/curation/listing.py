"""Staff's lists of the knowledge: FAQs filtered by text, topic, city, a missing language,
unverified or old sources — pure functions over a `Knowledge` and the training examples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.types import LANGUAGES, TOPICS
from bot.kb.model import Faq, Knowledge

AGES = (1, 3, 5)  # "sources older than N years"


@dataclass(frozen=True)
class FaqFilter:
    text: str = ""
    topic: str = ""
    city: str = ""  # FAQs with their own answer for this city
    missing: str = ""  # a language without an answer or without training examples
    unverified: bool = False
    older_than: int = 0  # years; 0: any age

    @classmethod
    def from_query(cls, query: Mapping[str, str], cities: list[str]) -> FaqFilter:
        """Only known values are taken (the query is user input)."""
        age = query.get("age", "")
        return cls(text=query.get("q", "").strip()[:100],
                   topic=_known(query.get("topic", ""), TOPICS),
                   city=_known(query.get("city", ""), cities),
                   missing=_known(query.get("missing", ""), LANGUAGES),
                   unverified=query.get("unverified", "") == "1",
                   older_than=int(age) if age.isdigit() and int(age) in AGES else 0)


def _known(value: str, allowed: tuple[str, ...] | list[str]) -> str:
    return value if value in allowed else ""


@dataclass(frozen=True)
class FaqRow:
    faq: Faq
    examples: dict[str, int]  # training examples per language
    missing: tuple[str, ...]  # languages with no answer or no examples
    years_old: int  # of its newest source, in whole years


def faq_rows(knowledge: Knowledge, examples: Mapping[str, Mapping[str, int]],
             chosen: FaqFilter, today: dt.date) -> list[FaqRow]:
    rows = [_row(faq, examples.get(faq.intent, {}), today) for faq in knowledge.faqs.values()]
    return [r for r in rows if _matches(r, chosen)]


def _row(faq: Faq, examples: Mapping[str, int], today: dt.date) -> FaqRow:
    counts = {lang: int(examples.get(lang, 0)) for lang in LANGUAGES}
    texts = [faq.answer, *faq.city_answer.values()]
    missing = tuple(lang for lang in LANGUAGES
                    if not counts[lang] or any(not t.get(lang, "").strip() for t in texts))
    age = (today - faq.provenance.source_date.as_date()).days // 365
    return FaqRow(faq, counts, missing, max(0, age))


def _matches(row: FaqRow, chosen: FaqFilter) -> bool:
    faq = row.faq
    if chosen.topic and faq.topic != chosen.topic:
        return False
    if chosen.city and chosen.city not in faq.city_answer:
        return False
    if chosen.missing and chosen.missing not in row.missing:
        return False
    if chosen.unverified and faq.provenance.verified:
        return False
    if chosen.older_than and row.years_old < chosen.older_than:
        return False
    return not chosen.text or _contains(faq, chosen.text.casefold())


def _contains(faq: Faq, needle: str) -> bool:
    texts = [faq.intent, faq.office or "", *faq.answer.values(),
             *(t for answers in faq.city_answer.values() for t in answers.values())]
    return any(needle in text.casefold() for text in texts)


def example_counts(per_intent: Mapping[str, Mapping[str, list[str]]],
                   ) -> dict[str, dict[str, int]]:
    return {intent: {lang: len(lines) for lang, lines in by_lang.items()}
            for intent, by_lang in per_intent.items()}
