"""Load and validate `knowledge/`. Any problem raises `KnowledgeError` (file, line, field)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from bot.core.types import LANGUAGES, TOPICS
from bot.kb.model import (
    City,
    CounsellingHours,
    District,
    Emergency,
    Faq,
    Helpline,
    Knowledge,
    Office,
    Postcode,
    Quarter,
    WelcomePoint,
)
from bot.kb.provenance import Ledger, load_sources
from bot.kb.source import KnowledgeError, Node, read_yaml

CITY_FILES = ("city.yml", "offices.yml", "welcome_points.yml", "districts.yml", "postcodes.csv")
MAX_ANSWER_CHARS = 900


def load_faqs(folder: Path, ledger: Ledger) -> dict[str, Faq]:
    faqs: dict[str, Faq] = {}
    for topic in TOPICS:
        path = folder / f"{topic}.yml"
        if not path.exists():
            raise KnowledgeError(path, 0, "(file)", f"the FAQ file of topic '{topic}' is missing")
        doc = read_yaml(path)
        if doc.text("topic") != topic:
            raise doc.fail("topic", f"must be '{topic}' (the file name)")
        for item in doc.nodes("faqs"):
            faq = _faq(topic, item, ledger)
            if faq.intent in faqs:
                raise item.fail("key", f"duplicate FAQ key '{faq.key}'")
            faqs[faq.intent] = faq
    return faqs


def _faq(topic: str, item: Node, ledger: Ledger) -> Faq:
    key = item.text("key")
    answer = item.localised("answer")
    city_answer = {
        city: item.node("city_answer").localised(city)
        for city in (item.get("city_answer") or {})
    }
    for texts in (answer, *city_answer.values()):
        for lang in LANGUAGES:
            if len(texts[lang]) > MAX_ANSWER_CHARS:
                raise item.fail("answer", f"{lang} answer longer than {MAX_ANSWER_CHARS} chars")
    return Faq(
        topic=topic, key=key, office=item.text("office", required=False) or None, answer=answer,
        city_answer=city_answer, provenance=ledger.read(item, f"faq {topic}/{key}"),
        where=f"{item.path.name}:{item.line}",
    )


def load_emergency(path: Path, ledger: Ledger) -> Emergency:
    doc = read_yaml(path)
    numbers = tuple(
        Helpline(
            number=n.text("number"), label=n.localised("label"), when=n.localised("when"),
            provenance=ledger.read(n, f"helpline {n.get('number')}"),
        )
        for n in doc.nodes("numbers")
    )
    if not any(h.number == "112" for h in numbers):
        raise doc.fail("numbers", "112 must be listed")
    return Emergency(intro=doc.localised("intro"), numbers=numbers)


def load_city(folder: Path, ledger: Ledger) -> City:
    for name in CITY_FILES:
        if not (folder / name).exists():
            raise KnowledgeError(folder / name, 0, "(file)", "required file is missing")
    doc = read_yaml(folder / "city.yml")
    center = doc.node("center")
    districts = _districts(read_yaml(folder / "districts.yml"), ledger)
    return City(
        id=doc.text("id"), name=doc.localised("name"), aliases=doc.strings("aliases"),
        center=(center.number("lat"), center.number("lon")), portal=doc.text("portal"),
        offices=_offices(read_yaml(folder / "offices.yml"), ledger),
        welcome_points=_welcome_points(read_yaml(folder / "welcome_points.yml"), ledger),
        districts=districts,
        postcodes=load_postcodes(folder / "postcodes.csv", set(districts)),
        provenance=ledger.read(doc, f"city {doc.get('id')}"),
        counselling_hours=_hours(doc, ledger),
    )


def _hours(doc: Node, ledger: Ledger) -> CounsellingHours | None:
    """Optional `counselling_hours: {text: {de, en, ar}, source, as_of, verified}`."""
    if doc.get("counselling_hours") is None:
        return None
    node = doc.node("counselling_hours")
    return CounsellingHours(node.localised("text"),
                            ledger.read(node, f"counselling hours {doc.get('id')}"))


def _offices(doc: Node, ledger: Ledger) -> dict[str, Office]:
    offices: dict[str, Office] = {}
    for item in doc.nodes("offices"):
        office_id = item.text("id")
        if office_id in offices:
            raise item.fail("id", f"duplicate office id '{office_id}'")
        bring = item.node("bring") if "bring" in item else None
        offices[office_id] = Office(
            id=office_id, name=item.localised("name"), address=item.text("address", required=False),
            url=item.text("url", required=False),
            bring={lang: bring.strings(lang) for lang in LANGUAGES} if bring else {},
            provenance=ledger.read(item, f"office {office_id}"),
        )
    return offices


def _welcome_points(doc: Node, ledger: Ledger) -> tuple[WelcomePoint, ...]:
    points = []
    for item in doc.nodes("welcome_points"):
        status = item.text("status")
        if status not in ("open", "planned"):
            raise item.fail("status", "must be 'open' or 'planned'")
        has_coordinates = "lat" in item or "lon" in item
        lat = item.number("lat") if has_coordinates else None
        lon = item.number("lon") if has_coordinates else None
        if lat is not None and lon is not None and not (47 < lat < 56 and 5 < lon < 16):
            raise item.fail("lat", "coordinates are not in Germany")
        serves = item.get("serves_districts")
        if not isinstance(serves, list) or not all(isinstance(n, int) for n in serves):
            raise item.fail("serves_districts", "a list of district numbers is required")
        points.append(WelcomePoint(
            id=item.text("id"), name=item.localised("name"), operator=item.text("operator"),
            address=item.text("address", required=False), status=status,
            serves_districts=tuple(serves), lat=lat, lon=lon,
            coordinates_approximate=item.flag("coordinates_approximate", True),
            url=item.text("url", required=False),
            description=item.localised("description", required=False),
            provenance=ledger.read(item, f"welcome point {item.get('id')}"),
        ))
    return tuple(points)


def _districts(doc: Node, ledger: Ledger) -> dict[int, District]:
    districts: dict[int, District] = {}
    for item in doc.nodes("districts"):
        number = int(item.number("number"))
        quarters = tuple(
            Quarter(id=q.text("id"), district=number, name=q.localised("name"),
                    aliases=q.strings("aliases", required=False))
            for q in item.nodes("quarters")
        )
        districts[number] = District(
            number=number, name=item.localised("name"), quarters=quarters,
            aliases=item.strings("aliases", required=False),
            provenance=ledger.read(item, f"district {number}"),
        )
    return districts


def load_postcodes(path: Path, district_numbers: set[int]) -> dict[str, Postcode]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        at = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise KnowledgeError(path, at, "(encoding)", "the file is not UTF-8 text") from None
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line and not line.startswith("#")]
    if not numbered:
        return {}
    header = next(csv.reader([numbered[0][1]]))
    result: dict[str, Postcode] = {}
    for line_no, line in numbered[1:]:  # one row per line: a stray quote stays in its line
        cells = next(csv.reader([line]), [])
        row = dict(zip(header, cells, strict=False))
        result[row.get("postcode", "")] = _postcode(path, line_no, row, district_numbers)
    return result


def _postcode(path: Path, line: int, row: dict[str, str], known: set[int]) -> Postcode:
    code = (row.get("postcode") or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) == 5):
        raise KnowledgeError(path, line, "postcode", f"'{code}' is not a 5-digit postcode")
    for field in ("latitude", "longitude"):
        try:
            value = float(row.get(field) or "")
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise KnowledgeError(path, line, field, "a number is required")
    lat, lon = float(row["latitude"]), float(row["longitude"])
    try:
        districts = tuple(int(d) for d in (row.get("districts") or "").split("|") if d.strip())
    except ValueError:
        raise KnowledgeError(path, line, "districts", "district numbers separated by | "
                             "are required") from None
    unknown = [d for d in districts if d not in known]
    if unknown:
        raise KnowledgeError(path, line, "districts", f"unknown district {unknown[0]}")
    quality = (row.get("centroid_quality") or "").strip()
    if quality not in ("postcode-centroid", "city-centroid-fallback"):
        raise KnowledgeError(path, line, "centroid_quality", f"unknown value '{quality}'")
    return Postcode(code, lat, lon, quality == "postcode-centroid", districts)


def load_knowledge(root: Path) -> Knowledge:
    """Read and cross-check the whole knowledge folder; raises KnowledgeError."""
    sources_file = root / "sources.yml"
    if not sources_file.exists():
        raise KnowledgeError(sources_file, 0, "(file)", "the named sources are missing")
    ledger = Ledger(load_sources(sources_file))
    faqs = load_faqs(root / "common" / "faq", ledger)
    emergency = load_emergency(root / "common" / "emergency.yml", ledger)
    cities = {}
    for folder in sorted(p for p in root.iterdir() if (p / "city.yml").exists()):
        city = load_city(folder, ledger)
        cities[city.id] = city
    if not cities:
        raise KnowledgeError(root, 0, "(folder)", "no city folder with a city.yml")
    for faq in faqs.values():
        for city in cities.values():
            if faq.office is not None and faq.office not in city.offices:
                path, line = faq.where.split(":")
                raise KnowledgeError(root / "common" / "faq" / path, int(line), "office",
                                     f"office '{faq.office}' is not defined for {city.id}")
    return Knowledge(cities=cities, faqs=faqs, emergency=emergency, sources=ledger.sources,
                     records=ledger.records)
