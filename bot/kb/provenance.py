"""Where each fact comes from and how old it is.

Every record (FAQ, office, Welcome Point, district, helpline, city) lists its `source`s; each
source is named in `knowledge/sources.yml` with its publisher, a short title and its own
date. A record has two dates: the date of its sources (the newest one it rests on: seed 002
is from 2019) and the date a person last confirmed it (`confirmed: {date, by}`, empty until
someone does). `Ledger` reads both while the knowledge loads and keeps every record, so
`./lotse check` can list them by age and by status.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.kb.model import Confirmation, Localised, Provenance, SourceDate
from bot.kb.source import Node, read_yaml

DATE_BASES = ("published", "read")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
REPLACED = {"as_of": "replaced by the sources' own dates (knowledge/sources.yml) and "
                     "`confirmed: {date: YYYY-MM-DD, by: name}` once a person has checked it"}


@dataclass(frozen=True)
class Source:
    """One named source: what the user sees instead of a URL or a seed id."""

    ref: str  # as written in the records: a URL or "seed:002"
    publisher: Localised
    title: Localised
    date: SourceDate
    date_basis: str  # published: the date the source shows; read: the day it was read

    def label(self, language: str) -> str:
        """How it is named to users: "Stadt Düsseldorf: Welcome Points (2019)"."""
        return f"{self.publisher[language]}: {self.title[language]} ({self.date.year})"

    @property
    def url(self) -> str | None:
        return self.ref if self.ref.startswith(("https://", "http://")) else None


@dataclass(frozen=True)
class Record:
    """One record of the knowledge, for staff: where it is and how sure we are."""

    where: str  # "file:line"
    label: str  # e.g. "faq residence/duldung"
    provenance: Provenance


def parse_date(node: Node, key: str) -> SourceDate:
    """YYYY, YYYY-MM or YYYY-MM-DD (YAML may already have made a date or a number of it)."""
    value = node.get(key)
    if isinstance(value, dt.date):
        return SourceDate(value.year, value.month, value.day)
    match = _PARTIAL.match(str(value or "").strip())
    if match is None:
        raise node.fail(key, "a date YYYY, YYYY-MM or YYYY-MM-DD is required")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError:
        raise node.fail(key, "not a real date") from None
    return SourceDate(year or 0, month or 0, day or 0)


def load_sources(path: Path) -> dict[str, Source]:
    doc = read_yaml(path)
    publishers = {key: doc.node("publishers").localised(key) for key in doc.node("publishers")}
    sources: dict[str, Source] = {}
    for item in doc.nodes("sources"):
        ref = item.text("ref")
        if ref in sources:
            raise item.fail("ref", f"source '{ref}' is listed twice")
        if not (ref.startswith(("https://", "http://")) or re.fullmatch(r"seed:\d{3}", ref)):
            raise item.fail("ref", "a web address or a seed id like seed:002 is required")
        publisher = item.text("publisher")
        if publisher not in publishers:
            raise item.fail("publisher", f"publisher '{publisher}' is not under `publishers`")
        basis = item.text("date_basis")
        if basis not in DATE_BASES:
            raise item.fail("date_basis", "must be 'published' or 'read'")
        sources[ref] = Source(ref, publishers[publisher], item.localised("title"),
                              parse_date(item, "date"), basis)
    return sources


@dataclass
class Ledger:
    """Reads each record's provenance against the named sources and remembers the record."""

    sources: dict[str, Source]
    records: list[Record] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def read(self, node: Node, label: str) -> Provenance:
        for key, why in REPLACED.items():
            if key in node:
                raise node.fail(key, why)
        refs = node.strings("source")
        if not refs:  # e.g. `source: [" "]`: the list is there, no source is named
            raise node.fail("source", "at least one named source is required")
        for ref in refs:
            if ref not in self.sources:
                raise node.fail("source", f"'{ref}' is not named in knowledge/sources.yml")
        self.used.update(refs)
        prov = Provenance(refs, max(self.sources[r].date for r in refs),
                          self._confirmation(node), node.flag("verified"))
        self.records.append(Record(f"{node.path.name}:{node.line}", label, prov))
        return prov

    @staticmethod
    def _confirmation(node: Node) -> Confirmation | None:
        if node.get("confirmed") is None:
            return None
        confirmed = node.node("confirmed")
        return Confirmation(confirmed.date("date"), confirmed.text("by"))

    def unused(self) -> list[str]:
        return sorted(set(self.sources) - self.used)
