"""What every action needs: the knowledge, the translators, and shared rendering helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker

from bot.core.dialogue import Policy
from bot.core.types import Button, ConversationState
from bot.i18n import Translator
from bot.kb.model import City, Knowledge, Office, Provenance


@dataclass
class Resources:
    knowledge: Knowledge
    translators: dict[str, Translator]
    policy: Policy


class LotseAction(Action):
    """A Rasa SDK action built with the app's resources (the app runs it in-process)."""

    def __init__(self, resources: Resources) -> None:
        self.resources = resources


def state_of(tracker: Tracker) -> ConversationState:
    return ConversationState.from_json(tracker.current_slot_values())


def translator(resources: Resources, tracker: Tracker) -> Translator:
    return resources.translators[state_of(tracker).language]


def city_of(resources: Resources, tracker: Tracker) -> City:
    city = state_of(tracker).city
    return resources.knowledge.cities.get(city) or next(iter(resources.knowledge.cities.values()))


def buttons_json(buttons: list[Button]) -> list[dict[str, Any]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]


def merged(*provenances: Provenance) -> Provenance:
    """One source line for an answer and the office it names: all sources, the oldest date,
    verified only when every part is."""
    sources = tuple(dict.fromkeys(s for p in provenances for s in p.source))
    return Provenance(sources, min(p.as_of for p in provenances),
                      all(p.verified for p in provenances))


def provenance_line(_: Translator, prov: Provenance) -> str:
    sources = " · ".join(prov.source)
    line = _("source_line", sources=sources, as_of=prov.as_of.isoformat())
    return line if prov.verified else f"{line} {_('unverified_mark')}"


def office_block(_: Translator, office: Office, language: str) -> str:
    lines = [_("responsible_office", name=office.name[language])]
    if office.address:
        lines.append(_("address_line", address=office.address))
    if office.url:
        lines.append(_("website_line", url=office.url))
    if office.bring.get(language):
        lines.append(_("bring_line", items=", ".join(office.bring[language])))
    return "\n".join(lines)
