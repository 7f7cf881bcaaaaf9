"""The knowledge base as typed, validated objects (built by `bot.kb.loader`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kb.provenance import Record, Source

Localised = dict[str, str]  # {"de": ..., "en": ..., "ar": ...}


@dataclass(frozen=True, order=True)
class SourceDate:
    """A source's own date, as precise as the source is: a year, a month or a day (0: not
    given)."""

    year: int
    month: int = 0
    day: int = 0

    def as_date(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        parts = [f"{self.year:04d}", f"{self.month:02d}" if self.month else "",
                 f"{self.day:02d}" if self.day else ""]
        return "-".join(p for p in parts if p)


@dataclass(frozen=True)
class Confirmation:
    """A person checked the record against its sources (or the office) on this day."""

    on: dt.date
    by: str


@dataclass(frozen=True)
class Provenance:
    source: tuple[str, ...]  # refs named in knowledge/sources.yml
    source_date: SourceDate  # the newest of its sources' dates
    confirmed: Confirmation | None  # None until a person confirms it
    verified: bool  # every statement was read in a seed or an official page it cites


@dataclass(frozen=True)
class Faq:
    topic: str
    key: str
    office: str | None  # None: a national service without a local office
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
    sources: dict[str, Source] = field(default_factory=dict)  # knowledge/sources.yml by ref
    records: list[Record] = field(default_factory=list)  # every record, for staff

    @property
    def unverified(self) -> list[str]:
        return [f"{r.where} {r.label}" for r in self.records if not r.provenance.verified]

    def faqs_of(self, topic: str) -> list[Faq]:
        return [f for f in self.faqs.values() if f.topic == topic]
