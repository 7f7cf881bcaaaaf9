"""The knowledge base as typed, validated objects (built by `bot.kb.loader`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

Localised = dict[str, str]  # {"de": ..., "en": ..., "ar": ...}


@dataclass(frozen=True)
class Provenance:
    source: tuple[str, ...]
    as_of: dt.date
    verified: bool


@dataclass(frozen=True)
class Faq:
    topic: str
    key: str
    office: str
    answer: Localised
    city_answer: dict[str, Localised]
    provenance: Provenance
    where: str  # "file:line" for staff

    @property
    def intent(self) -> str:
        return f"{self.topic}/{self.key}"

    def answer_for(self, city: str, language: str) -> str:
        return self.city_answer.get(city, self.answer)[language]


@dataclass(frozen=True)
class Office:
    id: str
    name: Localised
    address: str
    url: str
    bring: dict[str, tuple[str, ...]]
    provenance: Provenance


@dataclass(frozen=True)
class WelcomePoint:
    id: str
    name: Localised
    operator: str
    address: str
    status: str  # open | planned
    serves_districts: tuple[int, ...]
    lat: float | None
    lon: float | None
    coordinates_approximate: bool
    url: str
    description: Localised
    provenance: Provenance


@dataclass(frozen=True)
class Quarter:
    id: str
    district: int
    name: Localised
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class District:
    number: int
    name: Localised
    quarters: tuple[Quarter, ...]
    aliases: tuple[str, ...]
    provenance: Provenance


@dataclass(frozen=True)
class Postcode:
    postcode: str
    lat: float
    lon: float
    has_centroid: bool  # False for GeoNames' city-centroid fallback rows
    districts: tuple[int, ...]


@dataclass(frozen=True)
class CounsellingHours:
    """When counsellors answer in the chat, as text per language (city.yml)."""

    text: Localised
    provenance: Provenance


@dataclass(frozen=True)
class City:
    id: str
    name: Localised
    aliases: tuple[str, ...]
    center: tuple[float, float]
    portal: str
    offices: dict[str, Office]
    welcome_points: tuple[WelcomePoint, ...]
    districts: dict[int, District]
    postcodes: dict[str, Postcode]
    provenance: Provenance
    counselling_hours: CounsellingHours | None = None  # None: not agreed, "as soon as possible"

    def quarters(self) -> list[Quarter]:
        return [q for d in self.districts.values() for q in d.quarters]


@dataclass(frozen=True)
class Helpline:
    number: str
    label: Localised
    when: Localised
    provenance: Provenance


@dataclass(frozen=True)
class Emergency:
    intro: Localised
    numbers: tuple[Helpline, ...]


@dataclass
class Knowledge:
    cities: dict[str, City]
    faqs: dict[str, Faq]  # by "topic/key"
    emergency: Emergency
    unverified: list[str] = field(default_factory=list)  # "file:line kind id" for staff

    def faqs_of(self, topic: str) -> list[Faq]:
        return [f for f in self.faqs.values() if f.topic == topic]
