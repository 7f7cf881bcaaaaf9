"""Run Rasa SDK actions in-process: state -> Tracker, dispatcher messages -> Replies,
SlotSet events -> state."""

from __future__ import annotations

import inspect
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.types import Button, ConversationState, Location, ParseResult, Reply


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
    venue = custom.get("venue")
    return Reply(
        text=message.get("text") or "",
        buttons=[Button(str(b["title"]), str(b["payload"])) for b in message.get("buttons") or []],
        venue=Location(venue["lat"], venue["lon"], venue["title"], venue["address"])
        if venue else None,
        kind=str(custom.get("kind") or "text"),
        ref=custom.get("ref"),
    )


async def run_action(action: Action, sender: str, state: ConversationState,
                     message: dict[str, Any]) -> list[Reply]:
    """Run one action; apply its SlotSet events to `state`; return what it said."""
    tracker = Tracker(sender, state.to_json(), message, [], False, None, {}, None)
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, tracker, {})
    events = await result if inspect.isawaitable(result) else result
    for event in events or []:
        if event.get("event") == "slot" and event.get("name") in state.to_json():
            setattr(state, event["name"], event.get("value"))
    return [to_reply(m) for m in dispatcher.messages]
