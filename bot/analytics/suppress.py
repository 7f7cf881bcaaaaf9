"""The small-numbers rule of the dashboard, in one place: a count below 5 is never shown as
such (tables, chart labels, tooltips and the CSV all go through `shown`), and a rate or a
median resting on fewer than 5 cases is not given at all. With a few newcomers in a
district and a topic, a small count could point to a person; 5 is the usual threshold of
official statistics for counts of people."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

THRESHOLD = 5
SUPPRESSED = "< 5"  # what a count below THRESHOLD is shown as
FEW_CASES = "< 5 cases"  # what a rate or median from fewer cases is shown as (CSV)

K = TypeVar("K")


def hidden(count: int) -> bool:
    """True when the count must not be shown (0 included: "none" is a small number too)."""
    return count < THRESHOLD


def shown(count: int) -> str:
    """The count as anyone may see it: "< 5" below the threshold, else the number."""
    return SUPPRESSED if hidden(count) else str(count)


def rate(part: int, whole: int) -> float | None:
    """part / whole, or None when the whole has fewer than THRESHOLD cases (a percentage of
    3 cases says nothing and may say too much)."""
    if whole < THRESHOLD:
        return None
    return part / whole


def enough(cases: int) -> bool:
    """Whether a figure computed from this many cases (a median) may be shown."""
    return cases >= THRESHOLD


def plotted(count: int) -> int:
    """The height a bar gets: the count, or THRESHOLD for a hidden one (drawn as a pale band
    "somewhere below 5", so the chart does not give away what the table hides)."""
    return THRESHOLD if hidden(count) else count


def ranked(rows: Iterable[tuple[K, int]]) -> list[tuple[K, int]]:
    """Rows by count, largest first; hidden counts last and by name, so that their order
    does not tell 4 from 1 either."""
    return sorted(rows, key=lambda row: (0 if hidden(row[1]) else -row[1], str(row[0] or "")))
