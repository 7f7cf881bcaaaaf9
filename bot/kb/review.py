"""What staff should check first: the records by status and by the age of their sources
(printed by `./lotse check`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bot.kb.model import Knowledge, Provenance
from bot.kb.provenance import Record

AGE_BANDS: tuple[tuple[int, str], ...] = (
    (5, "older than 5 years"), (3, "3–5 years"), (1, "1–3 years"), (0, "under a year"))
STATUSES = ("unverified", "verified (not confirmed)", "confirmed by a person")


def status(prov: Provenance) -> str:
    if prov.confirmed is not None:
        return STATUSES[2]
    return STATUSES[1] if prov.verified else STATUSES[0]


def years_old(prov: Provenance, today: dt.date) -> float:
    newest = prov.confirmed.on if prov.confirmed else prov.source_date.as_date()
    return (today - newest).days / 365.25


def age_band(prov: Provenance, today: dt.date) -> str:
    age = years_old(prov, today)
    return next(label for years, label in AGE_BANDS if age >= years)


def review_lines(knowledge: Knowledge, today: dt.date, first: int = 15) -> list[str]:
    records = knowledge.records
    by_status = Counter(status(r.provenance) for r in records)
    by_band = Counter(age_band(r.provenance, today) for r in records)
    by_year = Counter(r.provenance.source_date.year for r in records)
    lines = [f"{len(records)} records by status: "
             + ", ".join(f"{by_status[s]} {s}" for s in STATUSES),
             "by the age of their sources (or of the last confirmation): "
             + ", ".join(f"{by_band[label]} {label}" for _, label in AGE_BANDS),
             "by the year of their sources: "
             + ", ".join(f"{year}: {n}" for year, n in sorted(by_year.items()))]
    lines.append(f"check first (unverified, oldest sources first; {first} of "
                 f"{by_status[STATUSES[0]]}):")
    lines += [f"  {r.provenance.source_date!s:<10} {r.where:<28} {r.label}"
              for r in check_first(records, today)[:first]]
    return lines


def check_first(records: list[Record], today: dt.date) -> list[Record]:
    """Unverified records, the oldest sources first."""
    waiting = [r for r in records if status(r.provenance) == STATUSES[0]]
    return sorted(waiting, key=lambda r: -years_old(r.provenance, today))
