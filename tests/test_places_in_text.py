"""One place finder: the gazetteer the NLU model holds, with the one shared normalisation.

Place names followed by punctuation, colloquial short forms, Arabic spellings and letter
variants, in de, en and ar; and the normalisation itself."""

from __future__ import annotations

import pytest

from bot.core.names import NameIndex, NamePattern, normalise
from bot.kb.gazetteer import gazetteer_patterns
from bot.kb.loader import load_knowledge
from bot.kb.places import Place, place_from_ref, place_from_refs
from bot.settings import PROJECT_ROOT

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
INDEX = NameIndex(gazetteer_patterns(KNOWLEDGE))


def place_in(text: str, city: str = "duesseldorf") -> Place | None:
    matches = INDEX.find(text)
    refs = [m.ref for kind in ("postcode", "district") for m in matches if m.label == kind]
    return place_from_refs(refs, KNOWLEDGE, city)


@pytest.mark.parametrize(("text", "city", "quarter", "district"), [
    # de / en / ar, the name followed by punctuation
    ("Ich wohne in Eller, wo ist der nächste Welcome Point?", "duesseldorf", "eller", 8),
    ("wohne in Eller.", "duesseldorf", "eller", 8),
    ("I live in Eller, where is the nearest welcome point?", "duesseldorf", "eller", 8),
    ("I live in Bilk! where do I go", "duesseldorf", "bilk", 3),
    ("(Oberbilk) – welcome point?", "duesseldorf", "oberbilk", 3),
    ("أنا ساكن في بيلك، وين أقرب مركز؟", "duesseldorf", "bilk", 3),
    ("ساكن بإيلر؟", "duesseldorf", "eller", 8),  # a preposition glued to the name
    ("وين الويلكم بوينت، أنا ساكن ببيلك.", "duesseldorf", "bilk", 3),
    ("ساكنين بالألتشتات", "duesseldorf", "altstadt", 1),
    ("بدي روح على مكتب", "duesseldorf", None, None),  # no place: nothing guessed
    ("ساكن في إيلر؟", "duesseldorf", "eller", 8),
    ("ساكن في ايلر!", "duesseldorf", "eller", 8),  # alef without hamza
    # hyphenated and spelt-out umlauts, no umlauts at all
    ("wir wohnen in Düsseldorf-Flingern-Süd.", "duesseldorf", "flingern-sued", 2),
    ("Flingern Sued, welcome point", "duesseldorf", "flingern-sued", 2),
    ("Flingern Sud?", "duesseldorf", "flingern-sued", 2),
    ("DÜSSELTAL;", "duesseldorf", "duesseltal", 2),
    # Leipzig
    ("Ich wohne in Gohlis-Süd, wohin?", "leipzig", "gohlis-sued", 9),
    ("I live in Grünau-Ost.", "leipzig", "gruenau-ost", 6),
])
def test_a_place_followed_by_punctuation_is_found(text: str, city: str, quarter: str | None,
                                                  district: int | None) -> None:
    place = place_in(text, city)
    if quarter is None:
        assert place is None
        return
    assert place is not None and place.city == city, text
    assert place.quarter is not None and place.quarter.id == quarter, text
    assert place.districts == (district,)


@pytest.mark.parametrize(("text", "city", "district"), [
    ("ich wohne in Flingern", "duesseldorf", 2),  # Flingern-Nord and -Süd: district 2
    ("I live in Flingern, where do I go?", "duesseldorf", 2),
    ("ساكن في فلينغرن", "duesseldorf", 2),
    ("wohne in Gohlis.", "leipzig", 9),  # Gohlis-Süd, -Mitte, -Nord
    ("wohne in Grünau", "leipzig", 6),
    ("ساكن في غروناو", "leipzig", 6),
])
def test_a_quarter_named_without_its_suffix_gives_its_district(text: str, city: str,
                                                                district: int) -> None:
    place = place_in(text, city)
    assert place is not None and place.city == city and place.districts == (district,)


def test_every_quarter_name_and_alias_is_found_inside_a_sentence() -> None:
    for city in KNOWLEDGE.cities.values():
        for quarter in city.quarters():
            for name in (*quarter.name.values(), *quarter.aliases):
                place = place_in(f"ich wohne in {name}, wo?", city.id)
                assert place is not None and place.quarter == quarter, (city.id, name)


def test_no_name_names_two_places_in_one_city() -> None:
    owners: dict[tuple[str, str], set[str]] = {}
    for pattern in gazetteer_patterns(KNOWLEDGE):
        if pattern.label == "district":
            city = pattern.ref.split(":")[0]
            owners.setdefault((city, normalise(pattern.name)), set()).add(pattern.ref)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_a_postcode_is_more_precise_than_a_name_and_ids_resolve() -> None:
    place = place_in("Bilk 40595")
    assert place is not None and place.postcode == "40595"
    assert place_from_ref("leipzig:9", KNOWLEDGE) == Place("leipzig", (9,))
    assert place_from_ref("duesseldorf:99", KNOWLEDGE) is None
    assert place_from_ref("nowhere:eller", KNOWLEDGE) is None
    assert place_from_ref("eller", KNOWLEDGE) is None  # an old-style ref: no guess


@pytest.mark.parametrize(("a", "b"), [
    ("Düsseldorf", "duesseldorf"), ("Düsseldorf", "Dusseldorf"), ("Straße", "strasse"),
    ("Flingern-Süd", "flingern sud"), ("إيلر", "ايلر"), ("أيلر", "آيلر"), ("مدرسة", "مدرسه"),
    ("مبنى", "مبني"), ("مُدَرِّسَة", "مدرسة"), ("سؤال", "سوال"), ("٤٠٥٩٥", "40595"),
    ("كـــتاب", "كتاب"), ("Café!", "cafe"),
])
def test_one_normalisation(a: str, b: str) -> None:
    assert normalise(a) == normalise(b)


def test_name_index_finds_the_longest_name_with_offsets() -> None:
    index = NameIndex([NamePattern("district", "Flingern", "d:2"),
                       NamePattern("district", "Flingern Nord", "d:fn")])
    [match] = index.find("in Flingern-Nord, bitte")
    assert (match.ref, match.start, match.end) == ("d:fn", 3, 16)
