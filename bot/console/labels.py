"""How places, topics and cities are shown to counsellors, in the console's language."""

from __future__ import annotations

from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.kb.places import place_from_ref


def city_name(knowledge: Knowledge, city: str, lang: str) -> str:
    known = knowledge.cities.get(city)
    return known.name.get(lang, city) if known else city


def district_label(knowledge: Knowledge, ref: str | None, lang: str) -> str:
    """The quarter or district(s) of the user's place reference, or "" when unknown."""
    place = place_from_ref(ref, knowledge) if ref else None
    if place is None:
        return ""
    if place.quarter is not None:
        return place.quarter.name.get(lang, place.quarter.id)
    city = knowledge.cities[place.city]
    names = [city.districts[n].name.get(lang, str(n)) for n in place.districts
             if n in city.districts]
    label = ", ".join(names)
    return f"{place.postcode} ({label})" if place.postcode and label else place.postcode or label


def topic_label(chat: dict[str, Translator], topic: str | None, lang: str) -> str:
    """The chat's own topic names (domain `lotse`)."""
    if not topic:
        return ""
    label = chat[lang](f"topic:{topic}")
    return topic if label == f"topic:{topic}" else label
