"""Clarification when the intent is uncertain (the logic lives in `bot.core.dialogue.clarify`)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import LotseAction, buttons_json, state_of, translator
from bot.core.dialogue import clarify
from bot.core.types import ParseResult


class ActionClarify(LotseAction):
    def name(self) -> str:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        state = state_of(tracker)
        parse = ParseResult.from_rasa(tracker.latest_message)
        plan = clarify(parse, state, translator(self.resources, tracker), self.resources.policy)
        for reply in plan.replies:
            dispatcher.utter_message(text=reply.text, buttons=buttons_json(reply.buttons),
                                     json_message={"kind": reply.kind})
        return [SlotSet("misses", state.misses), SlotSet("pending", state.pending)]
