"""A small locator map for a Welcome Point, drawn without map tiles (nothing is fetched):
the city's postcode centres as dots, the other points, and this point, projected onto a
box. Pure geometry; the template draws the SVG."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from bot.kb.model import City, WelcomePoint

WIDTH, HEIGHT, MARGIN = 320.0, 240.0, 14.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str = ""


@dataclass(frozen=True)
class Locator:
    width: float
    height: float
    postcodes: tuple[Dot, ...]
    others: tuple[Dot, ...]
    point: Dot | None  # None: the point has no coordinates
    osm_url: str


def locator(city: City, point: WelcomePoint, language: str) -> Locator:
    coordinates = [(p.lat, p.lon) for p in city.postcodes.values() if p.has_centroid]
    coordinates += [(w.lat, w.lon) for w in city.welcome_points
                    if w.lat is not None and w.lon is not None]
    project = _projection(coordinates or [city.center])
    others = tuple(project(w.lat, w.lon, w.name[language]) for w in city.welcome_points
                   if w.id != point.id and w.lat is not None and w.lon is not None)
    here = project(point.lat, point.lon, point.name[language]) \
        if point.lat is not None and point.lon is not None else None
    url = (f"https://www.openstreetmap.org/?mlat={point.lat}&mlon={point.lon}#map=17/"
           f"{point.lat}/{point.lon}") if here else ""
    dots = tuple(project(p.lat, p.lon) for p in city.postcodes.values() if p.has_centroid)
    return Locator(WIDTH, HEIGHT, dots, others, here, url)


def _projection(coordinates: Iterable[tuple[float, float]]):  # type: ignore[no-untyped-def]
    lats, lons = zip(*coordinates, strict=True)
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    squeeze = math.cos(math.radians((south + north) / 2))  # a degree of longitude is shorter
    span_x = max((east - west) * squeeze, 1e-6)
    span_y = max(north - south, 1e-6)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)

    def project(lat: float, lon: float, label: str = "") -> Dot:
        x = MARGIN + (lon - west) * squeeze * scale
        y = HEIGHT - MARGIN - (lat - south) * scale
        return Dot(round(x, 1), round(y, 1), label)

    return project
