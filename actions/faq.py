"""Answer an FAQ (ResponseSelector's `topic/faq_key`) and name the responsible office."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    LotseAction,
    Resources,
    city_of,
    merged,
    office_block,
    provenance_line,
    translator,
)
from bot.core.types import TOPICS
from bot.kb.model import City


class ActionAnswerFaq(LotseAction):
    def name(self) -> str:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        _ = translator(self.resources, tracker)
        city = city_of(self.resources, tracker)
        selector = (tracker.latest_message.get("response_selector") or {}).get("default") or {}
        key = (selector.get("response") or {}).get("intent_response_key")
        faq = self.resources.knowledge.faqs.get(key or "")
        if faq is None:
            return ActionResponsibleOffice(self.resources).run(dispatcher, tracker, domain)
        office = city.offices[faq.office]
        text = "\n\n".join([
            faq.answer_for(city.id, _.language),
            office_block(_, office, _.language),
            provenance_line(_, merged(faq.provenance, office.provenance)),
        ])
        dispatcher.utter_message(text=text, json_message={"kind": "faq", "ref": faq.intent})
        return [SlotSet("last_topic", faq.topic)]


class ActionResponsibleOffice(LotseAction):
    """A topic without a matching FAQ: which office is responsible, and what to bring."""

    def name(self) -> str:
        return "action_responsible_office"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        _ = translator(self.resources, tracker)
        city = city_of(self.resources, tracker)
        topic = (tracker.latest_message.get("intent") or {}).get("name")
        if topic not in TOPICS:
            topic = tracker.get_slot("last_topic")
        if topic not in TOPICS:
            dispatcher.utter_message(text=_("clarify"))
            return []
        office_id = office_for_topic(self.resources, city, topic)
        parts = [_("topic_office_intro", topic=_(f"topic:{topic}"), city=city.name[_.language])]
        if office_id:
            office = city.offices[office_id]
            parts += [office_block(_, office, _.language), provenance_line(_, office.provenance)]
        parts.append(_("topic_ask_more"))
        dispatcher.utter_message(text="\n\n".join(parts),
                                 json_message={"kind": "office", "ref": topic})
        return [SlotSet("last_topic", topic)]


def office_for_topic(resources: Resources, city: City, topic: str) -> str | None:
    """The office most FAQs of this topic name (the topic's usual office)."""
    counts: dict[str, int] = {}
    for faq in resources.knowledge.faqs_of(topic):
        counts[faq.office] = counts.get(faq.office, 0) + 1
    ranked = sorted(counts, key=lambda o: -counts[o])
    return next((o for o in ranked if o in city.offices), None)
