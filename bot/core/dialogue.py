"""The dialogue core: given the conversation state and a parsed message, decide what to do.

Pure: no framework imports, no I/O. It returns a `Plan` — replies to send and custom
actions (by name) for the app to run — and mutates the `ConversationState` it was given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.names import words as normalise_words
from bot.core.types import (
    FALLBACK_INTENT,
    LANGUAGES,
    TOPICS,
    Button,
    ConversationState,
    Entity,
    Location,
    ParseResult,
    Reply,
)

EMERGENCY_MIN_CONFIDENCE = 0.3
ACTION_FAQ = "action_answer_faq"
ACTION_WELCOME_POINT = "action_find_welcome_point"
ACTION_OFFICE = "action_responsible_office"
ACTION_EMERGENCY = "action_emergency"
ACTION_CLARIFY = "action_clarify"
ACTION_SWITCH_CITY = "action_switch_city"

# Names of the languages as users write them, to understand "english please" / "بالعربي".
LANGUAGE_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("deutsch", "german", "almanca", "الماني", "ألماني", "الألمانية", "بالالماني"),
    "en": ("english", "englisch", "انجليزي", "إنجليزي", "الإنجليزية", "انكليزي", "بالانجليزي"),
    "ar": ("arabic", "arabisch", "عربي", "العربية", "بالعربي", "بالعربية"),
}
LANGUAGE_LABELS = {"de": "Deutsch", "en": "English", "ar": "العربية"}

# A pending yes/no question accepts only a clear answer: these words (folded by
# `bot.core.names.normalise`), politeness around them, a button, or a confident NLU answer.
YES_WORDS = frozenset(normalise_words(
    "ja jaa jo jap jawohl klar genau gerne ok okay oki yes yeah yep yup sure "
    "نعم ايوه ايوا اه أه اي أيوة اكيد أكيد تمام طيب موافق يس"))
NO_WORDS = frozenset(normalise_words(
    "nein ne nee nö no nope nah لا لأ لاء كلا مش ابدا نو"))
POLITE_WORDS = frozenset(normalise_words(
    "bitte danke please thanks thank you gern doch sehr mal من فضلك لو سمحت شكرا يا ريت بس"))
YES_NO_MIN_CONFIDENCE = 0.9


class Translate(Protocol):
    language: str

    def __call__(self, message: str, **values: object) -> str: ...


@dataclass(frozen=True)
class Policy:
    clarify_below: float = 0.55
    misses_before_counsellor: int = 2
    # what the privacy notice says (the retention settings)
    retention_days: int = 90
    handoff_retention_days: int = 30


@dataclass
class Turn:
    text: str
    parse: ParseResult | None  # None: the NLU service is unavailable
    location: Location | None = None


@dataclass
class Plan:
    replies: list[Reply] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    handoff: str | None = None  # a person is wanted: user_request | offer_accepted | emergency
    language_chosen: bool = False  # the user picked a language (confirmed, also when unchanged)

    def say(self, text: str, buttons: list[Button] | None = None, kind: str = "text") -> Plan:
        self.replies.append(Reply(text=text, buttons=buttons or [], kind=kind))
        return self


def topic_buttons(_: Translate, topics: list[str]) -> list[Button]:
    return [Button(title=_(f"topic:{t}"), payload=f"/{t}") for t in topics]


def language_buttons() -> list[Button]:
    return [Button(LANGUAGE_LABELS[lang], f'/change_language{{"language":"{lang}"}}')
            for lang in LANGUAGES]


def requested_language(text: str) -> str | None:
    lowered = text.lower()
    hits = [lang for lang, names in LANGUAGE_NAMES.items() if any(n in lowered for n in names)]
    return hits[0] if len(hits) == 1 else None


def yes_or_no(text: str, parse: ParseResult) -> str | None:
    """'affirm', 'deny' or None: only a clear yes or no answers a pending question."""
    words = set(normalise_words(text)) - POLITE_WORDS
    if words and words <= YES_WORDS:
        return "affirm"
    if words and words <= NO_WORDS:
        return "deny"
    if parse.intent in ("affirm", "deny") and parse.confidence >= YES_NO_MIN_CONFIDENCE:
        return parse.intent  # a button (confidence 1.0) or a confident NLU answer
    return None


def emergency_likely(parse: ParseResult) -> bool:
    """Emergencies are answered even when another intent ranks first: the numbers cost little,
    missing them costs much. A clear top intent is still answered after them. A message unlike
    anything Lotse was trained on (gibberish) does not raise an alarm from its ranking."""
    if parse.novel:
        return False
    score = dict(parse.ranking).get("emergency", 0.0)
    if parse.intent == "emergency":
        score = max(score, parse.confidence)
    return score >= EMERGENCY_MIN_CONFIDENCE


def decide(turn: Turn, state: ConversationState, _: Translate, policy: Policy) -> Plan:
    plan = Plan()
    parse = turn.parse
    if parse is None:
        return plan.say(_("unavailable"), kind="unavailable")
    intent = parse.intent or FALLBACK_INTENT
    if emergency_likely(parse):
        plan.actions.append(ACTION_EMERGENCY)
        if intent == "emergency":  # the numbers first, then a person (urgent)
            plan.handoff = "emergency"
        if intent in ("emergency", FALLBACK_INTENT):
            return plan
    if intent == "set_city":  # a city button: /set_city{"city":"leipzig"}
        plan.actions.append(ACTION_SWITCH_CITY)
        return plan
    if state.pending and _continue_pending(turn, state, plan, _):
        return plan
    if intent == "change_language":
        return _change_language(parse.entity("language") or requested_language(turn.text),
                                state, plan, _)
    return _answer_intent(intent, turn, state, plan, _, policy)


def _continue_pending(turn: Turn, state: ConversationState, plan: Plan, _: Translate) -> bool:
    """Complete what the previous turn asked for; True when this turn was consumed."""
    parse = turn.parse
    assert parse is not None
    pending = state.pending or ""
    if pending == "welcome_point_location":
        has_place = turn.location or parse.entity("district") or parse.entity("postcode")
        if has_place or parse.intent == "inform":
            plan.actions.append(ACTION_WELCOME_POINT)
            return True
    elif pending.startswith("confirm_city:") and yes_or_no(turn.text, parse):
        plan.actions.append(ACTION_SWITCH_CITY)
        return True
    elif pending == "offer_counsellor" and (answer := yes_or_no(turn.text, parse)):
        state.pending = None
        if answer == "affirm":
            plan.handoff = "offer_accepted"
        else:
            plan.say(_("offer_declined"), topic_buttons(_, list(TOPICS)))
        return True
    state.pending = None
    return False


def _answer_intent(
    intent: str, turn: Turn, state: ConversationState, plan: Plan, _: Translate, policy: Policy,
) -> Plan:
    parse = turn.parse
    assert parse is not None
    # a topic is answered when the NLU is sure, unless the message is most like something Lotse
    # does not answer ("blub blub", "how do you cook biryani"): then it asks
    if intent in TOPICS and parse.confidence >= policy.clarify_below \
            and parse.nearest != "out_of_scope":
        state.misses = 0
        state.last_topic = intent
        faq_topic = (parse.faq_key or "").split("/")[0]
        plan.actions.append(ACTION_FAQ if faq_topic == intent else ACTION_OFFICE)
        return plan
    simple = {"greet": "greet", "goodbye": "goodbye", "thanks": "thanks",
              "bot_challenge": "bot_challenge", "affirm": "affirm_without_question",
              "deny": "deny_without_question"}
    if intent in simple and parse.confidence >= policy.clarify_below:
        state.misses = 0
        buttons = topic_buttons(_, list(TOPICS)) if intent in ("greet", "affirm") else []
        return plan.say(_(simple[intent]), buttons)
    if intent == "out_of_scope" and parse.confidence >= policy.clarify_below:
        return plan.say(_("out_of_scope"), topic_buttons(_, list(TOPICS)), kind="out_of_scope")
    names_a_place = turn.location is not None or any(
        parse.entity(kind) for kind in ("district", "postcode", "city"))
    if (intent == "find_welcome_point" or (intent == "inform" and names_a_place)) \
            and parse.confidence >= policy.clarify_below:
        state.misses = 0  # "inform" without a place found ("5234", "ich wohne hier"): clarify
        plan.actions.append(ACTION_WELCOME_POINT)
        return plan
    if intent == "human_handoff" and parse.confidence >= policy.clarify_below:
        plan.handoff = "user_request"  # bot/core/machine.py moves the conversation to waiting
        return plan
    plan.actions.append(ACTION_CLARIFY)
    return plan


def _change_language(target: str | None, state: ConversationState, plan: Plan,
                     _: Translate) -> Plan:
    if target not in LANGUAGES:
        return plan.say(_("choose_language"), language_buttons())
    state.language = target
    state.language_explicit = True
    plan.language_chosen = True
    return plan  # the service re-renders in the new language: see `language_confirmation`


def clarify(parse: ParseResult, state: ConversationState, _: Translate, policy: Policy) -> Plan:
    """Offer the two likeliest topics plus 'something else'; after repeated misses, a person."""
    plan = Plan()
    state.misses += 1
    if state.misses >= policy.misses_before_counsellor:
        state.misses = 0
        state.pending = "offer_counsellor"
        yes_no = [Button(_("button:counsellor_yes"), "/affirm"),
                  Button(_("button:counsellor_no"), "/deny")]
        return plan.say(_("clarify_offer_counsellor"), yes_no, kind="clarify")
    likely = [name for name, _conf in parse.ranking if name in TOPICS][:2]
    buttons = [*topic_buttons(_, likely), Button(_("button:something_else"), "/out_of_scope")]
    return plan.say(_("clarify"), buttons, kind="clarify")


def language_confirmation(_: Translate) -> Reply:
    return Reply(text=_("language_changed"), kind="text")


_PAYLOAD = re.compile(r'^/(?P<intent>[a-z_]+(?:/[a-z_]+)?)(?P<json>\{.*\})?$')


def parse_payload(payload: str) -> ParseResult | None:
    """Rasa-style button payloads: `/residence`, `/change_language{"language":"ar"}`."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        return None
    intent = match.group("intent")
    try:
        values = json.loads(match.group("json") or "{}")
    except json.JSONDecodeError:
        return None
    if not isinstance(values, dict):
        return None
    entities = tuple(Entity(str(k), str(v)) for k, v in values.items())
    topic, _sep, faq = intent.partition("/")
    return ParseResult(intent=topic, confidence=1.0, ranking=((topic, 1.0),),
                       faq_key=intent if faq else None, faq_confidence=1.0 if faq else 0.0,
                       entities=entities)
