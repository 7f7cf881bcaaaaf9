"""What every action needs: the knowledge, the translators, and shared rendering helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker

from bot.core.dialogue import Policy
from bot.core.types import Button, ConversationState, Link
from bot.i18n import Translator, format_day, format_source_date
from bot.kb.model import City, Knowledge, Office, Provenance
from bot.kb.provenance import Source


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
    return [{"title": b.title, "url": b.url} if b.url else {"title": b.title, "payload": b.payload}
            for b in buttons]


def merged(*provenances: Provenance) -> Provenance:
    """One provenance for an answer and the office it names: all sources, the older source
    date, confirmed (on the earlier day) only when every part is, verified only when every
    part is."""
    sources = tuple(dict.fromkeys(s for p in provenances for s in p.source))
    confirmations = [p.confirmed for p in provenances if p.confirmed is not None]
    confirmed = (min(confirmations, key=lambda c: c.on)
                 if len(confirmations) == len(provenances) else None)
    return Provenance(sources, min(p.source_date for p in provenances), confirmed,
                      all(p.verified for p in provenances))


def source_note(_: Translator, prov: Provenance, sources: dict[str, Source]) -> str:
    """The honest date: when a person confirmed it, else how old its sources are, and who
    says so ("Stand: 2019, laut Stadt Düsseldorf"); unverified content says so."""
    publishers = ", ".join(dict.fromkeys(sources[r].publisher[_.language] for r in prov.source))
    if prov.confirmed is not None:
        line = _("confirmed_line", date=format_day(prov.confirmed.on, _.language),
                 publishers=publishers)
    else:
        line = _("source_date_line", date=format_source_date(prov.source_date, _.language),
                 publishers=publishers)
    return line if prov.verified else f"{line} {_('unverified_mark')}"


def source_links(_: Translator, prov: Provenance, sources: dict[str, Source]) -> list[Link]:
    """The sources by name: "Stadt Düsseldorf: Welcome Points (2019)"."""
    return [Link(sources[ref].label(_.language), sources[ref].url) for ref in prov.source]


def office_block(_: Translator, office: Office, language: str) -> str:
    lines = [_("responsible_office", name=office.name[language])]
    if office.address:
        lines.append(_("address_line", address=office.address))
    if office.bring.get(language):
        lines.append(_("bring_line", items=", ".join(office.bring[language])))
    return "\n".join(lines)


def office_buttons(_: Translator, office: Office) -> list[Button]:
    return [Button(_("button:office_page"), url=office.url)] if office.url else []


def reply_json(kind: str, ref: str | None = None, links: list[Link] | None = None,
               ) -> dict[str, Any]:
    """The `json_message` of an answer: what it is about and its named sources."""
    data: dict[str, Any] = {"kind": kind}
    if ref is not None:
        data["ref"] = ref
    if links:
        data["links"] = [{"label": link.label, "url": link.url} for link in links]
    return data
