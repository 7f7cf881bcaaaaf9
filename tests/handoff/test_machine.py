"""The conversation's state machine (bot/core/machine.py): every handoff transition, legal
and illegal, onboarding, what the user is told, and that the input state is never touched."""

from __future__ import annotations

import contextlib
import itertools

import pytest

from bot.core.dialogue import ACTION_EMERGENCY, ACTION_WELCOME_POINT, Policy, Turn, parse_payload
from bot.core.handoff import LEGAL, STATUSES, Refused, legal
from bot.core.machine import (
    CANCEL_PAYLOAD,
    ActionDone,
    Context,
    CounsellorAct,
    Event,
    Outcome,
    TimerFired,
    UserMessage,
    transition,
)
from bot.core.types import ConversationState, Entity, Location, ParseResult


class KeyTranslator:
    """Returns the message id (and its values), so tests see which string was chosen."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, message: str, **values: object) -> str:
        return f"{message}{values}" if values else message


TRANSLATORS = {lang: KeyTranslator(lang) for lang in ("de", "en", "ar")}
CITIES = {"duesseldorf": {"de": "Düsseldorf", "en": "Düsseldorf", "ar": "دوسلدورف"},
          "leipzig": {"de": "Leipzig", "en": "Leipzig", "ar": "لايبزيغ"}}


def context(online: bool = True, hours: dict[str, dict[str, str]] | None = None) -> Context:
    return Context(TRANSLATORS, Policy(), CITIES, hours or {}, online)


def said(text: str, intent: str | None = "residence", confidence: float = 0.9,
         **kw: object) -> UserMessage:
    ranking = kw.pop("ranking", ((intent or "", confidence),))
    parse = ParseResult(intent, confidence, ranking, **kw)  # type: ignore[arg-type]
    return UserMessage(Turn(text, parse))


def pressed(payload: str) -> UserMessage:
    parse = parse_payload(payload)
    assert parse is not None, payload
    return UserMessage(Turn("", parse))


def texts(outcome: Outcome) -> list[str]:
    return [r.text.split("{")[0] for r in [*outcome.replies, *outcome.after]]


def in_status(status: str, assignee: int | None = None, **kw: object) -> ConversationState:
    return ConversationState(status=status, assignee=assignee, language="en", **kw)  # type: ignore[arg-type]


# --- the table of legal changes ----------------------------------------------------------

def test_only_the_drawn_changes_are_legal() -> None:
    drawn = {("bot", "waiting"), ("bot", "human"), ("waiting", "human"), ("waiting", "bot"),
             ("human", "bot"), ("bot", "closed"), ("waiting", "closed"), ("human", "closed")}
    assert set(LEGAL) == drawn
    for old, new, actor in itertools.product(STATUSES, STATUSES, ("user", "counsellor", "system")):
        assert legal(old, new, actor) == (actor in LEGAL.get((old, new), ())), (old, new, actor)
    assert not any(legal("closed", new, actor) for new in STATUSES
                   for actor in ("user", "counsellor", "system"))  # closed is final


# (act, status, the conversation is mine) → new status, or "!" and the refusal
COUNSELLOR_TABLE = [
    ("claim", "bot", False, "human"), ("claim", "waiting", False, "human"),
    ("claim", "human", False, "!already_claimed"), ("claim", "human", True, "!already_claimed"),
    ("claim", "closed", False, "!illegal"),
    ("reply", "bot", False, "!not_open"), ("reply", "waiting", False, "!not_open"),
    ("reply", "human", True, "human"), ("reply", "human", False, "!not_assigned"),
    ("reply", "closed", True, "!not_open"),
    ("release", "bot", False, "!not_open"), ("release", "waiting", False, "bot"),
    ("release", "human", True, "bot"), ("release", "human", False, "!not_assigned"),
    ("release", "closed", True, "!not_open"),
    ("close", "bot", False, "closed"), ("close", "waiting", False, "closed"),
    ("close", "human", True, "closed"), ("close", "human", False, "!not_assigned"),
    ("close", "closed", True, "!closed"),
]


@pytest.mark.parametrize(("kind", "status", "mine", "expected"), COUNSELLOR_TABLE)
def test_counsellor_acts(kind: str, status: str, mine: bool, expected: str) -> None:
    state = in_status(status, assignee=7 if mine else (8 if status == "human" else None))
    act = CounsellorAct(kind, 7, text="Hello")  # type: ignore[arg-type]
    if expected.startswith("!"):
        with pytest.raises(Refused) as refused:
            transition(state, act, context())
        assert refused.value.code == expected[1:]
        return
    outcome = transition(state, act, context())
    assert outcome.state.status == expected
    if expected != status:
        change = outcome.change
        assert change is not None
        assert (change.from_status, change.to_status, change.actor) == (status, expected,
                                                                         "counsellor")
        assert change.counsellor == 7
    assert outcome.replies, "the user is always told"


def test_every_counsellor_act_and_status_is_in_the_table() -> None:
    covered = {(k, s) for k, s, _m, _e in COUNSELLOR_TABLE}
    assert covered == set(itertools.product(("claim", "reply", "release", "close"), STATUSES))


def test_admins_may_release_and_answer_what_another_counsellor_holds() -> None:
    state = in_status("human", assignee=8)
    assert transition(state, CounsellorAct("reply", 7, "Hi", admin=True), context()).replies
    released = transition(state, CounsellorAct("release", 7, admin=True), context())
    assert released.state.status == "bot" and released.state.assignee is None


def test_claim_assigns_and_tells_the_user() -> None:
    outcome = transition(in_status("waiting"), CounsellorAct("claim", 3), context())
    assert (outcome.state.status, outcome.state.assignee) == ("human", 3)
    assert texts(outcome) == ["handoff_joined"]
    assert outcome.change is not None and outcome.change.reason == "claimed"
    taken = transition(in_status("bot"), CounsellorAct("claim", 3), context())
    assert taken.change is not None and taken.change.reason == "taken_over"


def test_reply_is_the_counsellors_text_unchanged() -> None:
    outcome = transition(in_status("human", 3), CounsellorAct("reply", 3, "مرحبا <b>"), context())
    assert [(r.text, r.kind) for r in outcome.replies] == [("مرحبا <b>", "counsellor")]
    assert outcome.change is None


# --- the user's side --------------------------------------------------------------------

@pytest.mark.parametrize("online", [True, False])
def test_asking_for_a_person_waits_and_says_what_happens(online: bool) -> None:
    outcome = transition(in_status("bot"), said("I want a human", "human_handoff"),
                         context(online))
    assert outcome.state.status == "waiting"
    change = outcome.change
    assert change is not None and (change.from_status, change.actor, change.reason) == (
        "bot", "user", "user_request")
    reply = outcome.replies[-1]  # before the Welcome Point (an action) it introduces
    assert reply.text.startswith("handoff_waiting" if online else "handoff_nobody_online")
    assert "handoff_when_asap" in reply.text  # no hours in knowledge/: never invented
    assert [b.payload for b in reply.buttons] == [CANCEL_PAYLOAD]
    assert outcome.actions == ([] if online else [ACTION_WELCOME_POINT])


def test_service_hours_are_named_when_the_city_has_them() -> None:
    hours = {"duesseldorf": {"en": "Mon–Fri 9–12"}}
    outcome = transition(in_status("bot"), said("human", "human_handoff"), context(True, hours))
    assert "handoff_when_hours{'hours': 'Mon–Fri 9–12'}" in outcome.replies[-1].text


def test_an_emergency_sends_the_numbers_first_then_waits_urgently() -> None:
    outcome = transition(in_status("bot"), said("help, fire", "emergency"), context())
    assert outcome.actions[0] == ACTION_EMERGENCY and not outcome.replies  # numbers first
    assert outcome.after[-1].text.startswith("handoff_waiting")  # then the notice
    assert outcome.state.status == "waiting" and outcome.state.urgent
    assert outcome.change is not None and outcome.change.urgent
    assert outcome.change.actor == "system"


def test_accepting_the_counsellor_offer_waits() -> None:
    state = in_status("bot", pending="offer_counsellor")
    outcome = transition(state, pressed("/affirm"), context())
    assert outcome.state.status == "waiting"
    assert outcome.change is not None and outcome.change.reason == "offer_accepted"


@pytest.mark.parametrize("status", ["waiting", "human"])
def test_while_a_person_is_wanted_the_bot_is_quiet(status: str) -> None:
    state = in_status(status, 3 if status == "human" else None)
    outcome = transition(state, said("Wann ist mein Termin?", "residence"), context())
    assert outcome.forward and not outcome.replies and not outcome.actions and not outcome.after
    assert outcome.state.status == status and outcome.change is None


@pytest.mark.parametrize("status", ["waiting", "human"])
def test_emergency_numbers_are_always_sent(status: str) -> None:
    outcome = transition(in_status(status, 3), said("Notfall!", "emergency"), context())
    assert outcome.actions == [ACTION_EMERGENCY] and outcome.forward
    assert outcome.state.urgent and outcome.state.status == status


@pytest.mark.parametrize("status", ["waiting", "human"])
def test_the_user_can_go_back_to_the_bot(status: str) -> None:
    outcome = transition(in_status(status, 3), pressed(CANCEL_PAYLOAD), context())
    assert outcome.state.status == "bot" and outcome.state.assignee is None
    assert outcome.change is not None and outcome.change.actor == "user"
    assert texts(outcome) == ["handoff_cancelled"] and not outcome.forward


def test_a_stale_cancel_button_changes_nothing() -> None:
    outcome = transition(in_status("bot"), pressed(CANCEL_PAYLOAD), context())
    assert outcome.change is None and texts(outcome) == ["handoff_cancelled"]


def test_asking_again_while_waiting_is_answered_once_more() -> None:
    outcome = transition(in_status("waiting"), pressed("/human_handoff"), context())
    assert texts(outcome) == ["handoff_already"] and outcome.change is None


def test_the_offered_welcome_point_is_found_while_waiting() -> None:
    state = in_status("waiting", pending="welcome_point_location")
    located = UserMessage(Turn("", ParseResult("inform", 1.0), Location(51.2, 6.8)))
    assert transition(state, located, context()).actions == [ACTION_WELCOME_POINT]
    district = said("Eller", "inform", entities=(Entity("district", "duesseldorf:eller"),))
    assert transition(state, district, context()).actions == [ACTION_WELCOME_POINT]


@pytest.mark.parametrize("status", ["waiting", "human"])
def test_privacy_and_language_are_answered_while_waiting(status: str) -> None:
    state = in_status(status, 3)
    assert texts(transition(state, pressed("/privacy"), context())) == ["privacy"]
    changed = transition(state, pressed('/change_language{"language":"ar"}'), context())
    assert changed.state.language == "ar" and texts(changed) == ["language_changed"]
    assert not changed.forward and changed.state.status == status
    asked = transition(state, pressed("/change_language"), context())
    assert len(asked.replies[0].buttons) == 3


def test_nlu_down_while_waiting_still_reaches_the_person() -> None:
    outcome = transition(in_status("waiting"), UserMessage(Turn("hallo", None)), context())
    assert outcome.forward and not outcome.replies


# --- timers -------------------------------------------------------------------------------

def test_waiting_too_long_says_so_once() -> None:
    outcome = transition(in_status("waiting"), TimerFired("wait_exceeded"), context(False))
    assert texts(outcome) == ["handoff_wait_long"]
    assert outcome.actions == [ACTION_WELCOME_POINT] and outcome.state.wait_notified
    with pytest.raises(Refused):
        transition(outcome.state, TimerFired("wait_exceeded"), context())


def test_idle_human_conversation_goes_back_to_the_bot() -> None:
    outcome = transition(in_status("human", 3, urgent=True), TimerFired("idle"), context())
    assert outcome.state.status == "bot" and not outcome.state.urgent
    assert outcome.change is not None and (outcome.change.actor, outcome.change.reason) == (
        "system", "idle")
    assert texts(outcome) == ["handoff_idle_released"]


@pytest.mark.parametrize(("timer", "status"), [("wait_exceeded", "bot"), ("wait_exceeded", "human"),
                                                ("idle", "bot"), ("idle", "waiting"),
                                                ("idle", "closed")])
def test_timers_that_no_longer_apply_are_refused(timer: str, status: str) -> None:
    with pytest.raises(Refused):
        transition(in_status(status, 3), TimerFired(timer), context())  # type: ignore[arg-type]


# --- onboarding -----------------------------------------------------------------------------

def test_onboarding_language_city_menu() -> None:
    start = transition(ConversationState(language="de"), pressed("/start"), context())
    assert start.state.onboarding == "language"
    assert start.replies[0].text.startswith("welcome")  # who Lotse is and the privacy notice
    assert [b.payload for b in start.replies[0].buttons][2] == '/change_language{"language":"ar"}'
    chosen = transition(start.state, pressed('/change_language{"language":"ar"}'), context())
    assert chosen.state.language == "ar" and chosen.state.onboarding == "city"
    assert [b.title for b in chosen.replies[0].buttons] == ["دوسلدورف", "لايبزيغ"]
    city = transition(chosen.state, pressed('/set_city{"city":"leipzig"}'), context())
    assert city.state.city == "leipzig" and city.state.onboarding is None
    assert texts(city) == ["onboarding_done"] and len(city.replies[0].buttons) == 10


def test_a_question_during_onboarding_is_answered() -> None:
    state = ConversationState(onboarding="city")
    outcome = transition(state, said("Wie melde ich mich an?", "registration"), context())
    assert outcome.state.onboarding is None and outcome.actions  # the FAQ or office action


def test_privacy_on_request() -> None:
    assert texts(transition(ConversationState(), pressed("/privacy"), context())) == ["privacy"]


# --- purity -----------------------------------------------------------------------------------

EVENTS: list[Event] = [said("human", "human_handoff"), said("x", "emergency"),
                       pressed(CANCEL_PAYLOAD), CounsellorAct("claim", 1), TimerFired("idle"),
                       ActionDone("action_x", {"pending": "p", "status": "closed"})]


@pytest.mark.parametrize("event", EVENTS)
def test_the_input_state_is_never_touched(event: Event) -> None:
    for status in STATUSES:
        state = in_status(status, 1 if status == "human" else None)
        before = repr(state)
        with contextlib.suppress(Refused):
            transition(state, event, context())
        assert repr(state) == before


def test_actions_may_only_set_their_slots() -> None:
    done = transition(in_status("waiting"), ActionDone(
        "action_x", {"pending": "welcome_point_location", "status": "bot", "assignee": 9}),
        context())
    assert done.state.pending == "welcome_point_location"
    assert (done.state.status, done.state.assignee) == ("waiting", None)
