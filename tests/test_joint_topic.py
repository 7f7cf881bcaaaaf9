"""The topic is decided by both classifiers: DIET's topic ranking plus the ResponseSelector's
FAQ ranking (each FAQ belongs to a topic). Meta intents and fallbacks are left alone."""

from __future__ import annotations

from typing import Any

from bot.core.types import FAQ_WEIGHT_FOR_TOPIC, ParseResult


def rasa(intent: str, ranking: dict[str, float], faqs: dict[str, float]) -> dict[str, Any]:
    top = max(faqs, key=faqs.__getitem__) if faqs else None
    return {
        "intent": {"name": intent, "confidence": ranking[intent]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking.items()],
        "response_selector": {"default": {
            "response": {"intent_response_key": top, "confidence": faqs.get(top or "", 0.0)},
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in faqs.items()]}},
    }


def test_a_confident_faq_of_another_topic_decides_when_diet_is_unsure() -> None:
    parse = ParseResult.from_rasa(rasa(
        "residence", {"residence": 0.62, "benefits": 0.35, "work": 0.03},
        {"benefits/buergergeld": 0.9, "residence/permit_extend": 0.05}))
    assert (parse.intent, parse.confidence) == ("benefits", 0.9)
    assert parse.faq_key == "benefits/buergergeld"


def test_agreement_keeps_the_topic_and_the_larger_confidence() -> None:
    parse = ParseResult.from_rasa(rasa(
        "housing", {"housing": 0.7, "social": 0.3},
        {"housing/find_flat": 0.8, "social/meet_people": 0.1}))
    assert (parse.intent, parse.confidence) == ("housing", 0.8)


def test_a_confident_diet_is_not_overruled_by_a_weak_faq() -> None:
    parse = ParseResult.from_rasa(rasa(
        "work", {"work": 0.97, "benefits": 0.02},
        {"benefits/buergergeld": 0.4, "work/minijob": 0.35}))
    assert parse.intent == "work"  # 0.97 + 2 × 0.35 > 0.02 + 2 × 0.4
    assert FAQ_WEIGHT_FOR_TOPIC == 2.0


def test_meta_intents_and_fallbacks_are_left_alone() -> None:
    for intent in ("emergency", "greet", "nlu_fallback"):
        parse = ParseResult.from_rasa(rasa(
            intent, {intent: 0.5, "health": 0.45}, {"health/find_doctor": 0.99}))
        assert (parse.intent, parse.confidence) == (intent, 0.5)


def test_without_a_faq_ranking_nothing_changes() -> None:
    parse = ParseResult("school", 0.6, (("school", 0.6), ("language", 0.4)))
    assert parse.joint_topic(FAQ_WEIGHT_FOR_TOPIC) == parse
