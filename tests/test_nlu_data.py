"""The NLU training and test data: coverage per intent and language, held-out test set,
and one FAQ record per retrieval intent."""

from __future__ import annotations

from collections import Counter

from bot.core.names import normalise
from bot.core.types import LANGUAGES, META_INTENTS, TOPICS
from bot.kb.model import Knowledge
from bot.nlu.evaluate import load_examples
from bot.settings import PROJECT_ROOT

TRAIN = load_examples(PROJECT_ROOT / "nlu" / "data")
TEST = load_examples(PROJECT_ROOT / "nlu" / "test")
ACCEPTANCE_PHRASES = {"i live in eller", "40595", "أنا ساكن في بيلك"}


def _norm(text: str) -> str:
    """Case, punctuation, umlauts/ß and Arabic letter variants folded: the test set is held
    out even from training examples that differ only in such details."""
    return normalise(text)


def test_every_intent_has_15_training_examples_per_language() -> None:
    counts = Counter((e.top_level, e.language) for e in TRAIN)
    for intent in (*TOPICS, *META_INTENTS):
        for lang in LANGUAGES:
            assert counts[(intent, lang)] >= 15, (intent, lang, counts[(intent, lang)])


def test_every_intent_has_10_test_examples_per_language() -> None:
    counts = Counter((e.top_level, e.language) for e in TEST)
    for intent in (*TOPICS, *META_INTENTS):
        for lang in LANGUAGES:
            assert counts[(intent, lang)] >= 10, (intent, lang, counts[(intent, lang)])


def test_every_faq_has_4_test_examples_per_language() -> None:
    counts = Counter((e.intent, e.language) for e in TEST if "/" in e.intent)
    for intent in {e.intent for e in TRAIN if "/" in e.intent}:
        for lang in LANGUAGES:
            assert counts[(intent, lang)] >= 4, (intent, lang, counts[(intent, lang)])


def test_emergencies_have_20_test_examples_per_language() -> None:
    counts = Counter(e.language for e in TEST if e.intent == "emergency")
    assert all(counts[lang] >= 20 for lang in LANGUAGES), counts


def test_every_faq_intent_has_examples_in_three_languages() -> None:
    counts = Counter((e.intent, e.language) for e in TRAIN if "/" in e.intent)
    for intent in {e.intent for e in TRAIN if "/" in e.intent}:
        for lang in LANGUAGES:
            assert counts[(intent, lang)] >= 3, (intent, lang)


def test_test_set_is_held_out() -> None:
    training = {_norm(e.text) for e in TRAIN}
    leaked = [e.text for e in TEST if _norm(e.text) in training]
    assert leaked == []


def test_acceptance_phrases_are_neither_trained_nor_tested() -> None:
    assert not ACCEPTANCE_PHRASES & {_norm(e.text) for e in (*TRAIN, *TEST)}


def test_no_text_under_two_intents() -> None:
    owners: dict[str, set[str]] = {}
    for e in TRAIN:
        owners.setdefault(_norm(e.text), set()).add(e.intent)
    assert {t: i for t, i in owners.items() if len(i) > 1} == {}


def test_retrieval_intents_and_faqs_match(knowledge: Knowledge) -> None:
    trained = {e.intent for e in TRAIN if "/" in e.intent}
    assert trained == set(knowledge.faqs)
    for topic in TOPICS:
        assert len([k for k in trained if k.startswith(f"{topic}/")]) >= 6, topic
