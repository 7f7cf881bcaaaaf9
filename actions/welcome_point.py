"""Find the Welcome Point for the user's place (location, postcode or district name)."""

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
    reply_json,
    source_links,
    source_note,
    state_of,
    translator,
)
from bot.core.dialogue import yes_or_no
from bot.core.names import normalise
from bot.core.types import Button, ParseResult
from bot.i18n import Translator
from bot.kb.model import City, Knowledge, WelcomePoint
from bot.kb.places import (
    Place,
    PointMatch,
    maps_link,
    place_from_location,
    place_from_ref,
    place_from_refs,
    planned_points,
    welcome_points_for,
)
from bot.kb.provenance import Source


def city_named(knowledge: Knowledge, name: str | None) -> City | None:
    if not name:
        return None
    wanted = normalise(name)
    for city in knowledge.cities.values():
        if wanted in {normalise(n) for n in (*city.name.values(), *city.aliases, city.id)}:
            return city
    return None


def place_of_message(resources: Resources, tracker: Tracker, city: City) -> Place | None:
    message = tracker.latest_message
    location = (message.get("metadata") or {}).get("location")
    if location:
        place = place_from_location(float(location["lat"]), float(location["lon"]),
                                    resources.knowledge)
        if place is not None:  # NaN or out of range: as if no location had been sent
            return place
    entities = message.get("entities") or []
    refs = [str(e["value"]) for kind in ("postcode", "district") for e in entities
            if e["entity"] == kind]  # a postcode is more precise than a name
    place = place_from_refs(refs, resources.knowledge, city.id)
    ref = tracker.get_slot("place_ref")
    if place is None and ref:
        place = place_from_ref(ref, resources.knowledge)
    return place


class ActionFindWelcomePoint(LotseAction):
    def name(self) -> str:
        return "action_find_welcome_point"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        _ = translator(self.resources, tracker)
        city = city_of(self.resources, tracker)
        named = city_named(self.resources.knowledge, _entity(tracker, "city"))
        events: list[dict[str, Any]] = []
        if named and named.id != city.id:
            city = named
            events.append(SlotSet("city", city.id))
        place = place_of_message(self.resources, tracker, city)
        if named and named.id != state_of(tracker).city:
            dispatcher.utter_message(text=_("city_switched", city=named.name[_.language]))
        if place is None:
            if len([p for p in city.welcome_points if p.status == "open"]) > 1:
                return events + self._ask_for_place(dispatcher, tracker, _)
            # one centre for the whole city (Leipzig): no need to ask where the user lives
            place = Place(city=city.id, districts=tuple(city.districts))
        if place.city != city.id:
            return events + self._confirm_city(dispatcher, _, place)
        return events + answer_for_place(dispatcher, _, city, place,
                                         self.resources.knowledge.sources)

    def _ask_for_place(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                       _: Translator) -> list[dict[str, Any]]:
        retry = state_of(tracker).pending == "welcome_point_location"
        dispatcher.utter_message(text=_("ask_place_again" if retry else "ask_place"),
                                 json_message={"kind": "ask_location", "request_location": True})
        return [SlotSet("pending", "welcome_point_location")]

    def _confirm_city(self, dispatcher: CollectingDispatcher, _: Translator,
                      place: Place) -> list[dict[str, Any]]:
        other = self.resources.knowledge.cities[place.city]
        ref = place.postcode or (f"{place.city}:{place.quarter.id}" if place.quarter else
                                 f"{place.city}:{place.districts[0]}")
        dispatcher.utter_message(
            text=_("confirm_city", city=other.name[_.language]),
            buttons=buttons_json([Button(_("button:yes"), "/affirm"),
                                  Button(_("button:no"), "/deny")]),
            json_message={"kind": "confirm_city"})
        return [SlotSet("pending", f"confirm_city:{other.id}"), SlotSet("place_ref", ref)]


def answer_for_place(dispatcher: CollectingDispatcher, _: Translator, city: City,
                     place: Place, sources: dict[str, Source]) -> list[dict[str, Any]]:
    if not place.districts:
        dispatcher.utter_message(text=_("postcode_without_district", postcode=place.postcode or ""),
                                 json_message={"kind": "ask_location", "request_location": True})
        return [SlotSet("pending", "welcome_point_location"), SlotSet("place_ref", None)]
    matches = welcome_points_for(city, place)
    if not any(m.serves_user for m in matches):
        planned = planned_points(city, place.districts)
        key = "district_point_planned" if planned else "district_without_point"
        numbers = ", ".join(str(d) for d in place.districts)
        dispatcher.utter_message(text=_(key, district=numbers))
    if matches:  # a plain line first: it also takes Telegram's share-location keyboard away
        dispatcher.utter_message(text=_("point_serving" if matches[0].serves_user
                                        else "point_nearest"))
    for match in matches:
        heading = match.serves_user != matches[0].serves_user
        dispatcher.utter_message(text=card_text(_, match, sources, alone=len(matches) == 1,
                                                heading=heading),
                                 buttons=buttons_json(card_buttons(_, match.point)),
                                 json_message=reply_json(
                                     "welcome_point", match.point.id,
                                     source_links(_, match.point.provenance, sources)))
    return [SlotSet("pending", None), SlotSet("place_ref", None)]


def card_text(_: Translator, match: PointMatch, sources: dict[str, Source], alone: bool,
              heading: bool) -> str:
    """A compact card: name, operator, address, distance, the honest date (whose point it is
    only when it differs from the line above the cards); the general description only when
    it is the one point shown."""
    point = match.point
    lines = [_("point_serving" if match.serves_user else "point_nearest")] if heading else []
    lines += [point.name[_.language], _("operator_line", operator=point.operator)]
    if point.address:
        lines.append(_("address_line", address=point.address))
    if match.distance_km is not None:
        key = "distance_approx" if point.coordinates_approximate else "distance"
        lines.append(_(key, km=f"{match.distance_km:.1f}"))
    if alone and point.description:
        lines.append(point.description[_.language])
    lines.append(source_note(_, point.provenance, sources))
    return "\n".join(lines)


def card_buttons(_: Translator, point: WelcomePoint) -> list[Button]:
    buttons = []
    if point.address or point.lat is not None:
        buttons.append(Button(_("button:map"), url=maps_link(point)))
    if point.url:
        buttons.append(Button(_("button:point_page"), url=point.url))
    return buttons


def _entity(tracker: Tracker, kind: str) -> str | None:
    return next((e["value"] for e in tracker.latest_message.get("entities") or []
                 if e["entity"] == kind), None)


class ActionSwitchCity(LotseAction):
    """A city button, or the answer to 'The postcode is in Leipzig — switch?': switch, and
    finish the Welcome Point request that asked."""

    def name(self) -> str:
        return "action_switch_city"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: dict[str, Any]) -> list[dict[str, Any]]:
        _ = translator(self.resources, tracker)
        state = state_of(tracker)
        chosen = _entity(tracker, "city")  # a city button; otherwise the answer to a question
        target = chosen or (state.pending or "").removeprefix("confirm_city:")
        message = tracker.latest_message
        answer = yes_or_no(message.get("text") or "", ParseResult.from_rasa(message))
        city = self.resources.knowledge.cities.get(target)
        if (answer != "affirm" and not chosen) or city is None:
            current = city_of(self.resources, tracker)
            dispatcher.utter_message(text=_("city_kept", city=current.name[_.language]))
            return [SlotSet("pending", None), SlotSet("place_ref", None)]
        dispatcher.utter_message(text=_("city_switched", city=city.name[_.language]))
        place = place_from_ref(state.place_ref or "", self.resources.knowledge)
        events: list[dict[str, Any]] = [SlotSet("city", city.id)]
        if place is not None and place.city == city.id:
            events += answer_for_place(dispatcher, _, city, place,
                                         self.resources.knowledge.sources)
        return [*events, SlotSet("pending", None), SlotSet("place_ref", None)]
