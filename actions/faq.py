"""Answer an FAQ (ResponseSelector's `topic/faq_key`) and name the responsible office."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    LotseAction,
    Resources,
    buttons_json,
    city_of,
    merged,
    office_block,
    office_buttons,
    reply_json,
    source_links,
    source_note,
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
        sources = self.resources.knowledge.sources
        parts, buttons, prov = [faq.answer_for(city.id, _.language)], [], faq.provenance
        if faq.office is not None:
            office = city.offices[faq.office]
            parts.append(office_block(_, office, _.language))
            buttons = office_buttons(_, office)
            prov = merged(faq.provenance, office.provenance)
        text = "\n\n".join([*parts, source_note(_, prov, sources)])
        dispatcher.utter_message(text=text, buttons=buttons_json(buttons), json_message=reply_json(
            "faq", faq.intent, source_links(_, prov, sources)))
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
        buttons, links = [], []
        if office_id:
            office, sources = city.offices[office_id], self.resources.knowledge.sources
            parts += [office_block(_, office, _.language),
                      source_note(_, office.provenance, sources)]
            buttons, links = office_buttons(_, office), source_links(_, office.provenance, sources)
        parts.append(_("topic_ask_more"))
        dispatcher.utter_message(text="\n\n".join(parts), buttons=buttons_json(buttons),
                                 json_message=reply_json("office", topic, links))
        return [SlotSet("last_topic", topic)]


def office_for_topic(resources: Resources, city: City, topic: str) -> str | None:
    """The office most FAQs of this topic name (the topic's usual office)."""
    counts: dict[str, int] = {}
    for faq in resources.knowledge.faqs_of(topic):
        if faq.office is None:
            continue
        counts[faq.office] = counts.get(faq.office, 0) + 1
    ranked = sorted(counts, key=lambda o: -counts[o])
    return next((o for o in ranked if o in city.offices), None)
