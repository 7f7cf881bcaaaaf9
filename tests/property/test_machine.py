"""The conversation's state machine (bot/core/machine.py with bot/core/dialogue.py) under
arbitrary sequences of events: messages with any intent, confidence, entities and text,
button payloads (the bot's own and forged ones), locations (also NaN and infinite), action
results, counsellors' acts and timers, from every state they lead to.

A user's message is never refused; a counsellor's act or a timer may only be refused with
`Refused` (documented), and then nothing changes. Every resulting state is one the machine
can store and represent (bot/core/handoff.py: a legal status reached by a legal, recorded
change; a counsellor assigned exactly while a person answers), the input state is never
touched, and every reply is in the user's language (the real catalogs; each text tagged
with the language of the translator that made it)."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.dialogue import (
    ACTION_CLARIFY,
    ACTION_EMERGENCY,
    ACTION_FAQ,
    ACTION_OFFICE,
    ACTION_SWITCH_CITY,
    ACTION_WELCOME_POINT,
    LANGUAGE_LABELS,
    Policy,
    Turn,
    parse_payload,
)
from bot.core.handoff import OPEN_HANDOFF, STATUSES, Refused, legal
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
from bot.core.privacy import PRIVACY_INTENTS
from bot.core.types import (
    FALLBACK_INTENT,
    LANGUAGES,
    META_INTENTS,
    TOPICS,
    ConversationState,
    Entity,
    Location,
    ParseResult,
)
from bot.handoff.context import hours_by_city
from bot.i18n import Translator, load_translators
from bot.kb.loader import load_knowledge
from bot.settings import PROJECT_ROOT
from tests.property.strategies import examples, json_value, odd_text

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
REAL = load_translators()
CITIES = {city.id: dict(city.name) for city in KNOWLEDGE.cities.values()}
ACTIONS = {ACTION_FAQ, ACTION_OFFICE, ACTION_WELCOME_POINT, ACTION_EMERGENCY, ACTION_CLARIFY,
           ACTION_SWITCH_CITY}
POLICY = Policy()


class Tagged:
    """The real translator, its text tagged with its language; refuses a message id the
    catalog does not have (the user would see the id)."""

    def __init__(self, real: Translator) -> None:
        self.language = real.language
        self._real = real

    def __call__(self, message: str, **values: object) -> str:
        text = self._real(message, **values)
        assert text and self._real(message) != message, f"{message} missing in {self.language}"
        return f"[{self.language}]{text}"


TRANSLATORS = {lang: Tagged(REAL[lang]) for lang in LANGUAGES}


def context(online: bool, hours: dict[str, dict[str, str]]) -> Context:
    return Context(TRANSLATORS, POLICY, CITIES, hours, online)


# --- events ---------------------------------------------------------------------------------

INTENTS = (*TOPICS, *META_INTENTS, FALLBACK_INTENT, "start", "privacy", "cancel_handoff",
           "set_city")
confidences = st.one_of(st.sampled_from([0.0, 0.3, 0.55, 0.9, 1.0]),
                        st.floats(min_value=-1, max_value=2), st.just(math.nan))
entity_values = st.one_of(st.sampled_from([*LANGUAGES, *CITIES, "40227", "duesseldorf:8",
                                           "leipzig:9", "eller", "xx"]), odd_text)
entities = st.lists(st.builds(Entity, st.sampled_from(["language", "city", "district",
                                                       "postcode", "other"]), entity_values),
                    max_size=3).map(tuple)
intents = st.one_of(st.sampled_from(INTENTS), st.none(), odd_text)
parses = st.builds(
    ParseResult, intent=intents, confidence=confidences,
    ranking=st.lists(st.tuples(st.sampled_from(INTENTS), confidences), max_size=4).map(tuple),
    faq_key=st.one_of(st.none(), st.sampled_from(list(KNOWLEDGE.faqs)), odd_text),
    faq_confidence=confidences, entities=entities,
    similarity=st.one_of(st.none(), confidences), novel=st.booleans(),
    nearest=st.one_of(st.none(), st.sampled_from(INTENTS)))
coordinates = st.floats(allow_nan=True, allow_infinity=True)
locations = st.one_of(st.none(), st.builds(Location, coordinates, coordinates))
# what the bot puts on buttons, and what a tampered client could send instead
payloads = st.one_of(
    st.sampled_from([*(f'/change_language{{"language":"{lang}"}}' for lang in LANGUAGES),
                     *(f'/set_city{{"city":"{city}"}}' for city in CITIES), CANCEL_PAYLOAD,
                     "/human_handoff", "/affirm", "/deny", "/start", "/privacy", "/my_data",
                     "/delete_data", "/delete_confirm", "/delete_cancel"]),
    st.sampled_from([*(f"/{i}" for i in INTENTS), *(f"/{key}" for key in KNOWLEDGE.faqs)]),
    st.sampled_from(['/set_city{"city":"atlantis"}', '/change_language{"language":"fr"}',
                     '/set_city{"city":["leipzig"]}', "/affirm{}", "/deny[1]"]),
    st.builds(lambda i, v: f"/{i}{json.dumps(v)}", st.sampled_from(INTENTS), json_value),
    odd_text)


@st.composite
def user_messages(draw: st.DrawFn) -> UserMessage:
    text = draw(odd_text)
    if draw(st.booleans()):  # a pressed button: the service parses its payload itself
        parse = parse_payload(draw(payloads))
        if parse is not None:
            return UserMessage(Turn("", parse))
    parse = draw(st.one_of(st.none(), parses))  # None: the NLU service is down
    return UserMessage(Turn(text, parse, draw(locations)))


slot_values: dict[str, st.SearchStrategy[Any]] = {  # what the actions set (SlotSet)
    "pending": st.sampled_from([None, "welcome_point_location", "confirm_city:leipzig",
                                "confirm_city:duesseldorf", "offer_counsellor"]),
    "place_ref": st.one_of(st.none(), st.sampled_from(["40227", "leipzig:9"])),
    "city": st.sampled_from(list(CITIES)),
    "misses": st.integers(0, POLICY.misses_before_counsellor - 1),
    "urgent": st.booleans(),
    "last_topic": st.one_of(st.none(), st.sampled_from(TOPICS)),
    # not an action's to set: ignored by the machine
    "status": st.sampled_from(STATUSES), "language": st.sampled_from(["fr", "ar"]),
    "assignee": st.integers(),
}


@st.composite
def action_results(draw: st.DrawFn) -> ActionDone:
    names = draw(st.lists(st.sampled_from(sorted(slot_values)), max_size=4, unique=True))
    return ActionDone(draw(st.sampled_from(sorted(ACTIONS))),
                      {name: draw(slot_values[name]) for name in names})


counsellor_acts = st.builds(
    CounsellorAct, st.sampled_from(["claim", "reply", "release", "close"]),
    st.integers(1, 3), odd_text, st.booleans())
timers = st.builds(TimerFired, st.sampled_from(["wait_exceeded", "idle"]))
events: st.SearchStrategy[Event] = st.one_of(
    user_messages(), user_messages(), action_results(), counsellor_acts, timers)
hours = st.one_of(st.just(hours_by_city(KNOWLEDGE, REAL)), st.dictionaries(
    st.sampled_from(list(CITIES)), st.fixed_dictionaries({lang: odd_text for lang in LANGUAGES})))


# --- the invariants ---------------------------------------------------------------------------

def _storable(state: ConversationState) -> None:
    """Stored as JSON plus the conversation's columns, read back the same."""
    again = ConversationState.from_json(json.loads(json.dumps(state.to_json())),
                                        status=state.status, assignee=state.assignee)
    same = [f.name for f in dataclasses.fields(state)
            if not _equal(getattr(state, f.name), getattr(again, f.name))]
    assert not same, same


def _equal(a: object, b: object) -> bool:
    return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a)
                      and math.isnan(b))


def _representable(state: ConversationState) -> None:
    assert state.status in STATUSES
    assert (state.assignee is not None) == (state.status == "human"), state
    assert state.language in LANGUAGES
    assert state.city in CITIES
    assert state.onboarding in (None, "language", "city")
    assert isinstance(state.misses, int) and state.misses >= 0
    if state.status == "closed":
        assert not state.urgent and not state.wait_notified
    _storable(state)


def _in_language(out: Outcome, language: str) -> None:
    """Every reply, and every button on it, in the user's language."""
    labels = {*LANGUAGE_LABELS.values(), *(names[language] for names in CITIES.values())}
    replies = [*out.replies, *out.after]
    for reply in replies:
        if reply.kind == "counsellor":  # the counsellor's own words
            continue
        assert reply.text.startswith(f"[{language}]"), (language, reply.text[:80])
        for button in reply.buttons:
            assert button.title.startswith(f"[{language}]") or button.title in labels, button
            assert button.payload and parse_payload(button.payload) is not None, button


def _step(state: ConversationState, event: Event, ctx: Context) -> ConversationState:
    before = copy.deepcopy(state)
    try:
        out = transition(state, event, ctx)
    except Refused:
        assert not isinstance(event, UserMessage | ActionDone), "a message is never refused"
        assert state == before
        return state
    assert state == before, "the input state was changed"
    new = out.state
    _representable(new)
    _in_language(out, new.language)
    assert set(out.actions) <= ACTIONS
    change = out.change
    if change is None:
        assert new.status == state.status
    else:
        assert (change.from_status, change.to_status) == (state.status, new.status)
        assert legal(change.from_status, change.to_status, change.actor), change
        assert change.to_status != change.from_status
    if isinstance(event, UserMessage):
        assert not out.forward or state.status in OPEN_HANDOFF
        if state.status == "bot":  # the bot always answers something
            assert out.replies or out.actions or out.after, event
    if isinstance(event, CounsellorAct) and event.kind == "reply":
        assert [r.text for r in out.replies] == [event.text]
    if out.effect == "erase":  # only the user's "yes" to the question just asked
        assert isinstance(event, UserMessage) and event.turn.parse is not None
        assert event.turn.parse.intent == "delete_confirm" and state.pending == "confirm_delete"
    return new


def _conversation(state: ConversationState) -> ConversationState:
    """A closed conversation takes no more messages: the next message begins a new one
    carrying the user's language and city (bot/storage/repository.py)."""
    if state.status != "closed":
        return state
    return ConversationState(language=state.language, city=state.city,
                             language_explicit=state.language_explicit)


@settings(max_examples=examples(250))
@given(language=st.sampled_from(LANGUAGES), city=st.sampled_from(list(CITIES)),
       online=st.booleans(), hours=hours, steps=st.lists(st.tuples(events, st.booleans()),
                                                         min_size=1, max_size=20))
def test_any_sequence_of_events_keeps_the_machine_sound(
        language: str, city: str, online: bool, hours: dict[str, dict[str, str]],
        steps: list[tuple[Event, bool]]) -> None:
    state = ConversationState(language=language, city=city)
    ctx = context(online, hours)
    for event, toggle_online in steps:
        if toggle_online:  # counsellors come and go between events
            online = not online
            ctx = context(online, hours)
        if isinstance(event, UserMessage | ActionDone):  # actions run after a message
            state = _conversation(state)
        state = _step(state, event, ctx)


@settings(max_examples=examples(150))
@given(language=st.sampled_from(LANGUAGES), steps=st.lists(events, max_size=8),
       message=user_messages())
def test_a_message_during_a_handoff_keeps_the_bot_quiet(
        language: str, steps: list[Event], message: UserMessage) -> None:
    """From any state a person was asked for in, a message is forwarded, or it is one of
    the few things the bot still answers (emergency, /privacy, /mydata, /delete, /language,
    cancel)."""
    state = ConversationState(language=language)
    ctx = context(True, {})
    asked = parse_payload("/human_handoff")
    assert asked is not None
    state = _step(state, UserMessage(Turn("", asked)), ctx)
    assert state.status == "waiting"
    for event in steps:
        if state.status not in OPEN_HANDOFF:
            break
        state = _step(state, event, ctx)
    if state.status not in OPEN_HANDOFF:
        return
    out = transition(state, message, ctx)
    parse = message.turn.parse
    answered = parse is not None and (parse.intent in ("change_language", "cancel_handoff",
                                                       "human_handoff", *PRIVACY_INTENTS)
                                      or parse.entity("district") or parse.entity("postcode")
                                      or message.turn.location is not None)
    assert out.forward or answered
    assert set(out.actions) <= {ACTION_EMERGENCY, ACTION_WELCOME_POINT}
    if not answered:
        assert not out.replies and not out.after
