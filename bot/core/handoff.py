"""The handoff's states and which changes between them are legal, by whom.

    bot ──request──▶ waiting ──claim──▶ human ──release / idle──▶ bot
     │  ◀──cancel / release──┘           │
     └──────────── take over ───────────▶┘        any open state ──close──▶ closed

Pure data: `bot.core.machine` applies it; `bot.handoff.store` writes it with a conditional
update, so that of two counsellors claiming at once exactly one succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["bot", "waiting", "human", "closed"]
Actor = Literal["user", "counsellor", "system"]
STATUSES: tuple[Status, ...] = ("bot", "waiting", "human", "closed")
OPEN_HANDOFF: tuple[Status, ...] = ("waiting", "human")  # a person is wanted or answering

# (from, to) → who may make that change
LEGAL: dict[tuple[str, str], frozenset[str]] = {
    ("bot", "waiting"): frozenset({"user", "system"}),
    ("bot", "human"): frozenset({"counsellor"}),  # a counsellor takes over from the queue
    ("waiting", "human"): frozenset({"counsellor"}),  # claim
    ("waiting", "bot"): frozenset({"user", "counsellor"}),  # cancel, or released unanswered
    ("human", "bot"): frozenset({"user", "counsellor", "system"}),  # cancel, release, idle
    ("bot", "closed"): frozenset({"counsellor"}),
    ("waiting", "closed"): frozenset({"counsellor"}),
    ("human", "closed"): frozenset({"counsellor"}),
}


def legal(from_status: str, to_status: str, actor: str) -> bool:
    return actor in LEGAL.get((from_status, to_status), frozenset())


@dataclass(frozen=True)
class Change:
    """One transition as it is stored: from, to, who, why."""

    from_status: Status
    to_status: Status
    actor: Actor
    reason: str  # user_request | offer_accepted | emergency | claimed | taken_over | ...
    counsellor: int | None = None
    urgent: bool = False


class Refused(Exception):
    """An illegal or stale change (e.g. a claim on a conversation someone else has)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # already_claimed | not_assigned | not_open | closed | illegal
