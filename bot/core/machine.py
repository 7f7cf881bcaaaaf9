"""The conversation's state machine: one pure transition function over typed events.

`transition(state, event, context)` returns a new state and what to do — replies, custom
actions to run (by name), and at most one handoff `Change` — and never touches its input.
Channels, actions and the console only produce events: a user's message (`UserMessage`),
an action's slots (`ActionDone`), a counsellor's act (`CounsellorAct`) and a timer
(`TimerFired`). Onboarding (language, city, privacy notice), the dialogue
(`bot.core.dialogue.decide`) and the handoff (`bot.core.handoff`) all run through it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.core.dialogue import (
    ACTION_EMERGENCY,
    ACTION_WELCOME_POINT,
    Policy,
    Translate,
    Turn,
    decide,
    emergency_likely,
    language_buttons,
    language_confirmation,
    topic_buttons,
)
from bot.core.handoff import OPEN_HANDOFF, Actor, Change, Refused, Status, legal
from bot.core.privacy import Effect, forget_question, is_privacy_command, privacy_step
from bot.core.types import LANGUAGES, TOPICS, Button, ConversationState, Reply

# What a custom action may change (its SlotSet events); everything else is the machine's.
ACTION_SLOTS = frozenset({"pending", "place_ref", "city", "misses", "urgent", "last_topic"})
CANCEL_PAYLOAD = "/cancel_handoff"


@dataclass(frozen=True)
class UserMessage:
    turn: Turn


@dataclass(frozen=True)
class ActionDone:
    action: str
    slots: Mapping[str, Any]


@dataclass(frozen=True)
class CounsellorAct:
    kind: Literal["claim", "reply", "release", "close"]
    counsellor: int
    text: str = ""
    admin: bool = False  # admins may release or answer a conversation another person holds


@dataclass(frozen=True)
class TimerFired:
    kind: Literal["wait_exceeded", "idle"]


Event = UserMessage | ActionDone | CounsellorAct | TimerFired


@dataclass(frozen=True)
class Context:
    translators: Mapping[str, Translate]
    policy: Policy
    cities: Mapping[str, Mapping[str, str]]  # city id → its name per language
    hours: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # city → language →
    # the counsellors' service hours as text; a city without them: "as soon as possible"
    counsellors_online: bool = False


@dataclass
class Outcome:
    state: ConversationState
    replies: list[Reply] = field(default_factory=list)  # sent first
    actions: list[str] = field(default_factory=list)  # run next; their replies follow
    after: list[Reply] = field(default_factory=list)  # sent after the actions' replies
    change: Change | None = None
    forward: bool = False  # the message is for the person handling the conversation
    effect: Effect | None = None  # the user's data: send a copy ("export") or "erase" it


def transition(state: ConversationState, event: Event, context: Context) -> Outcome:
    """The next state and what to do. Raises `Refused` for an illegal counsellor act or a
    timer that no longer applies."""
    new = copy.deepcopy(state)
    if isinstance(event, UserMessage):
        return _user_message(new, event.turn, context)
    if isinstance(event, ActionDone):
        for name, value in event.slots.items():
            if name in ACTION_SLOTS:
                setattr(new, name, value)
        return Outcome(new)
    if isinstance(event, CounsellorAct):
        return _counsellor(new, event, context)
    return _timer(new, event, context)


def _tr(state: ConversationState, context: Context) -> Translate:
    return context.translators[state.language]


def _change(out: Outcome, to: Status, actor: Actor, reason: str,
            counsellor: int | None = None) -> None:
    state = out.state
    if not legal(state.status, to, actor):
        raise Refused("illegal")
    out.change = Change(state.status, to, actor, reason, counsellor, state.urgent)  # type: ignore[arg-type]
    state.status = to
    if to in ("bot", "closed"):
        state.assignee, state.urgent, state.wait_notified = None, False, False


# --- the user's messages ---------------------------------------------------------------

def _user_message(state: ConversationState, turn: Turn, context: Context) -> Outcome:
    if state.status in OPEN_HANDOFF:
        return _during_handoff(state, turn, context)
    intent = turn.parse.intent if turn.parse else None
    if turn.parse is not None and is_privacy_command(intent, turn.parse.confidence):
        return _privacy(state, str(intent), context)
    forget_question(state)
    if intent == "start":
        return _start(state, context)
    if intent == "cancel_handoff":  # a stale button: nobody is waiting any more
        tr = _tr(state, context)
        return Outcome(state, [Reply(tr("handoff_cancelled"), topic_buttons(tr, list(TOPICS)),
                                     kind="handoff")])
    if state.onboarding and turn.parse is not None:
        onboarded = _onboarding_step(state, turn, context)
        if onboarded is not None:
            return onboarded
    state.onboarding = None
    language = state.language
    plan = decide(turn, state, _tr(state, context), context.policy)
    out = Outcome(state, plan.replies, plan.actions)
    if state.language != language or plan.language_chosen:  # also "English" when it was
        out.after.append(language_confirmation(_tr(state, context)))
    if plan.handoff:
        _request_person(out, plan.handoff, context)
    return out


def _start(state: ConversationState, context: Context) -> Outcome:
    """First contact (/start, or the web chat opened): who Lotse is, privacy, the language."""
    state.onboarding, state.pending = "language", None
    tr = _tr(state, context)
    text = f"{tr('welcome')}\n\n{tr('choose_language')}"
    return Outcome(state, [Reply(text, language_buttons(), kind="onboarding")])


def _onboarding_step(state: ConversationState, turn: Turn, context: Context) -> Outcome | None:
    assert turn.parse is not None
    intent, parse = turn.parse.intent, turn.parse
    language, city = parse.entity("language") or "", parse.entity("city") or ""
    if state.onboarding == "language" and intent == "change_language" and language in LANGUAGES:
        state.language, state.language_explicit, state.onboarding = language, True, "city"
        buttons = [Button(names[language], f'/set_city{{"city":"{city_id}"}}')
                   for city_id, names in context.cities.items()]
        tr = _tr(state, context)
        return Outcome(state, [Reply(tr("choose_city"), buttons, kind="onboarding")])
    if state.onboarding == "city" and intent == "set_city" and city in context.cities:
        state.city, state.onboarding = city, None
        tr = _tr(state, context)
        text = tr("onboarding_done", city=context.cities[city][state.language])
        return Outcome(state, [Reply(text, topic_buttons(tr, list(TOPICS)), kind="onboarding")])
    return None


def _when(state: ConversationState, context: Context) -> str:
    hours = context.hours.get(state.city, {}).get(state.language)
    tr = _tr(state, context)
    return tr("handoff_when_hours", hours=hours) if hours else tr("handoff_when_asap")


def _cancel_button(state: ConversationState, context: Context) -> Button:
    return Button(_tr(state, context)("button:cancel_handoff"), CANCEL_PAYLOAD)


def _request_person(out: Outcome, reason: str, context: Context) -> None:
    """bot → waiting: tell the user what happens; nobody online: say so, offer the Welcome
    Point and leaving a message."""
    state = out.state
    state.urgent = state.urgent or reason == "emergency"
    _change(out, "waiting", "system" if reason == "emergency" else "user", reason)
    state.pending, state.misses, state.wait_notified = None, 0, False
    tr, when = _tr(state, context), _when(state, context)
    key = "handoff_waiting" if context.counsellors_online else "handoff_nobody_online"
    notice = Reply(tr(key, when=when), [_cancel_button(state, context)], kind="handoff")
    # after the emergency numbers, before the Welcome Point it introduces
    (out.after if reason == "emergency" else out.replies).append(notice)
    if not context.counsellors_online:
        out.actions.append(ACTION_WELCOME_POINT)


def _during_handoff(state: ConversationState, turn: Turn, context: Context) -> Outcome:
    """While a person is wanted or answering, the bot is quiet: the message goes to the
    console. Only emergency numbers, the cancel button and the Welcome Point it offered
    itself are answered."""
    out = Outcome(state, forward=True)
    parse = turn.parse
    if parse is None:
        return out
    if emergency_likely(parse):
        out.actions.append(ACTION_EMERGENCY)  # the numbers, always first
        state.urgent = True
    tr = _tr(state, context)
    if is_privacy_command(parse.intent, parse.confidence):
        return _privacy(state, str(parse.intent), context)
    forget_question(state)
    if parse.intent == "change_language" and parse.confidence >= 1:
        return _channel_command(state, parse.entity("language"), context)
    if parse.intent == "cancel_handoff":
        out.forward = False
        _change(out, "bot", "user", "user_cancelled")
        out.replies.append(Reply(tr("handoff_cancelled"), topic_buttons(tr, list(TOPICS)),
                                 kind="handoff"))
    elif parse.intent == "human_handoff" and state.status == "waiting" and parse.confidence >= 1:
        out.replies.append(Reply(tr("handoff_already", when=_when(state, context)),
                                 [_cancel_button(state, context)], kind="handoff"))
    elif state.status == "waiting" and state.pending == "welcome_point_location" and (
            turn.location or parse.entity("district") or parse.entity("postcode")):
        out.actions.append(ACTION_WELCOME_POINT)
    return out


def _privacy(state: ConversationState, intent: str, context: Context) -> Outcome:
    """/privacy, /mydata and /delete are about the user's data: answered at any time, also
    while a person is wanted or answering, and not passed on."""
    step = privacy_step(state, intent, _tr(state, context), context.policy)
    return Outcome(state, step.replies, effect=step.effect)


def _channel_command(state: ConversationState, language: str | None,
                     context: Context) -> Outcome:
    """/language is about the channel: answered also while a person is wanted, and not
    passed on."""
    if language in LANGUAGES:
        state.language, state.language_explicit = language, True
        return Outcome(state, after=[language_confirmation(_tr(state, context))])
    return Outcome(state, [Reply(_tr(state, context)("choose_language"), language_buttons())])


# --- counsellors and timers ------------------------------------------------------------

def _counsellor(state: ConversationState, act: CounsellorAct, context: Context) -> Outcome:
    out = Outcome(state)
    tr = _tr(state, context)
    mine = state.assignee == act.counsellor or act.admin
    if act.kind == "claim":
        if state.status == "human":
            raise Refused("already_claimed")
        reason = "claimed" if state.status == "waiting" else "taken_over"
        _change(out, "human", "counsellor", reason, act.counsellor)
        state.assignee, state.pending = act.counsellor, None
        out.replies.append(Reply(tr("handoff_joined"), kind="handoff"))
    elif act.kind == "reply":
        if state.status != "human":
            raise Refused("not_open")
        if not mine:
            raise Refused("not_assigned")
        out.replies.append(Reply(act.text, kind="counsellor"))
    elif act.kind == "release":
        if state.status not in OPEN_HANDOFF:
            raise Refused("not_open")
        if state.status == "human" and not mine:
            raise Refused("not_assigned")
        _change(out, "bot", "counsellor", "released", act.counsellor)
        out.replies.append(Reply(tr("handoff_released"), topic_buttons(tr, list(TOPICS)),
                                 kind="handoff"))
    else:
        if state.status == "closed":
            raise Refused("closed")
        if state.status == "human" and not mine:
            raise Refused("not_assigned")
        _change(out, "closed", "counsellor", "closed", act.counsellor)
        out.replies.append(Reply(tr("handoff_closed"), kind="handoff"))
    return out


def _timer(state: ConversationState, timer: TimerFired, context: Context) -> Outcome:
    out = Outcome(state)
    tr = _tr(state, context)
    if timer.kind == "wait_exceeded":
        if state.status != "waiting" or state.wait_notified:
            raise Refused("stale")
        state.wait_notified = True
        out.replies.append(Reply(tr("handoff_wait_long", when=_when(state, context)),
                                 [_cancel_button(state, context)], kind="handoff"))
        out.actions.append(ACTION_WELCOME_POINT)
        return out
    if state.status != "human":
        raise Refused("stale")
    _change(out, "bot", "system", "idle")
    out.replies.append(Reply(tr("handoff_idle_released"), topic_buttons(tr, list(TOPICS)),
                             kind="handoff"))
    return out
