"""The publish gate (bot/nlu/gate.py) on made-up outcome lists: no Rasa, no I/O."""

from __future__ import annotations

import json

from bot.core.types import ParseResult
from bot.nlu.evaluate import Example, Outcome
from bot.nlu.gate import Figure, GateReport, figures, figures_from_json, figures_json, judge


def outcomes(language: str, *, intents_right: int, faqs_right: int, n: int = 100,
             faqs: int = 50) -> list[Outcome]:
    """`n` examples in `language`, the first `faqs` of them FAQ examples; the first
    `intents_right` get the right topic, the first `faqs_right` FAQ examples the right FAQ."""
    made = []
    for i in range(n):
        intent = "housing/find_flat" if i < faqs else "housing"
        parse = ParseResult(intent="housing" if i < intents_right else "work", confidence=0.9,
                            faq_key="housing/find_flat" if i < faqs_right else "work/minijob")
        made.append(Outcome(Example(f"text {i}", intent, language), parse, "topic"))
    return made


def all_languages(**by_language: tuple[int, int]) -> list[Outcome]:
    return [o for lang, (intent, faq) in by_language.items()
            for o in outcomes(lang, intents_right=intent, faqs_right=faq)]


def test_figures_count_topics_and_faqs_per_language() -> None:
    measured = figures([*outcomes("de", intents_right=90, faqs_right=40),
                        *outcomes("ar", intents_right=80, faqs_right=30),
                        Outcome(Example("?", "greet", "?"), ParseResult("greet", 1.0), "other")])
    assert measured["de"]["intent"] == Figure(90, 100)
    assert measured["de"]["faq"] == Figure(40, 50)
    assert measured["ar"]["faq"].percent == 60.0
    assert set(measured) == {"de", "ar"}  # no examples in English; "?" is left out
    assert figures_from_json(json.loads(json.dumps(figures_json(measured)))) == measured


def test_small_changes_within_the_margin_pass() -> None:
    live = figures(all_languages(de=(90, 45), en=(88, 43), ar=(84, 38)))
    candidate = figures(all_languages(de=(88, 44), en=(89, 43), ar=(82, 37)))  # ar FAQ −2
    report = judge(live, candidate, margin=3.0)
    assert report.passed and not report.drops
    assert len(report.lines) == 6  # 3 languages × intent, FAQ
    assert "no language" in report.reason


def test_a_drop_beyond_the_margin_in_one_language_blocks() -> None:
    live = figures(all_languages(de=(90, 45), en=(88, 43), ar=(84, 38)))
    candidate = figures(all_languages(de=(91, 45), en=(88, 43), ar=(84, 35)))  # ar FAQ −6
    report = judge(live, candidate, margin=3.0)
    assert not report.passed
    [drop] = report.drops
    assert (drop.language, drop.metric, drop.old, drop.new, drop.delta) == \
        ("ar", "faq", 76.0, 70.0, -6.0)
    assert "ar faq 76.0 → 70.0 % (-6.0)" in report.reason


def test_exactly_the_margin_passes_and_more_blocks() -> None:
    live = figures(all_languages(de=(90, 45)))
    assert judge(live, figures(all_languages(de=(87, 45))), margin=3.0).passed
    assert not judge(live, figures(all_languages(de=(86, 45))), margin=3.0).passed


def test_a_language_missing_from_the_candidate_counts_as_zero() -> None:
    live = figures(all_languages(de=(90, 45), ar=(84, 38)))
    report = judge(live, figures(all_languages(de=(90, 45))), margin=3.0)
    assert {(d.language, d.metric) for d in report.drops} == {("ar", "intent"), ("ar", "faq")}


def test_the_report_is_json_and_back() -> None:
    live = figures(all_languages(de=(90, 45), en=(88, 43)))
    report = judge(live, figures(all_languages(de=(80, 45), en=(88, 30))), margin=3.0)
    again = GateReport.from_json(json.loads(json.dumps(report.to_json())))
    assert again == report
    assert [(d.language, d.metric) for d in again.drops] == [("de", "intent"), ("en", "faq")]
