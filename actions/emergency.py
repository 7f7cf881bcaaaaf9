"""Emergency: the numbers first, in the user's language; the conversation is marked urgent."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import LotseAction, translator


class ActionEmergency(LotseAction):
    def name(self) -> str:
        return "action_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        _ = translator(self.resources, tracker)
        emergency = self.resources.knowledge.emergency
        lines = [emergency.intro[_.language], ""]
        lines += [f"☎ {h.number} — {h.label[_.language]}: {h.when[_.language]}"
                  for h in emergency.numbers]
        lines += ["", _("emergency_counsellor_note")]
        dispatcher.utter_message(text="\n".join(lines), json_message={"kind": "emergency"})
        return [SlotSet("urgent", True)]
