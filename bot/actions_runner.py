"""Run Rasa SDK actions in-process: state -> Tracker, dispatcher messages -> Replies,
SlotSet events -> state."""

from __future__ import annotations

import inspect
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.machine import ActionDone, Context, Outcome, transition
from bot.core.types import Button, ConversationState, Link, Location, ParseResult, Reply


def latest_message(text: str, parse: ParseResult, raw: dict[str, Any] | None,
                   location: Location | None) -> dict[str, Any]:
    message: dict[str, Any] = dict(raw or {})
    message.setdefault("intent", {"name": parse.intent, "confidence": parse.confidence})
    message.setdefault("intent_ranking", [{"name": n, "confidence": c} for n, c in parse.ranking])
    message.setdefault("entities", [{"entity": e.kind, "value": e.value} for e in parse.entities])
    if parse.faq_key and "response_selector" not in message:
        message["response_selector"] = {"default": {"response": {
            "intent_response_key": parse.faq_key, "confidence": parse.faq_confidence}}}
    message["text"] = text
    if location is not None:
        message["metadata"] = {"location": {"lat": location.lat, "lon": location.lon}}
    return message


def to_reply(message: dict[str, Any]) -> Reply:
    custom = message.get("custom") or {}
    return Reply(
        text=message.get("text") or "",
        buttons=[Button(str(b["title"]), str(b.get("payload") or ""), b.get("url"))
                 for b in message.get("buttons") or []],
        kind=str(custom.get("kind") or "text"),
        ref=custom.get("ref"),
        links=[Link(str(link["label"]), link.get("url")) for link in custom.get("links") or []],
    )


async def run_action(action: Action, sender: str, state: ConversationState,
                     message: dict[str, Any]) -> tuple[list[Reply], dict[str, Any]]:
    """Run one action: what it said, and the slots it set (its SlotSet events). The state is
    not touched: `bot.core.machine.transition` applies the slots (`ActionDone`)."""
    tracker = Tracker(sender, state.to_json(), message, [], False, None, {}, None)
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, {})
    events = await result if inspect.isawaitable(result) else result
    slots = {str(e["name"]): e.get("value") for e in events or [] if e.get("event") == "slot"}
    return [to_reply(m) for m in dispatcher.messages], slots


async def carry_out(outcome: Outcome, actions: dict[str, Action], sender: str,
                    message: dict[str, Any], context: Context,
                    ) -> tuple[ConversationState, list[Reply]]:
    """Run an outcome's actions in order, feeding each one's slots back through the state
    machine; the replies in the order the user sees them."""
    state, replies = outcome.state, list(outcome.replies)
    for name in outcome.actions:
        said, slots = await run_action(actions[name], sender, state, message)
        replies += said
        state = transition(state, ActionDone(name, slots), context).state
    return state, replies + outcome.after
