"""The dialogue core decides without any framework: replies and which actions to run."""

from __future__ import annotations

from bot.core.dialogue import (
    ACTION_CLARIFY,
    ACTION_EMERGENCY,
    ACTION_FAQ,
    ACTION_OFFICE,
    ACTION_SWITCH_CITY,
    ACTION_WELCOME_POINT,
    Policy,
    Turn,
    clarify,
    decide,
    parse_payload,
    requested_language,
)
from bot.core.types import ConversationState, Entity, Location, ParseResult

POLICY = Policy(clarify_below=0.55, misses_before_counsellor=2)


class KeyTranslator:
    """Returns the message id, so tests can see which string was chosen."""

    language = "en"

    def __call__(self, message: str, **values: object) -> str:
        return message


_ = KeyTranslator()


def turn(intent: str | None, confidence: float = 0.9, text: str = "x", **kw: object) -> Turn:
    ranking = kw.pop("ranking", ((intent or "", confidence),))
    parse = ParseResult(intent=intent, confidence=confidence, ranking=ranking,  # type: ignore[arg-type]
                        **kw)  # type: ignore[arg-type]
    return Turn(text, parse)


def test_greeting_offers_topics() -> None:
    plan = decide(turn("greet"), ConversationState(), _, POLICY)
    assert [r.text for r in plan.replies] == ["greet"]
    assert [b.payload for b in plan.replies[0].buttons][:2] == ["/residence", "/registration"]


def test_bot_challenge_is_honest() -> None:
    plan = decide(turn("bot_challenge"), ConversationState(), _, POLICY)
    assert plan.replies[0].text == "bot_challenge"


def test_emergency_comes_first_even_with_a_pending_question() -> None:
    state = ConversationState(pending="welcome_point_location")
    plan = decide(turn("emergency", 0.4), state, _, POLICY)
    assert plan.actions == [ACTION_EMERGENCY]
    assert plan.replies == []


def test_a_likely_emergency_comes_first_then_the_clear_answer() -> None:
    ranking = (("housing", 0.6), ("emergency", 0.35))
    plan = decide(turn("housing", 0.6, ranking=ranking, faq_key="housing/find_flat"),
                  ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_EMERGENCY, ACTION_FAQ]
    unlikely = (("housing", 0.9), ("emergency", 0.05))
    plan = decide(turn("housing", 0.9, ranking=unlikely, faq_key="housing/find_flat"),
                  ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_FAQ]


def test_topic_with_matching_faq_runs_the_faq_action() -> None:
    state = ConversationState(misses=1)
    plan = decide(turn("residence", faq_key="residence/permit_extend"), state, _, POLICY)
    assert plan.actions == [ACTION_FAQ]
    assert state.misses == 0
    assert state.last_topic == "residence"


def test_a_topic_is_not_answered_when_the_message_is_most_like_out_of_scope() -> None:
    """"blub blub": DIET says residence (0.76), the most similar training example is
    out_of_scope: ask, do not answer."""
    plan = decide(turn("residence", 0.76, faq_key="residence/blue_card", nearest="out_of_scope"),
                  ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_CLARIFY]
    plan = decide(turn("residence", 0.76, faq_key="residence/blue_card", nearest="residence"),
                  ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_FAQ]


def test_topic_without_matching_faq_names_the_office() -> None:
    t = turn("housing", faq_key="residence/permit_extend")
    plan = decide(t, ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_OFFICE]


def test_low_confidence_asks_for_clarification() -> None:
    plan = decide(turn("housing", 0.3), ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_CLARIFY]


def test_clarify_offers_two_likeliest_topics_then_a_counsellor() -> None:
    state = ConversationState()
    parse = ParseResult(intent="nlu_fallback", confidence=0.3,
                        ranking=(("nlu_fallback", 0.3), ("housing", 0.25), ("greet", 0.2),
                                 ("benefits", 0.15), ("work", 0.1)))
    first = clarify(parse, state, _, POLICY)
    assert [b.payload for b in first.replies[0].buttons] == ["/housing", "/benefits",
                                                             "/out_of_scope"]
    second = clarify(parse, state, _, POLICY)
    assert second.replies[0].text == "clarify_offer_counsellor"
    assert state.pending == "offer_counsellor"
    accepted = decide(turn("affirm"), state, _, POLICY)
    assert accepted.handoff == "offer_accepted"  # bot/core/machine.py: bot → waiting
    assert state.pending is None


def test_nlu_unavailable_gets_a_polite_reply() -> None:
    plan = decide(Turn("hallo", None), ConversationState(), _, POLICY)
    assert plan.replies[0].text == "unavailable"
    assert plan.replies[0].kind == "unavailable"


def test_pending_welcome_point_request_is_completed_by_a_place() -> None:
    state = ConversationState(pending="welcome_point_location")
    plan = decide(turn("inform", entities=(Entity("postcode", "40595"),)), state, _, POLICY)
    assert plan.actions == [ACTION_WELCOME_POINT]


def test_pending_welcome_point_request_is_completed_by_a_location() -> None:
    state = ConversationState(pending="welcome_point_location")
    t = Turn("", ParseResult(intent="inform", confidence=1.0), Location(51.2, 6.8))
    assert decide(t, state, _, POLICY).actions == [ACTION_WELCOME_POINT]


def test_a_new_question_drops_the_pending_request() -> None:
    state = ConversationState(pending="welcome_point_location")
    plan = decide(turn("work", faq_key="work/find_job"), state, _, POLICY)
    assert plan.actions == [ACTION_FAQ]
    assert state.pending is None


def test_a_city_button_runs_the_switch_action() -> None:
    button = parse_payload('/set_city{"city":"leipzig"}')
    assert button is not None
    state = ConversationState(pending="welcome_point_location")
    assert decide(Turn("", button), state, _, POLICY).actions == [ACTION_SWITCH_CITY]


def test_city_confirmation_runs_the_switch_action() -> None:
    state = ConversationState(pending="confirm_city:leipzig")
    assert decide(turn("affirm"), state, _, POLICY).actions == [ACTION_SWITCH_CITY]


def test_change_language_by_text_and_by_button() -> None:
    state = ConversationState(language="de")
    decide(turn("change_language", text="english please"), state, _, POLICY)
    assert (state.language, state.language_explicit) == ("en", True)
    button = parse_payload('/change_language{"language":"ar"}')
    assert button is not None
    decide(Turn("", button), state, _, POLICY)
    assert state.language == "ar"


def test_change_language_without_target_offers_buttons() -> None:
    plan = decide(turn("change_language", text="andere sprache"), ConversationState(), _, POLICY)
    assert [b.title for b in plan.replies[0].buttons] == ["Deutsch", "English", "العربية"]


def test_payloads() -> None:
    faq = parse_payload("/residence/permit_extend")
    assert faq is not None and faq.intent == "residence"
    assert faq.faq_key == "residence/permit_extend"
    assert parse_payload("/nope{not json}") is None
    assert parse_payload("hello") is None
    assert requested_language("auf deutsch bitte") == "de"
    assert requested_language("بالعربي لو سمحت") == "ar"
    assert requested_language("deutsch or english?") is None


def test_a_pending_yes_no_question_takes_only_a_clear_answer() -> None:
    for text, intent, confidence in [("asdfgh", "affirm", 0.87), ("blub", "nlu_fallback", 0.4),
                                     ("wo ist das jobcenter", "work", 0.95)]:
        state = ConversationState(pending="confirm_city:leipzig")
        plan = decide(turn(intent, confidence, text=text), state, _, POLICY)
        assert ACTION_SWITCH_CITY not in plan.actions, text
        assert state.pending is None  # the question is dropped, the message answered as such
    for text, intent in [("ja", "greet"), ("Ja, bitte!", "thanks"), ("نعم", "nlu_fallback"),
                         ("yes please", "affirm"), ("nein danke", "deny"), ("لا", "deny")]:
        state = ConversationState(pending="confirm_city:leipzig")
        plan = decide(turn(intent, 0.5, text=text), state, _, POLICY)
        assert plan.actions == [ACTION_SWITCH_CITY], text
    button = parse_payload("/affirm")
    assert button is not None
    state = ConversationState(pending="offer_counsellor")
    assert decide(Turn("/affirm", button), state, _, POLICY).handoff == "offer_accepted"


def test_yes_or_no() -> None:
    from bot.core.dialogue import yes_or_no

    assert yes_or_no("Ja gerne", ParseResult("affirm", 0.3)) == "affirm"
    assert yes_or_no("nö", ParseResult("nlu_fallback", 0.3)) == "deny"
    assert yes_or_no("ja nein", ParseResult("affirm", 0.5)) is None
    assert yes_or_no("klar doch", ParseResult("affirm", 0.95)) == "affirm"
    assert yes_or_no("qwertz", ParseResult("affirm", 0.87)) is None
    assert yes_or_no("👍", ParseResult("affirm", 0.6)) is None


def test_inform_without_a_place_is_clarified_not_answered() -> None:
    plan = decide(turn("inform", 0.9, text="5234"), ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_CLARIFY]
    bilk = (Entity("district", "duesseldorf:bilk"),)
    plan = decide(turn("inform", 0.9, text="Bilk", entities=bilk), ConversationState(), _, POLICY)
    assert plan.actions == [ACTION_WELCOME_POINT]


def test_gibberish_raises_no_emergency_alarm_from_its_ranking() -> None:
    ranking = (("nlu_fallback", 0.6), ("emergency", 0.8))
    novel = turn("nlu_fallback", 0.6, ranking=ranking, similarity=0.3, novel=True)
    assert ACTION_EMERGENCY not in decide(novel, ConversationState(), _, POLICY).actions
    known = turn("nlu_fallback", 0.6, ranking=ranking, similarity=0.7)
    assert ACTION_EMERGENCY in decide(known, ConversationState(), _, POLICY).actions


def test_a_shared_location_is_a_place() -> None:
    t = Turn("", ParseResult(intent="inform", confidence=1.0), Location(51.2, 6.8))
    assert decide(t, ConversationState(), _, POLICY).actions == [ACTION_WELCOME_POINT]
