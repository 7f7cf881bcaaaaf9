"""The place finder (bot/core/names.py, bot/kb/gazetteer.py, bot/kb/places.py) on arbitrary
texts and coordinates: it never raises, and whatever it finds is a place of the city it
names — districts, quarters and postcodes of that city, Welcome Points of that city."""

from __future__ import annotations

import math
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.names import MAX_NAME_WORDS, NameIndex, fold, normalise, words
from bot.kb.gazetteer import gazetteer_patterns
from bot.kb.loader import load_knowledge
from bot.kb.model import City
from bot.kb.places import (
    Place,
    distance_km,
    place_from_location,
    place_from_ref,
    place_from_refs,
    planned_points,
    welcome_points_for,
)
from bot.settings import PROJECT_ROOT
from tests.property.strategies import examples, odd_text

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
PATTERNS = gazetteer_patterns(KNOWLEDGE)
INDEX = NameIndex(PATTERNS)
NAMES = sorted({p.name for p in PATTERNS})
# what a user names as where they live (offices are named by role, see bot/kb/gazetteer.py)
PLACE_NAMES = sorted({p.name for p in PATTERNS if p.label in ("city", "district", "postcode")})

# texts made of real place names in hostile surroundings, and anything at all
texts = st.one_of(
    odd_text,
    st.lists(st.one_of(st.sampled_from(NAMES), odd_text,
                       st.sampled_from([" ", ", ", "-", "ب", "بال", "\u202e", "\u0301" * 3])),
             max_size=8).map("".join))
coordinates = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                        st.floats(-90, 90), st.floats(50.9, 51.5), st.floats(6.5, 12.6))


def assert_of_its_city(place: Place) -> City:
    """The place lies in the city it names."""
    city = KNOWLEDGE.cities[place.city]
    assert set(place.districts) <= set(city.districts), place
    if place.quarter is not None:
        assert place.quarter in city.quarters() and place.districts == (place.quarter.district,)
    if place.postcode is not None:
        assert place.postcode in city.postcodes
    return city


def assert_points_of(city: City, place: Place) -> None:
    matches = welcome_points_for(city, place)
    assert all(m.point in city.welcome_points and m.point.status == "open" for m in matches)
    assert all(m.distance_km is None or (math.isfinite(m.distance_km) and m.distance_km >= 0)
               for m in matches)
    assert all(p in city.welcome_points for p in planned_points(city, place.districts))


@settings(max_examples=examples(300))
@given(text=texts, prefer=st.sampled_from(sorted(KNOWLEDGE.cities)))
def test_any_text_gives_places_of_the_right_city(text: str, prefer: str) -> None:
    matches = INDEX.find(text)
    previous_end = 0
    for match in matches:
        assert previous_end <= match.start < match.end <= len(text)  # in order, no overlap
        previous_end = match.end
        place = place_from_ref(match.ref, KNOWLEDGE)
        if match.label in ("district", "postcode"):
            assert place is not None, match  # every name of the gazetteer resolves
            city = assert_of_its_city(place)
            assert match.ref.isdigit() or match.ref.startswith(f"{city.id}:")
            assert_points_of(city, place)
    refs = [m.ref for kind in ("postcode", "district") for m in matches if m.label == kind]
    found = place_from_refs(refs, KNOWLEDGE, prefer)
    if found is not None:
        assert_of_its_city(found)
        in_preferred = [p for p in (place_from_ref(r, KNOWLEDGE) for r in refs)
                        if p is not None and p.city == prefer]
        assert found.city == prefer or not in_preferred  # the user's own city first


def test_every_place_name_is_short_enough_to_be_found() -> None:
    assert all(0 < len(words(name)) <= MAX_NAME_WORDS for name in PLACE_NAMES)


@given(text=st.sampled_from(PLACE_NAMES), before=odd_text, after=st.sampled_from(
    ["", " ", ".", ", bitte", "؟", "!\u202e", "\u200f"]))
def test_a_known_name_is_found_in_odd_surroundings(text: str, before: str, after: str) -> None:
    prefix = f"{before} " if before else ""
    found = {normalise(m_text) for m_text in (
        (prefix + text + after)[m.start:m.end] for m in INDEX.find(prefix + text + after))}
    assert any(normalise(text).endswith(f) or f.endswith(normalise(text)) or
               normalise(text) in f for f in found), (text, found)


@given(st.one_of(odd_text, st.text()))
def test_normalisation_never_raises_and_leaves_plain_words(text: str) -> None:
    folded = normalise(text)
    assert folded.split() == words(text)
    assert folded == folded.lower() or not folded.isascii()
    assert not any(unicodedata.combining(c) for c in folded)
    assert "_" not in folded and "  " not in folded
    assert isinstance(fold(text), str)


@settings(max_examples=examples(300))
@given(lat=coordinates, lon=coordinates)
def test_any_coordinates_give_a_place_of_the_nearest_city_or_none(lat: float, lon: float) -> None:
    place = place_from_location(lat, lon, KNOWLEDGE)
    valid = math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 \
        and -180 <= lon <= 180
    if not valid:
        assert place is None  # NaN, infinite or off the globe: no place, no crash
        return
    assert place is not None and place.point == (lat, lon)
    city = assert_of_its_city(place)
    here = distance_km(city.center, (lat, lon))
    assert math.isfinite(here) and 0 <= here <= math.pi * 6371.0 + 1e-6
    assert all(here <= distance_km(c.center, (lat, lon)) + 1e-9
               for c in KNOWLEDGE.cities.values())  # the nearest city
    assert_points_of(city, place)


@given(a=st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
       b=st.tuples(st.floats(-90, 90), st.floats(-180, 180)))
def test_distances_are_finite_even_between_antipodes(a: tuple[float, float],
                                                     b: tuple[float, float]) -> None:
    for x, y in ((a, b), (a, (-a[0], a[1] + 180 if a[1] <= 0 else a[1] - 180))):
        d = distance_km(x, y)
        assert math.isfinite(d) and 0 <= d <= math.pi * 6371.0 + 1e-6
