"""Which record of which document a staff edit changes, and which fields staff may edit
(an allow-list: a form can never write anything else)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.types import LANGUAGES
from bot.curation.yamledit import Path_

KINDS = ("faq", "office", "welcome_point", "district", "quarter")
_ID = re.compile(r"^[a-z0-9_-]{1,60}(/[a-z0-9_-]{1,60})?$")


@dataclass(frozen=True)
class RecordRef:
    kind: str  # one of KINDS
    id: str  # "topic/key", an office role, a Welcome Point id, a district number, a quarter id
    city: str = ""  # empty for FAQs (shared by all cities)

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not _ID.match(self.id) or \
                (self.city and not _ID.match(self.city)):
            raise ValueError(f"not a knowledge record: {self.kind} {self.city} {self.id}")

    @property
    def path(self) -> str:
        if self.kind == "faq":
            return f"knowledge/common/faq/{self.id.split('/')[0]}.yml"
        file = {"office": "offices", "welcome_point": "welcome_points"}.get(self.kind,
                                                                           "districts")
        return f"knowledge/{self.city}/{file}.yml"

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.kind, self.city, self.id) if p)

    @classmethod
    def parse(cls, label: str) -> RecordRef:
        parts = label.split(" ")
        if len(parts) == 2:
            return cls(parts[0], parts[1])
        if len(parts) == 3:
            return cls(parts[0], parts[2], parts[1])
        raise ValueError(f"not a record label: {label}")


def locate(document: Any, ref: RecordRef) -> Any | None:
    """The record's mapping inside the loaded document (None: not there)."""
    if ref.kind == "faq":
        return _find(document.get("faqs"), "key", ref.id.split("/")[1])
    if ref.kind == "office":
        return _find(document.get("offices"), "id", ref.id)
    if ref.kind == "welcome_point":
        return _find(document.get("welcome_points"), "id", ref.id)
    if ref.kind == "district":
        return _find(document.get("districts"), "number", int(ref.id)) \
            if ref.id.isdigit() else None
    for district in document.get("districts") or []:
        found = _find(district.get("quarters"), "id", ref.id)
        if found is not None:
            return found
    return None


def _find(items: Any, key: str, value: Any) -> Any | None:
    return next((i for i in items or [] if i.get(key) == value), None)


def _localised(name: str) -> list[Path_]:
    return [(name, lang) for lang in LANGUAGES]


COMMON: list[Path_] = [("source",), ("verified",), ("confirmed",)]
EDITABLE: dict[str, list[Path_]] = {
    "faq": [*_localised("answer"), ("office",), *COMMON],
    "office": [*_localised("name"), ("address",), ("url",), *COMMON],
    "welcome_point": [*_localised("name"), ("operator",), ("address",), ("url",), ("status",),
                      ("lat",), ("lon",), *_localised("description"), *COMMON],
    "district": [*_localised("name"), ("aliases",), *COMMON],
    "quarter": [*_localised("name"), ("aliases",)],
}


def editable(ref: RecordRef, field: Path_, cities: list[str]) -> bool:
    """Whether staff may write this field (a city's own FAQ answer included)."""
    if field in EDITABLE[ref.kind]:
        return True
    return (ref.kind == "faq" and len(field) == 3 and field[0] == "city_answer"
            and field[1] in cities and field[2] in LANGUAGES)
