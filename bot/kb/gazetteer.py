"""The place gazetteer, derived from knowledge/: every name, alias and colloquial short form
of a city, district, quarter, postcode and office, with the id of what it names.

The same patterns are stored inside the NLU model (nlu/components/gazetteer.py) and compared
with one normalisation (`bot.core.names`); the app resolves the ids (`place_from_ref`).
Ids: a city id (`leipzig`), `<city>:<district number>`, `<city>:<quarter id>`, a postcode,
an office role (`foreigners_office`).
"""

from __future__ import annotations

from bot.core.names import NamePattern, normalise, words
from bot.kb.model import City, Knowledge, Quarter

# Last words that tell parts of one quarter apart ("Flingern-Nord", "Gohlis-Süd"), folded.
QUARTER_SUFFIXES = frozenset(words(
    "nord süd sud ost west mitte north south east "
    "نورد زود سود اوست أوست ويست فست ميته ميته شمال جنوب شرق غرب وسط"))


def district_ref(city: City, number: int) -> str:
    return f"{city.id}:{number}"


def quarter_ref(city: City, quarter: Quarter) -> str:
    return f"{city.id}:{quarter.id}"


def _quarter_names(quarter: Quarter) -> list[str]:
    return [*quarter.name.values(), *quarter.aliases, quarter.id]


def city_patterns(city: City) -> list[NamePattern]:
    """The names of one city as written in knowledge/, without short forms."""
    found = [NamePattern("city", name, city.id) for name in (*city.name.values(), *city.aliases)]
    for district in city.districts.values():
        ref = district_ref(city, district.number)
        found += [NamePattern("district", n, ref)
                  for n in (*district.name.values(), *district.aliases)]
        for quarter in district.quarters:
            found += [NamePattern("district", n, quarter_ref(city, quarter))
                      for n in _quarter_names(quarter)]
    found += [NamePattern("postcode", code, code) for code in city.postcodes]
    for office in city.offices.values():
        found += [NamePattern("office", name, office.id) for name in office.name.values()]
    return found


def colloquial_patterns(city: City, known: set[str]) -> list[NamePattern]:
    """A quarter named without its -Nord/-Süd/... part ("Flingern" for Flingern-Nord and
    Flingern-Süd): the quarter when only one has that stem, the district when all quarters
    starting with the stem lie in one district; nothing when the stem is ambiguous or
    already a name. Only quarters whose German name ends in such a part give stems."""
    stems: set[str] = set()
    for quarter in city.quarters():
        if words(quarter.name["de"])[-1:] and len(words(quarter.name["de"])) > 1 \
                and words(quarter.name["de"])[-1] in QUARTER_SUFFIXES:
            for name in _quarter_names(quarter):
                parts = words(name)
                if len(parts) > 1 and parts[-1] in QUARTER_SUFFIXES:
                    stems.add(" ".join(parts[:-1]))
    found = []
    for stem in sorted(stems - known):
        owners = {(q.district, q.id) for q in city.quarters()
                  if any(normalise(n).startswith(stem + " ") for n in _quarter_names(q))}
        districts = {number for number, _id in owners}
        if len(districts) != 1:
            continue
        ref = (f"{city.id}:{owners.pop()[1]}" if len(owners) == 1
               else district_ref(city, districts.pop()))
        found.append(NamePattern("district", stem, ref))
    return found


def gazetteer_patterns(knowledge: Knowledge) -> list[NamePattern]:
    """All patterns of all cities, one per (label, normalised name, id), sorted."""
    patterns: list[NamePattern] = []
    for city in knowledge.cities.values():
        own = city_patterns(city)
        patterns += own + colloquial_patterns(city, {normalise(p.name) for p in own})
    unique = {(p.label, normalise(p.name), p.ref): p for p in patterns if normalise(p.name)}
    return [unique[key] for key in sorted(unique)]
