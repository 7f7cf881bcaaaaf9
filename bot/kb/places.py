"""Where is the user, and which Welcome Point serves them? Pure functions over `Knowledge`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import quote_plus

from bot.kb.model import City, Knowledge, Quarter, WelcomePoint

EARTH_RADIUS_KM = 6371.0


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(
        (lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(h, 0.0), 1.0)))  # rounding


def on_earth(lat: float, lon: float) -> bool:
    """Whether the coordinates name a point at all (not NaN, infinite or out of range)."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


@dataclass(frozen=True)
class Place:
    """What we know of where the user is."""

    city: str
    districts: tuple[int, ...] = ()
    quarter: Quarter | None = None
    point: tuple[float, float] | None = None  # only when a real location is known
    postcode: str | None = None


def place_from_ref(ref: str, knowledge: Knowledge) -> Place | None:
    """The place an id of the gazetteer names: a postcode, `<city>:<district number>` or
    `<city>:<quarter id>` (see bot/kb/gazetteer.py); None for anything else."""
    if ref.isdigit():
        return place_from_postcode(ref, knowledge)
    city_id, _sep, local = ref.partition(":")
    city = knowledge.cities.get(city_id)
    if city is None or not local:
        return None
    if local.isdigit():
        return Place(city=city.id, districts=(int(local),)) if int(local) in city.districts \
            else None
    quarter = next((q for q in city.quarters() if q.id == local), None)
    return Place(city.id, (quarter.district,), quarter) if quarter else None


def place_from_refs(refs: list[str], knowledge: Knowledge, prefer_city: str) -> Place | None:
    """The first place named, one in the current city first (a name both cities have)."""
    places = [p for p in (place_from_ref(r, knowledge) for r in refs) if p is not None]
    return min(places, key=lambda p: p.city != prefer_city, default=None)


def place_from_postcode(code: str, knowledge: Knowledge) -> Place | None:
    for city in knowledge.cities.values():
        row = city.postcodes.get(code)
        if row:
            point = (row.lat, row.lon) if row.has_centroid else None
            return Place(city=city.id, districts=row.districts, point=point, postcode=code)
    return None


def place_from_location(lat: float, lon: float, knowledge: Knowledge) -> Place | None:
    """The city whose centre is nearest; the district from the nearest postcode centroid.
    None for coordinates that are no place on Earth (a client can send any number)."""
    if not on_earth(lat, lon):
        return None
    city = min(knowledge.cities.values(), key=lambda c: distance_km(c.center, (lat, lon)))
    rows = [r for r in city.postcodes.values() if r.has_centroid and r.districts]
    nearest = min(rows, key=lambda r: distance_km((r.lat, r.lon), (lat, lon)), default=None)
    districts = nearest.districts if nearest else ()
    return Place(city=city.id, districts=districts, point=(lat, lon))


@dataclass(frozen=True)
class PointMatch:
    point: WelcomePoint
    distance_km: float | None
    serves_user: bool


def welcome_points_for(city: City, place: Place) -> list[PointMatch]:
    """Points serving the user's district first, then the nearest open point if different."""
    open_points = [p for p in city.welcome_points if p.status == "open"]

    def dist(p: WelcomePoint) -> float | None:
        if place.point is None or p.lat is None or p.lon is None:
            return None
        return distance_km(place.point, (p.lat, p.lon))

    serving = [p for p in open_points if set(p.serves_districts) & set(place.districts)]
    matches = [PointMatch(p, dist(p), True) for p in serving]
    reference = place.point or _district_centre(city, place.districts)
    if reference is not None:
        located = [p for p in open_points if p.lat is not None and p.lon is not None]
        nearest = min(located, key=lambda p: distance_km(reference, (p.lat or 0, p.lon or 0)),
                      default=None)
        if nearest is not None and nearest not in serving:
            matches.append(PointMatch(nearest, dist(nearest), False))
    return matches


def _district_centre(city: City, districts: tuple[int, ...]) -> tuple[float, float] | None:
    rows = [r for r in city.postcodes.values()
            if r.has_centroid and set(r.districts) & set(districts)]
    if not rows:
        return None
    return (sum(r.lat for r in rows) / len(rows), sum(r.lon for r in rows) / len(rows))


def planned_points(city: City, districts: tuple[int, ...]) -> list[WelcomePoint]:
    return [p for p in city.welcome_points
            if p.status == "planned" and set(p.serves_districts) & set(districts)]


def maps_link(point: WelcomePoint) -> str:
    """An 'open in maps' link (OpenStreetMap), by address when known."""
    if point.address:
        return f"https://www.openstreetmap.org/search?query={quote_plus(point.address)}"
    return f"https://www.openstreetmap.org/?mlat={point.lat}&mlon={point.lon}#map=17/{point.lat}/{point.lon}"
