"""The per-user message rate (pure): beyond the limit per minute, the first message gets a
polite notice and later ones are stored without an answer until the minute has passed."""

from __future__ import annotations

import datetime as dt
from typing import Literal

WINDOW = dt.timedelta(minutes=1)
Pace = Literal["ok", "notice", "quiet"]


def pace(recent: int, limit: int) -> Pace:
    """`recent`: the user's messages within WINDOW, this one included; `limit` 0: no limit."""
    if limit <= 0 or recent <= limit:
        return "ok"
    return "notice" if recent == limit + 1 else "quiet"
